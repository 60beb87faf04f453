/// Names taken from files (section and symbol names, paths) shown with control characters as
/// \xNN, so a hostile ELF cannot send terminal escape sequences to the user's terminal.
public enum Printable {
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        for c in text.unicodeScalars {
            if needsEscape(c) {
                out += "\\x" + (c.value < 0x10 ? "0" : "") + String(c.value, radix: 16)
            } else {
                out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// C0 and C1 controls and DEL: what a terminal may act on instead of showing.
    static func needsEscape(_ c: Unicode.Scalar) -> Bool {
        c.value < 0x20 || (0x7F...0x9F).contains(c.value)
    }
}

extension String {
    /// Zeros in front up to `width` characters (code points: U+00A0).
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
