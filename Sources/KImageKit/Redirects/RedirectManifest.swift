/// A manifest: one `SRC DST` per line, `#` starts a comment, blank lines are ignored. For
/// kernels in C, Rust, Zig or assembly, where no annotation scanner applies.
package enum RedirectManifest {
    package static func parse(_ text: String, path: String) throws -> [Redirect] {
        try parse(bytes: Array(text.utf8), path: path)
    }

    /// Works on bytes: symbol names are compared as bytes everywhere else too, and a manifest
    /// of hundreds of lines should cost nothing.
    package static func parse(bytes: [UInt8], path: String) throws -> [Redirect] {
        var result: [Redirect] = []
        var lineNumber = 0
        var start = 0
        let n = bytes.count
        while start < n {
            lineNumber += 1
            var end = start
            while end < n && bytes[end] != 0x0A { end += 1 }
            var contentEnd = start
            while contentEnd < end && bytes[contentEnd] != 0x23 { contentEnd += 1 } // '#'
            var words: [String] = []
            var i = start
            while i < contentEnd {
                while i < contentEnd && (bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0D) { i += 1 }
                let w = i
                while i < contentEnd && !(bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0D) { i += 1 }
                if i > w { words.append(String(decoding: bytes[w..<i], as: UTF8.self)) }
            }
            if !words.isEmpty {
                let location = FileLocation(file: path, line: lineNumber)
                guard words.count == 2 else {
                    var shownEnd = end
                    while shownEnd > start && [0x20, 0x09, 0x0D].contains(bytes[shownEnd - 1]) { shownEnd -= 1 }
                    throw RedirectError.manifestLine(at: location, text: String(decoding: bytes[start..<shownEnd], as: UTF8.self), words: words.count)
                }
                result.append(Redirect(source: words[0], destination: words[1], origin: location))
            }
            start = end + 1
        }
        return result
    }

    package static func read(path: String) throws -> [Redirect] {
        let file: FileBytes
        do {
            file = try FileBytes(path: path)
        } catch FileError.empty {
            return []
        }
        return try parse(bytes: Array(file.bytes), path: path)
    }
}
