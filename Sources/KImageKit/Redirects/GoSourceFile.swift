#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What one Go source file says about redirects: its package, its build constraint, and the
/// top-level functions whose doc comments hold `//go:redirect-from`. A small lexer is enough:
/// comments, strings (so a directive inside a raw string is not one), brackets and identifiers.
package struct GoSourceFile: Sendable, Equatable {
    /// One `//go:redirect-from SYMBOL` attached to a function.
    package struct Annotation: Sendable, Equatable {
        /// The redirected symbol (`runtime.sysReserve`).
        package let symbol: String
        /// The function's name inside its package, as the linker spells it: `F`, `T.M`, `(*T).M`.
        package let function: String
        package let location: FileLocation
    }

    package let packageName: String?
    /// The `//go:build` expression, or the `// +build` lines when there is none.
    package let constraint: GoBuildConstraint?
    package let annotations: [Annotation]
    /// Misplaced or malformed directives; reported only when the file is part of the build.
    package let problems: [RedirectError]

    static let directive = Array("//go:redirect-from".utf8)

    /// Whether `bytes` can hold a directive at all: most files do not, and skip the lexer.
    static func mentionsDirective(_ bytes: UnsafeRawBufferPointer) -> Bool {
        return directive.withUnsafeBytes { d in
            guard bytes.count >= d.count else { return false }
            let base = bytes.baseAddress!
            var at = 0
            let last = bytes.count - d.count
            // memchr to each '/', then one memcmp: most bytes are never looked at twice.
            while at <= last, let slash = memchr(base + at, 0x2F, last - at + 1) {
                let i = UnsafeRawPointer(slash) - base
                if memcmp(base + i, d.baseAddress!, d.count) == 0 { return true }
                at = i + 1
            }
            return false
        }
    }

    package init(bytes: [UInt8], path: String) throws {
        self = try bytes.withUnsafeBytes { try GoSourceFile(source: $0, path: path) }
    }

    /// Tokens carry byte ranges, not Strings: a String is made only for what is kept.
    package init(source s: UnsafeRawBufferPointer, path: String) throws {
        var parser = GoSourceParser(source: s, path: path)
        try parser.run()
        packageName = parser.packageName
        constraint = parser.goBuild ?? parser.plusBuild
        annotations = parser.annotations
        problems = parser.problems
    }

    /// The text after `prefix` when `text` is that directive (followed by a space or nothing).
    static func after(_ prefix: String, in text: String) -> String? {
        guard text.hasPrefix(prefix) else { return nil }
        let rest = text.dropFirst(prefix.count)
        guard rest.isEmpty || rest.first == " " || rest.first == "\t" else { return nil }
        return String(rest)
    }

    /// Reads `[ (receiver) ] Name [ [TypeParams] ] (` from `cursor`, which stands right after a
    /// `func` token (a copy: the caller's cursor does not move).
    static func function(after cursor: GoLexer.Cursor, text: (GoLexer.Token) -> String) -> (name: String, generic: Bool)? {
        var cursor = cursor
        func next() -> GoLexer.Token? {
            while let t = cursor.next() {
                if t.kind != .lineComment && t.kind != .blockComment { return t }
            }
            return nil
        }
        guard var t = next() else { return nil }
        var receiver: String?
        var generic = false
        if t.kind == .punctuation && text(t) == "(" {
            var nesting = 1, brackets = 0
            var idents: [String] = []
            var pointer = false
            while nesting > 0 {
                guard let r = next() else { return nil }
                switch (r.kind, r.kind == .identifier || r.kind == .punctuation ? text(r) : "") {
                case (.punctuation, "("): nesting += 1
                case (.punctuation, ")"): nesting -= 1
                case (.punctuation, "["):
                    if brackets == 0 { generic = true }
                    brackets += 1
                case (.punctuation, "]"): brackets -= 1
                case (.punctuation, "*") where brackets == 0: pointer = true
                case (.identifier, let name) where brackets == 0: idents.append(name)
                default: break
                }
            }
            guard let type = idents.last else { return nil }
            receiver = pointer ? "(*\(type))" : type
            guard let n = next() else { return nil }
            t = n
        }
        guard t.kind == .identifier, let after = next() else { return nil }
        let next = after.kind == .punctuation ? text(after) : ""
        if next == "[" { generic = true }
        guard next == "(" || next == "[" else { return nil }
        return (receiver.map { "\($0).\(text(t))" } ?? text(t), generic)
    }
}

