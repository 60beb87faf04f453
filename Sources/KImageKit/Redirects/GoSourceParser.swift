#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One pass over a Go file's tokens for GoSourceFile: the package clause, the build lines before
/// it, and each `//go:redirect-from` group with the top-level `func` it documents. Tokens carry
/// byte ranges, not Strings: a String is made only for what is kept.
struct GoSourceParser {
    typealias Annotation = GoSourceFile.Annotation

    private let s: UnsafeRawBufferPointer
    private let path: String
    private(set) var packageName: String?
    private(set) var goBuild: GoBuildConstraint?
    private(set) var plusBuild: GoBuildConstraint?
    private(set) var annotations: [Annotation] = []
    private(set) var problems: [RedirectError] = []

    /// The current comment group's directives: (location, words after the directive).
    private var groupDirectives: [(FileLocation, [String])] = []
    private var groupEnd = -1
    private var depth = 0

    init(source: UnsafeRawBufferPointer, path: String) {
        s = source
        self.path = path
    }

    mutating func run() throws {
        var cursor = GoLexer.Cursor(s)
        while true {
            // Between directive groups, once the package clause is read, code only moves the
            // bracket depth and ends comment groups: skipped without tokens (most of a file).
            if groupDirectives.isEmpty && packageName != nil && cursor.skipCode(depth: &depth) { groupEnd = -2 }
            guard let t = cursor.next() else { break }
            if t.kind == .lineComment || t.kind == .blockComment {
                try comment(t)
            } else {
                code(t, before: cursor)
            }
        }
        if !groupDirectives.isEmpty { orphan("the end of the file") }
    }

    private func text(_ t: GoLexer.Token) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: s[t.start..<t.end]), as: UTF8.self)
    }

    private func starts(_ t: GoLexer.Token, _ prefix: StaticString) -> Bool {
        let n = prefix.utf8CodeUnitCount
        guard t.end - t.start >= n else { return false }
        return memcmp(s.baseAddress! + t.start, prefix.utf8Start, n) == 0
    }

    private func isWord(_ t: GoLexer.Token, _ word: StaticString) -> Bool {
        t.kind == .identifier && t.end - t.start == word.utf8CodeUnitCount && starts(t, word)
    }

    private mutating func orphan(_ found: String) {
        for (loc, _) in groupDirectives { problems.append(.directiveNotOnFunction(at: loc, found: found)) }
        groupDirectives = []
    }

    /// A comment: a build line before the package clause, a redirect directive, or neither.
    private mutating func comment(_ t: GoLexer.Token) throws {
        if t.line > groupEnd + 1 && !groupDirectives.isEmpty {
            orphan("a blank line between it and the next declaration")
        }
        groupEnd = t.endLine
        guard t.kind == .lineComment, starts(t, "//go:") || starts(t, "// +build") else { return }
        let text = text(t)
        if packageName == nil && depth == 0 { try buildLine(text, line: t.line) }
        guard let rest = GoSourceFile.after("//go:redirect-from", in: text) else {
            // `//go:redirect-from: x` or a no-break space after it: the go tool would not
            // see it either, but dropping it silently changes the count.
            if text.hasPrefix("//go:redirect-from"), let next = text.dropFirst("//go:redirect-from".count).unicodeScalars.first,
               !(next.properties.isAlphabetic || next.properties.numericType != nil || next == "_" || next == "-") {
                problems.append(.directiveSeparator(at: FileLocation(file: path, line: t.line), found: next))
            }
            return
        }
        let loc = FileLocation(file: path, line: t.line)
        if depth > 0 {
            problems.append(.directiveNotOnFunction(at: loc, found: "it inside a declaration's body"))
        } else if !t.firstOnLine {
            problems.append(.directiveNotOnFunction(at: loc, found: "code before it on the same line"))
        } else {
            groupDirectives.append((loc, rest.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)))
        }
    }

    /// `//go:build EXPR` (one per file) or `// +build ...` (each line ANDed with the others).
    private mutating func buildLine(_ text: String, line: Int) throws {
        func bad(_ detail: String) -> RedirectError {
            .badBuildConstraint(at: FileLocation(file: path, line: line), line: text, detail: detail)
        }
        if let expr = GoSourceFile.after("//go:build", in: text) {
            if goBuild != nil { throw bad("a file may have only one //go:build line") }
            do { goBuild = try GoBuildConstraint.parse(expr) } catch { throw bad(error.message) }
        } else if let expr = GoSourceFile.after("// +build", in: text) {
            do {
                let e = try GoBuildConstraint.parsePlusBuild(expr)
                plusBuild = plusBuild.map { .and($0, e) } ?? e
            } catch { throw bad(error.message) }
        }
    }

    /// Any other token: it ends a directive group (attaching it to a `func` right below), moves
    /// the bracket depth, and may be the package name. `rest` stands right after `t`.
    private mutating func code(_ t: GoLexer.Token, before rest: GoLexer.Cursor) {
        if !groupDirectives.isEmpty { closeGroup(before: t, rest: rest) }
        groupEnd = -2
        if t.kind == .punctuation {
            switch s[t.start] {
            case 0x28, 0x5B, 0x7B: depth += 1 // ( [ {
            case 0x29, 0x5D, 0x7D: depth = max(0, depth - 1)
            default: break
            }
        }
        if packageName == nil && depth == 0 && isWord(t, "package") {
            var peek = rest
            if let name = peek.next(), name.kind == .identifier { packageName = text(name) }
        }
    }

    private mutating func closeGroup(before t: GoLexer.Token, rest: GoLexer.Cursor) {
        guard isWord(t, "func") && depth == 0 && t.firstOnLine && t.line == groupEnd + 1,
              let fn = GoSourceFile.function(after: rest, text: text) else {
            orphan(t.line > groupEnd + 1 ? "a blank line between it and the next declaration"
                                         : "`\(text(t))` where a top-level `func` was expected")
            return
        }
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
    }
}
