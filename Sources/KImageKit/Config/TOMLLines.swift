/// Finds the line of a table header or key in TOML text. TOMLKit reports positions only for
/// syntax errors, so kimage locates keys itself to name the line of an unknown or mistyped one.
/// It understands what kimage.toml files contain: `[table]` headers and `key = value` lines
/// (bare or quoted keys); anything cleverer falls back to the table's header line.
struct TOMLLines {
    private let lines: [Substring]

    init(_ text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// 1-based line of `[name]`, or 1.
    func line(ofTable name: String) -> Int {
        for (i, raw) in lines.enumerated() where header(raw) == name { return i + 1 }
        return 1
    }

    /// 1-based line of `key = ...` inside table `section` (nil: before any header).
    func line(ofKey key: String, in section: String?) -> Int {
        var current: String? = nil
        var fallback = 1
        for (i, raw) in lines.enumerated() {
            if let h = header(raw) {
                current = h
                if h == section { fallback = i + 1 }
                continue
            }
            guard current == section else { continue }
            let text = raw.drop { $0 == " " || $0 == "\t" }
            for spelling in [key, "\"" + key + "\"", "'" + key + "'"] where text.hasPrefix(spelling) {
                let rest = text.dropFirst(spelling.count).drop { $0 == " " || $0 == "\t" }
                if rest.hasPrefix("=") { return i + 1 }
            }
        }
        return fallback
    }

    private func header(_ raw: Substring) -> String? {
        let text = raw.trimmingSpaces
        guard text.hasPrefix("["), !text.hasPrefix("[["), let close = text.firstIndex(of: "]") else { return nil }
        return String(text[text.index(after: text.startIndex)..<close].trimmingSpaces)
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return s
    }
}
