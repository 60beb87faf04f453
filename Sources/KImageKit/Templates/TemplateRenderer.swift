/// Renders kimage's templates: every `{{name}}` becomes its value. Nothing else is special, so
/// assembly, C, linker scripts and make syntax pass through untouched. An unknown name or a
/// malformed placeholder is an error, never an empty string: a silently blank NUM_REDIRECTS or
/// load address is exactly the bug templates exist to prevent.
package enum TemplateRenderer {
    package static func render(_ text: String, name: String, values: [String: String]) throws -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var rest = Substring(text)
        var line = 1
        while let open = rest.firstRange(of: "{{") {
            let before = rest[..<open.lowerBound]
            out += before
            line += before.reduce(0) { $0 + ($1 == "\n" ? 1 : 0) }
            let afterOpen = rest[open.upperBound...]
            let lineEnd = afterOpen.firstIndex(of: "\n") ?? afterOpen.endIndex
            guard let close = afterOpen[..<lineEnd].firstRange(of: "}}") else {
                throw ConfigError.malformedPlaceholder(
                    template: name, line: line, text: String(rest[open.lowerBound..<lineEnd]))
            }
            let key = String(afterOpen[..<close.lowerBound])
            guard !key.isEmpty, key.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }) else {
                throw ConfigError.malformedPlaceholder(
                    template: name, line: line, text: "{{" + key + "}}")
            }
            guard let value = values[key] else {
                throw ConfigError.unknownPlaceholder(template: name, line: line, name: key, known: values.keys.sorted())
            }
            out += value
            rest = afterOpen[close.upperBound...]
        }
        out += rest
        return out
    }

    /// The names a template uses, in order of first use (for tests and `--help` texts).
    package static func placeholders(in text: String) -> [String] {
        var seen: [String] = []
        var rest = Substring(text)
        while let open = rest.firstRange(of: "{{"), let close = rest[open.upperBound...].firstRange(of: "}}") {
            let key = String(rest[open.upperBound..<close.lowerBound])
            if !seen.contains(key) { seen.append(key) }
            rest = rest[close.upperBound...]
        }
        return seen
    }
}
