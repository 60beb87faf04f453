#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What one Go source file says about redirects: its package, its build constraint, and the
/// top-level functions whose doc comments hold `//go:redirect-from`. A small lexer is enough:
/// comments, strings (so a directive inside a raw string is not one), brackets and identifiers.
public struct GoSourceFile: Sendable, Equatable {
    /// One `//go:redirect-from SYMBOL` attached to a function.
    public struct Annotation: Sendable, Equatable {
        /// The redirected symbol (`runtime.sysReserve`).
        public let symbol: String
        /// The function's name inside its package, as the linker spells it: `F`, `T.M`, `(*T).M`.
        public let function: String
        public let location: FileLocation
    }

    public let packageName: String?
    /// The `//go:build` expression, or the `// +build` lines when there is none.
    public let constraint: GoBuildConstraint?
    public let annotations: [Annotation]
    /// Misplaced or malformed directives; reported only when the file is part of the build.
    public let problems: [RedirectError]

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

    public init(bytes: [UInt8], path: String) throws {
        self = try bytes.withUnsafeBytes { try GoSourceFile(source: $0, path: path) }
    }

    /// Tokens carry byte ranges, not Strings: a String is made only for what is kept.
    public init(source s: UnsafeRawBufferPointer, path: String) throws {
        let tokens = GoLexer.tokens(of: s)
        func text(_ t: GoLexer.Token) -> String { String(decoding: UnsafeRawBufferPointer(rebasing: s[t.start..<t.end]), as: UTF8.self) }
        func starts(_ t: GoLexer.Token, _ prefix: StaticString) -> Bool {
            let n = prefix.utf8CodeUnitCount
            guard t.end - t.start >= n else { return false }
            return memcmp(s.baseAddress! + t.start, prefix.utf8Start, n) == 0
        }
        func isWord(_ t: GoLexer.Token, _ word: StaticString) -> Bool {
            t.kind == .identifier && t.end - t.start == word.utf8CodeUnitCount && starts(t, word)
        }
        var packageName: String?
        var goBuild: GoBuildConstraint?
        var plusBuild: GoBuildConstraint?
        var annotations: [Annotation] = []
        var problems: [RedirectError] = []

        // The current comment group's directives: (location, words after the directive).
        var groupDirectives: [(FileLocation, [String])] = []
        var groupEnd = -1
        var depth = 0

        func orphan(_ found: String) {
            for (loc, _) in groupDirectives { problems.append(.directiveNotOnFunction(at: loc, found: found)) }
            groupDirectives = []
        }

        for (k, t) in tokens.enumerated() {
            if t.kind == .lineComment || t.kind == .blockComment {
                if t.line > groupEnd + 1 && !groupDirectives.isEmpty {
                    orphan("a blank line between it and the next declaration")
                }
                groupEnd = t.endLine
                guard t.kind == .lineComment, starts(t, "//go:") || starts(t, "// +build") else { continue }
                let text = text(t)
                if packageName == nil && depth == 0 {
                    if let expr = Self.after("//go:build", in: text) {
                        if goBuild != nil {
                            throw KImageError.redirect(.badBuildConstraint(at: FileLocation(file: path, line: t.line), line: text, detail: "a file may have only one //go:build line"))
                        }
                        do {
                            goBuild = try GoBuildConstraint.parse(expr)
                        } catch {
                            throw KImageError.redirect(.badBuildConstraint(at: FileLocation(file: path, line: t.line), line: text, detail: error.message))
                        }
                    } else if let expr = Self.after("// +build", in: text) {
                        do {
                            let e = try GoBuildConstraint.parsePlusBuild(expr)
                            plusBuild = plusBuild.map { .and($0, e) } ?? e
                        } catch {
                            throw KImageError.redirect(.badBuildConstraint(at: FileLocation(file: path, line: t.line), line: text, detail: error.message))
                        }
                    }
                }
                guard let rest = Self.after("//go:redirect-from", in: text) else {
                    // `//go:redirect-from: x` or a no-break space after it: the go tool would not
                    // see it either, but dropping it silently changes the count.
                    if text.hasPrefix("//go:redirect-from"), let next = text.dropFirst("//go:redirect-from".count).unicodeScalars.first,
                       !(next.properties.isAlphabetic || next.properties.numericType != nil || next == "_" || next == "-") {
                        problems.append(.directiveSeparator(at: FileLocation(file: path, line: t.line), found: next))
                    }
                    continue
                }
                let loc = FileLocation(file: path, line: t.line)
                if depth > 0 {
                    problems.append(.directiveNotOnFunction(at: loc, found: "it inside a declaration's body"))
                } else if !t.firstOnLine {
                    problems.append(.directiveNotOnFunction(at: loc, found: "code before it on the same line"))
                } else {
                    groupDirectives.append((loc, rest.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)))
                }
                continue
            }

            if !groupDirectives.isEmpty {
                if isWord(t, "func") && depth == 0 && t.firstOnLine && t.line == groupEnd + 1,
                   let fn = Self.function(at: k, in: tokens, text: text) {
                    for (loc, words) in groupDirectives {
                        if words.isEmpty {
                            problems.append(.directiveWithoutSymbol(at: loc))
                        } else if words.count > 1 {
                            problems.append(.directiveExtraWords(at: loc, words: words))
                        } else if fn.name == "init" {
                            problems.append(.directiveOnInit(at: loc))
                        } else if fn.generic {
                            problems.append(.directiveOnGeneric(at: loc, function: fn.name))
                        } else {
                            annotations.append(Annotation(symbol: words[0], function: fn.name, location: loc))
                        }
                    }
                    groupDirectives = []
                } else if t.line > groupEnd + 1 {
                    orphan("a blank line between it and the next declaration")
                } else {
                    orphan("`\(text(t))` where a top-level `func` was expected")
                }
            }
            groupEnd = -2

            if t.kind == .punctuation {
                switch s[t.start] {
                case 0x28, 0x5B, 0x7B: depth += 1 // ( [ {
                case 0x29, 0x5D, 0x7D: depth = max(0, depth - 1)
                default: break
                }
            }
            if packageName == nil && depth == 0 && isWord(t, "package"),
               k + 1 < tokens.count, tokens[k + 1].kind == .identifier {
                packageName = text(tokens[k + 1])
            }
        }
        if !groupDirectives.isEmpty { orphan("the end of the file") }

