/// Names taken from files (section and symbol names, paths) shown with control characters as
/// \xNN, so a hostile ELF cannot send terminal escape sequences to the user's terminal.
package enum Printable {
    package static func escaped(_ text: String) -> String {
        escaping(text, where: needsEscape)
    }

    /// By scalars, not Characters: "\r\n" is one Character but two controls.
    private static func escaping(_ text: String, where escape: (Unicode.Scalar) -> Bool) -> String {
        guard text.unicodeScalars.contains(where: escape) else { return text }
        var out = String.UnicodeScalarView()
        for c in text.unicodeScalars {
            if escape(c) {
                out.append(contentsOf: ("\\x" + String(c.value, radix: 16).leftPadded(2)).unicodeScalars)
            } else {
                out.append(c)
            }
        }
        return String(out)
    }

    /// Text bound for a terminal (what every command prints, errors included): each control
    /// character but newline and tab as \xNN, so a name read from a file cannot move the cursor,
    /// recolour or retitle the user's terminal.
    package static func terminalSafe(_ text: String) -> String {
        escaping(text) { $0 != "\n" && $0 != "\t" && needsEscape($0) }
    }

    /// C0 and C1 controls and DEL: what a terminal may act on instead of showing.
    static func needsEscape(_ c: Unicode.Scalar) -> Bool {
        c.value < 0x20 || (0x7F...0x9F).contains(c.value)
    }
}
