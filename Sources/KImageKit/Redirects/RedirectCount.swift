/// `kimage count` output: the number of redirects, alone or as a definition for the tool that
/// assembles rt0, and a make rule naming the files it came from.
public enum RedirectCount {
    public enum Format: String, Sendable, CaseIterable {
        case plain, nasm, gas, ld, c, json
        /// Go assembly (`#include "redirects.h"`, then `$(NUM_REDIRECTS*16)`), Go source (a const).
        case goAsm = "go-asm", go
    }

    public static let symbol = "NUM_REDIRECTS"

    /// The text to print (without the final newline).
    public static func render(_ collection: RedirectSources.Collection, format: Format) -> String {
        let n = collection.count
        switch format {
        case .plain: return "\(n)"
        case .nasm: return "%define \(symbol) \(n)"
        case .gas: return ".set \(symbol), \(n)"
        case .ld: return "\(symbol) = \(n);"
        case .c, .goAsm: return "#define \(symbol) \(n)"
        case .go: return "const NumRedirects = \(n)"
        case .json:
            return JSONValue.object([
                ("count", .int(n)),
                ("redirects", .array(collection.sortedBySource.map { r in
                    .row([("src", .string(r.source)), ("dst", .string(r.destination)), ("file", .string(r.origin.file)),
                          ("line", .int(r.origin.line))])
                })),
            ]).rendered()
        }
    }

    /// A make rule: `target` depends on every file read. Each prerequisite also gets an empty
    /// rule, so deleting a file makes make rebuild instead of failing (gcc's -MP).
    public static func depfile(target: String, prerequisites: [String]) -> String {
        var text = escapeForMake(target) + ":"
        for p in prerequisites { text += " \\\n  " + escapeForMake(p) }
        text += "\n"
        for p in prerequisites { text += "\n" + escapeForMake(p) + ":\n" }
        return text
    }

    static func escapeForMake(_ path: String) -> String {
        var out = ""
        for c in path {
            switch c {
            case " ", "#", "\\": out += "\\" + String(c)
            case "$": out += "$$"
            default: out.append(c)
            }
        }
        return out
    }
}
