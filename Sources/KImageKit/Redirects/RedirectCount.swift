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
            let items = collection.sortedBySource.map { r in
                "    {\"src\": \(RedirectJSON.string(r.source)), \"dst\": \(RedirectJSON.string(r.destination)), \"file\": \(RedirectJSON.string(r.origin.file)), \"line\": \(r.origin.line)}"
            }
            return "{\n  \"count\": \(n),\n  \"redirects\": [" + (items.isEmpty ? "]" : "\n" + items.joined(separator: ",\n") + "\n  ]") + "\n}"
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

/// JSON string quoting for the JSON documents redirect and count print by hand (stable key order);
/// one quoter for the whole package: JSONValue.quote.
enum RedirectJSON {
    static func string(_ s: String) -> String {
        JSONValue.quote(s)
    }
}
