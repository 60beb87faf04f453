/// The one writer of make rules behind every depfile (`count --depfile`, `pack --depfile`), so
/// both escape file names the same way GNU make reads them back.
package enum MakeRule {
    /// `target: prerequisites`; with `phony`, one prerequisite a line and an empty rule for each,
    /// so deleting a file makes make rebuild instead of failing (gcc's -MP).
    package static func text(target: String, prerequisites: [String], phony: Bool) throws -> String {
        var text = try escape(target) + ":"
        let escaped = try prerequisites.map(escape)
        if phony {
            for p in escaped { text += " \\\n  " + p }
            text += "\n"
            for p in escaped { text += "\n" + p + ":\n" }
        } else {
            for p in escaped { text += " " + p }
            text += "\n"
        }
        return text
    }

    /// A file name as make reads it: `$` doubled, space, `#` and `\` behind a backslash. make has
    /// no escape for a newline or other control characters, so such a name is refused rather than
    /// written as a rule that names other files.
    package static func escape(_ path: String) throws -> String {
        var out = ""
        for c in path.unicodeScalars {
            switch c {
            case " ", "#", "\\": out += "\\" + String(c)
            case "$": out += "$$"
            case _ where c.value < 0x20 || c.value == 0x7F:
                throw FileError.notInMakeRule(path: Printable.escaped(path))
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
