/// A manifest: one `SRC DST` per line, `#` starts a comment, blank lines are ignored. For
/// kernels in C, Rust, Zig or assembly, where no annotation scanner applies.
public enum RedirectManifest {
    public static func parse(_ text: String, path: String) throws -> [Redirect] {
        var result: [Redirect] = []
        var lineNumber = 0
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            var line = Substring(raw)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if words.isEmpty { continue }
            guard words.count == 2 else {
                let shown = raw.trimmingSuffix(while: { $0 == "\r" || $0 == " " || $0 == "\t" })
                throw KImageError.redirect(.manifestLine(at: FileLocation(file: path, line: lineNumber), text: String(shown), words: words.count))
            }
            result.append(Redirect(source: String(words[0]), destination: String(words[1]),
                                   origin: FileLocation(file: path, line: lineNumber)))
        }
        return result
    }

    public static func read(path: String) throws -> [Redirect] {
        let file: FileBytes
        do {
            file = try FileBytes(path: path)
        } catch KImageError.file(.empty) {
            return []
        }
        return try parse(String(decoding: file.bytes, as: UTF8.self), path: path)
    }
}

extension Substring {
    func trimmingSuffix(while predicate: (Character) -> Bool) -> Substring {
        var s = self
        while let last = s.last, predicate(last) { s = s.dropLast() }
        return s
    }
}
