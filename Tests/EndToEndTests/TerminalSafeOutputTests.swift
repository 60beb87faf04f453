import Testing
import Foundation
import KImageKit
import TestSupport

/// Names read from a kernel reach the terminal with control characters escaped: a section named
/// ESC "[31m" must not recolour (or, with other sequences, retitle or rewrite) the user's terminal.
@Suite struct TerminalSafeOutputTests {
    @Test func aSectionNameWithAnEscapeSequenceIsPrintedEscaped() throws {
        let f = try RedirectFixture()
        var bytes = try contentsOf(f.kernel)
        // ".data" and ESC "[31m" have the same length: rename the section in .shstrtab in place.
        let needle = Array("\u{0}.data\u{0}".utf8)
        let at = try #require((0...(bytes.count - needle.count)).first { Array(bytes[$0..<($0 + needle.count)]) == needle })
        bytes.replaceSubrange((at + 1)..<(at + 6), with: [0x1B] + Array("[31m".utf8))
        try Data(bytes).write(to: URL(fileURLWithPath: f.kernel))

        let r = try kimage(["inspect", "kernel.elf"], cwd: f.dir.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stdout.unicodeScalars.contains("\u{1B}"), "a raw ESC reached the terminal")
        #expect(r.stdout.contains("\\x1b[31m"), "\(r.stdout)")
        #expect(r.stdout.contains("\n"), "newlines stay newlines")
    }

    @Test func terminalSafeKeepsNewlinesAndTabsAndEscapesTheRest() {
        #expect(Printable.terminalSafe("a\tb\nc") == "a\tb\nc")
        #expect(Printable.terminalSafe("x\u{1B}]0;title\u{7}\r\n") == "x\\x1b]0;title\\x07\\x0d\n")
        #expect(Printable.terminalSafe("\u{9B}31m") == "\\x9b31m")
    }
}
