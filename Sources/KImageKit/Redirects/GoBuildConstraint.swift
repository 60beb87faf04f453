/// A `//go:build` expression (`linux && (amd64 || 386) && !purego`), or the older `// +build`
/// lines, evaluated against a GoTarget.
package indirect enum GoBuildConstraint: Sendable, Equatable {
    case tag(String)
    case not(GoBuildConstraint)
    case and(GoBuildConstraint, GoBuildConstraint)
    case or(GoBuildConstraint, GoBuildConstraint)

    package func evaluate(for target: GoTarget) -> Bool {
        switch self {
        case .tag(let t): return target.satisfies(tag: t)
        case .not(let e): return !e.evaluate(for: target)
        case .and(let a, let b): return a.evaluate(for: target) && b.evaluate(for: target)
        case .or(let a, let b): return a.evaluate(for: target) || b.evaluate(for: target)
        }
    }

    /// Parses the expression after `//go:build`. Throws a description of what is wrong.
    package static func parse(_ text: String) throws(ParseFailure) -> GoBuildConstraint {
        var p = Parser(Array(text.utf8))
        let e = try p.or()
        p.skipSpace()
        if p.i < p.s.count { throw ParseFailure("unexpected `\(p.rest)`") }
        return e
    }

    /// Parses the words after `// +build`: space means or, comma means and, `!` negates.
    package static func parsePlusBuild(_ text: String) throws(ParseFailure) -> GoBuildConstraint {
        var result: GoBuildConstraint?
        for option in text.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            var clause: GoBuildConstraint?
            for term in option.split(separator: ",", omittingEmptySubsequences: false) {
                var t = Substring(term)
                var negated = false
                if t.hasPrefix("!") { negated = true; t = t.dropFirst() }
                guard !t.isEmpty, t.allSatisfy(Parser.isTagCharacter) else {
                    throw ParseFailure("`\(option)` is not a list of tags")
                }
                let e: GoBuildConstraint = negated ? .not(.tag(String(t))) : .tag(String(t))
                clause = clause.map { .and($0, e) } ?? e
            }
            if let clause { result = result.map { .or($0, clause) } ?? clause }
        }
        guard let result else { throw ParseFailure("no tags") }
        return result
    }

    package struct ParseFailure: Error, Sendable, Equatable {
        package let message: String
        init(_ message: String) { self.message = message }
    }

    private struct Parser {
        let s: [UInt8]
        var i = 0
        init(_ s: [UInt8]) { self.s = s }

        var rest: String { String(decoding: s[i...], as: UTF8.self) }

        static func isTagCharacter(_ c: Character) -> Bool {
            c.isLetter || c.isNumber || c == "_" || c == "."
        }

        mutating func skipSpace() {
            while i < s.count && (s[i] == 0x20 || s[i] == 0x09) { i += 1 }
        }

        mutating func eat(_ op: String) -> Bool {
            skipSpace()
            let b = Array(op.utf8)
            guard i + b.count <= s.count, Array(s[i..<i + b.count]) == b else { return false }
            i += b.count
            return true
        }

        mutating func or() throws(ParseFailure) -> GoBuildConstraint {
            var e = try and()
            while eat("||") { e = .or(e, try and()) }
            return e
        }

        mutating func and() throws(ParseFailure) -> GoBuildConstraint {
            var e = try unary()
            while eat("&&") { e = .and(e, try unary()) }
            return e
        }

        mutating func unary() throws(ParseFailure) -> GoBuildConstraint {
            if eat("!") { return .not(try unary()) }
            if eat("(") {
                let e = try or()
                guard eat(")") else { throw ParseFailure(i < s.count ? "expected `)` before `\(rest)`" : "missing `)`") }
                return e
            }
            skipSpace()
            let start = i
            while i < s.count {
                let c = s[i]
                let ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x2E || c >= 0x80
                if !ok { break }
                i += 1
            }
            guard i > start else {
                throw ParseFailure(i < s.count ? "expected a tag, `!` or `(` before `\(rest)`" : "the expression ends where a tag was expected")
            }
            return .tag(String(decoding: s[start..<i], as: UTF8.self))
        }
    }
}
