/// Checks for what toml++ (under TOMLKit) asserts on instead of reporting, aborting kimage
/// (both found by `make fuzz`): a table header whose key starts with a character that can
/// start no key (`[:a]`, `[[ !x]]`, parse_key()), and a `}` where an array expects a value
/// (`x = [}`, `x = [1,}`, parse_value()). This lexer finds both the way the parser would
/// (outside strings and comments; headers at a line start outside any value) and reports them
/// as the syntax errors they are, before toml++ sees the text.
struct TOMLPreflight {
    let b: [UInt8]
    let path: String
    var i = 0, line = 1, lineStart = 0
    var open: [UInt8] = []          // the value brackets open at i: `[` arrays, `{` inline tables
    var atLineStart = true

    static func check(_ text: String, path: String) throws {
        var lexer = TOMLPreflight(b: Array(text.utf8), path: path)
        try lexer.run()
    }

    private mutating func run() throws {
        while i < b.count {
            let c = b[i]
            if c == 0x0A { line += 1; lineStart = i + 1; atLineStart = true; i += 1; continue }
            if c == 0x20 || c == 0x09 || c == 0x0D { i += 1; continue }
            if atLineStart && open.isEmpty && c == 0x5B {
                try checkTableHeader()
                continue
            }
            atLineStart = false
            switch c {
            case 0x23:
                while i < b.count && b[i] != 0x0A { i += 1 }
            case 0x22, 0x27:
                let multi = i + 2 < b.count && b[i + 1] == c && b[i + 2] == c
                skipString(quote: c, multi: multi)
            case 0x5B, 0x7B:
                open.append(c); i += 1
            case 0x7D where open.last == 0x5B:
                throw ConfigError.syntax(path: path, line: line, column: i - lineStart + 1,
                    message: "Error while parsing array: expected a value, ',' or closing ']', saw '}'")
            case 0x5D, 0x7D:
                if !open.isEmpty { open.removeLast() }
                i += 1
            default:
                i += 1
            }
        }
    }

    private static func isBare(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x5F || c == 0x2D
    }

    /// A table header: `[` or `[[`, blanks, then a key's first character; i moves to the line's end.
    private mutating func checkTableHeader() throws {
        var j = i + 1
        if j < b.count && b[j] == 0x5B { j += 1 }
        while j < b.count && (b[j] == 0x20 || b[j] == 0x09) { j += 1 }
        if j < b.count, !(Self.isBare(b[j]) || b[j] == 0x22 || b[j] == 0x27 || b[j] == 0x5D) {
            let shown = b[j] >= 0x20 && b[j] < 0x7F ? "'\(Character(Unicode.Scalar(b[j])))'" : "byte \(hex(b[j]))"
            throw ConfigError.syntax(path: path, line: line, column: j - lineStart + 1,
                message: "Error while parsing table header: expected a bare key or a quoted key, saw \(shown)")
        }
        while i < b.count && b[i] != 0x0A { i += 1 }
    }

    /// Moves i just past the string starting at it (quote `q`, tripled when `multi`).
    private mutating func skipString(quote q: UInt8, multi: Bool) {
        var j = i + (multi ? 3 : 1)
        defer { i = j }
        while j < b.count {
            if b[j] == 0x0A {
                if !multi { return }
                line += 1; lineStart = j + 1
            }
            if q == 0x22 && b[j] == 0x5C { j += 2; continue }
            if b[j] == q && (!multi || (j + 2 < b.count && b[j + 1] == q && b[j + 2] == q)) {
                j += multi ? 3 : 1
                return
            }
            j += 1
        }
    }
}
