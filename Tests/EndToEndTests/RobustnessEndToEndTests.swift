import Testing
import Foundation
import KImageKit
import TestSupport

/// What the fuzzer and review found, through the built binary: each was a crash (SIGABRT).
@Suite struct RobustnessEndToEndTests {
    // FileBytes freed an empty file's buffer twice: `free(): double free detected`.
    @Test func emptyFilesAreErrorsOrEmptyInputs() throws {
        let dir = try TemporaryDirectory("kimage-robust-e2e")
        let empty = try dir.write("empty", "")
        let count = try kimage(["count", "--manifest", empty])
        #expect(count.status == 0 && count.stdout == "0\n", "\(count.status) \(count.stdout)\(count.stderr)")
        for args in [["redirect", empty, "--manifest", empty, "--dry-run"], ["pack", "--kernel", empty, "-o", dir.file("k.img")], ["inspect", empty]] {
            let r = try kimage(args)
            #expect(r.status == 1, "\(args): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains("kimage: error: \(empty) is empty (0 bytes)"), "\(args): \(r.stderr)")
        }
        #expect(try dir.contents() == ["empty"])
    }

    // toml++ asserted (SIGABRT) on these kimage.toml files instead of reporting a syntax error.
    @Test(arguments: [("[:pack]\n", "kimage.toml:1:2: not valid TOML: Error while parsing table header"),
                      ("[sources]\nmanifest = [}\n", "kimage.toml:2:13: not valid TOML: Error while parsing array")])
    func configFilesThatCrashedTOMLKitAreSyntaxErrors(text: String, message: String) throws {
        let dir = try TemporaryDirectory("kimage-robust-e2e")
        try dir.write("kimage.toml", text)
        let manifest = try dir.write("redirects.txt", "")
        let r = try kimage(["count", "--manifest", manifest], cwd: dir.path)
        #expect(r.status == 1, "\(r.status) \(r.stderr)")
        #expect(r.stderr.contains("kimage: error: \(message)"), "\(r.stderr)")
        #expect(try contentsOf(dir.file("kimage.toml")) == Array(text.utf8))
    }
}
