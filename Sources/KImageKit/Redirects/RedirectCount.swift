/// `kimage count` output: the number of redirects, alone or as a definition for the tool that
/// assembles rt0, and a make rule naming the files it came from.
package enum RedirectCount {
    /// `count --format json`'s schema number.
    package static let jsonSchemaVersion = 1

    package enum Format: String, Sendable, CaseIterable {
        case plain, nasm, gas, ld, c, json
        /// Go assembly (`#include "redirects.h"`, then `$(NUM_REDIRECTS*16)`), Go source (a const).
        case goAsm = "go-asm", go
    }

    package static let symbol = "NUM_REDIRECTS"

    /// The text to print (without the final newline).
    package static func render(_ collection: RedirectSources.Collection, format: Format) -> String {
        let n = collection.count
        switch format {
        case .plain: return "\(n)"
        case .nasm: return "%define \(symbol) \(n)"
        case .gas: return ".set \(symbol), \(n)"
        case .ld: return "\(symbol) = \(n);"
        case .c, .goAsm: return "#define \(symbol) \(n)"
        case .go: return "const NumRedirects = \(n)"
        case .json:
            // The schema number goes up when a key changes meaning or goes away (README: --json).
            return JSONValue.object([
                ("schema", .int(jsonSchemaVersion)),
                ("count", .int(n)),
                ("redirects", .array(collection.sortedBySource.map { r in
                    .row([("src", .string(r.source)), ("dst", .string(r.destination)), ("file", .string(r.origin.file)),
                          ("line", .int(r.origin.line))])
                })),
            ]).rendered()
        }
    }

    /// Writes `count --depfile`, refusing a depfile that is one of the files read.
    package static func writeDepfile(_ path: String, target: String, sources: RedirectSources,
                                    collection: RedirectSources.Collection) throws {
        try DistinctFiles.check(outputs: [NamedPath("--depfile", "the depfile", path)], inputs: sources.namedInputs(collection))
        let rule = try depfile(target: target, prerequisites: collection.filesRead)
        try OutputFile.write(Array(rule.utf8), to: path)
    }

    /// A make rule: `target` depends on every file read, each with an empty rule of its own.
    package static func depfile(target: String, prerequisites: [String]) throws -> String {
        try MakeRule.text(target: target, prerequisites: prerequisites, phony: true)
    }
}