/// Splits Go source into the tokens GoSourceFile needs.
enum GoLexer {
    enum Kind: Sendable { case identifier, punctuation, string, lineComment, blockComment, other }

    struct Token: Sendable {
        let kind: Kind
        /// Byte range in the source.
        let start: Int
        let end: Int
        let line: Int
        let endLine: Int
        /// Nothing but spaces before it on its line.
        let firstOnLine: Bool
    }

    /// Hands out the tokens one at a time: a parse holds no array of them (a 1.4 MB tree is
    /// 300,000 tokens). A copy looks ahead without moving the original.
    struct Cursor {
        private let s: UnsafeRawBufferPointer
        private var i = 0, line = 1
        private var lineHasToken = false

        init(_ source: UnsafeRawBufferPointer) { s = source }

        mutating func next() -> Token? {
            let n = s.count
            while i < n {
                let c = s[i]
                if c == 0x0A { line += 1; lineHasToken = false; i += 1; continue }
                if c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0C { i += 1; continue }
                let first = !lineHasToken
                lineHasToken = true
                let start = i, startLine = line
                let (kind, end, tokenEnd) = token(at: i, in: s, line: &line)
                i = end
                return Token(kind: kind, start: start, end: tokenEnd, line: startLine, endLine: line, firstOnLine: first)
            }
            return nil
        }

        /// Moves over code up to the next comment (or the end) without handing out its tokens,
        /// keeping lines and `depth` (brackets) as `next()` and the parser would: a parser with
        /// no directive pending needs nothing else from code, and most of a file is code. Token
        /// boundaries inside code do not matter here, so identifiers go byte by byte; strings
        /// go through `token(at:)`, so a quote or comment marker inside one stays text. True
        /// when anything was passed over.
        mutating func skipCode(depth: inout Int) -> Bool {
            let n = s.count
            let begin = i
            while i < n {
                switch s[i] {
                case 0x0A: line += 1; lineHasToken = false; i += 1
                case 0x20, 0x09, 0x0D, 0x0C: i += 1
                case 0x2F where i + 1 < n && (s[i + 1] == 0x2F || s[i + 1] == 0x2A):
                    return i != begin
                case 0x22, 0x27, 0x60:
                    lineHasToken = true
                    i = token(at: i, in: s, line: &line).next
                case 0x28, 0x5B, 0x7B: depth += 1; lineHasToken = true; i += 1 // ( [ {
                case 0x29, 0x5D, 0x7D: depth = max(0, depth - 1); lineHasToken = true; i += 1
                default: lineHasToken = true; i += 1
                }
            }
            return i != begin
        }
    }

    private static func isIdent(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c >= 0x80
    }

    /// The token starting at `i` (not a blank): its kind, where scanning goes on, and where the
    /// token's text ends (a line comment leaves its CR out). Counts the newlines it spans.
    fileprivate static func token(at i: Int, in s: UnsafeRawBufferPointer, line: inout Int) -> (Kind, next: Int, end: Int) {
        let n = s.count
        let c = s[i]
        if c == 0x2F && i + 1 < n && s[i + 1] == 0x2F {
            // memchr to the newline: comments are a large part of a Go file.
            let e = memchr(s.baseAddress! + i, 0x0A, n - i).map { UnsafeRawPointer($0) - s.baseAddress! } ?? n
            return (.lineComment, e, e > i && s[e - 1] == 0x0D ? e - 1 : e)
        }
        if c == 0x2F && i + 1 < n && s[i + 1] == 0x2A {
            var e = i + 2
            while e < n && !(s[e] == 0x2A && e + 1 < n && s[e + 1] == 0x2F) {
                if s[e] == 0x0A { line += 1 }
                e += 1
            }
            return (.blockComment, min(n, e + 2), min(n, e + 2))
        }
        if c == 0x22 || c == 0x27 { // "..." and '...': escapes, end at the quote or the line
            var e = i + 1
            while e < n && s[e] != c && s[e] != 0x0A { e += s[e] == 0x5C ? 2 : 1 }
            return (.string, min(n, e + 1), min(n, e + 1))
        }
        if c == 0x60 { // `raw string`, may span lines
            var e = i + 1
            while e < n && s[e] != 0x60 {
                if s[e] == 0x0A { line += 1 }
                e += 1
            }
            return (.string, min(n, e + 1), min(n, e + 1))
        }
        if isIdent(c) {
            var e = i
            while e < n && isIdent(s[e]) { e += 1 }
            return (c >= 0x30 && c <= 0x39 ? .other : .identifier, e, e)
        }
        return (.punctuation, i + 1, i + 1)
    }
}