        self.packageName = packageName
        self.constraint = goBuild ?? plusBuild
        self.annotations = annotations
        self.problems = problems
    }

    /// The text after `prefix` when `text` is that directive (followed by a space or nothing).
    static func after(_ prefix: String, in text: String) -> String? {
        guard text.hasPrefix(prefix) else { return nil }
        let rest = text.dropFirst(prefix.count)
        guard rest.isEmpty || rest.first == " " || rest.first == "\t" else { return nil }
        return String(rest)
    }

    /// Reads `func [ (receiver) ] Name [ [TypeParams] ] (` starting at the `func` token.
    static func function(at k: Int, in tokens: [GoLexer.Token], text: (GoLexer.Token) -> String) -> (name: String, generic: Bool)? {
        var j = k + 1
        func next() -> GoLexer.Token? {
            while j < tokens.count {
                let t = tokens[j]
                j += 1
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

    static func tokens(of s: UnsafeRawBufferPointer) -> [Token] {
        var out: [Token] = []
        var i = 0, line = 1
        var lineHasToken = false
        let n = s.count
        func isIdent(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c >= 0x80
        }
        while i < n {
            let c = s[i]
            let first = !lineHasToken
            if c == 0x0A { line += 1; lineHasToken = false; i += 1; continue }
            if c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0C { i += 1; continue }
            lineHasToken = true
            let startLine = line
            if c == 0x2F && i + 1 < n && s[i + 1] == 0x2F {
                var e = i
                while e < n && s[e] != 0x0A { e += 1 }
                var t = e
                if t > i && s[t - 1] == 0x0D { t -= 1 }
                out.append(Token(kind: .lineComment, start: i, end: t, line: line, endLine: line, firstOnLine: first))
                i = e
                continue
            }
            if c == 0x2F && i + 1 < n && s[i + 1] == 0x2A {
                var e = i + 2
                while e < n && !(s[e] == 0x2A && e + 1 < n && s[e + 1] == 0x2F) {
                    if s[e] == 0x0A { line += 1 }
                    e += 1
                }
                out.append(Token(kind: .blockComment, start: i, end: min(n, e + 2), line: startLine, endLine: line, firstOnLine: first))
                i = min(n, e + 2)
                continue
            }
            if c == 0x22 || c == 0x27 { // "..." and '...': escapes, end at the quote or the line
                var e = i + 1
                while e < n && s[e] != c && s[e] != 0x0A {
                    e += s[e] == 0x5C ? 2 : 1
                }
                out.append(Token(kind: .string, start: i, end: min(n, e + 1), line: startLine, endLine: line, firstOnLine: first))
                i = min(n, e + 1)
                continue
            }
            if c == 0x60 { // `raw string`, may span lines
                var e = i + 1
                while e < n && s[e] != 0x60 {
                    if s[e] == 0x0A { line += 1 }
                    e += 1
                }
                out.append(Token(kind: .string, start: i, end: min(n, e + 1), line: startLine, endLine: line, firstOnLine: first))
                i = min(n, e + 1)
                continue
            }
            if isIdent(c) {
                var e = i
                while e < n && isIdent(s[e]) { e += 1 }
                let isNumber = c >= 0x30 && c <= 0x39
                out.append(Token(kind: isNumber ? .other : .identifier, start: i, end: e, line: line, endLine: line, firstOnLine: first))
                i = e
                continue
            }
            out.append(Token(kind: .punctuation, start: i, end: i + 1, line: line, endLine: line, firstOnLine: first))
            i += 1
        }
        return out
    }
}
