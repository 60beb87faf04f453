import Foundation
import Testing
import TestSupport

/// `make install`: the binary, the man pages, the completions and the templates land under
/// PREFIX, and each works from there: `man kimage`, `man kimage-pack`, and bash completing
/// `pack --handoff <TAB>`.
/// (install-files with the debug binary: the release build adds nothing this test could see.)
@Suite struct InstallTests {
    @Test func makeInstallPutsTheManualAndCompletionsUnderPrefix() throws {
        let tool = Paths.packageRoot + "/.build/debug/generate-manual-tool"
        try #require(FileManager.default.isExecutableFile(atPath: tool),
                     "no \(tool): make test builds it (make manual-tool); swift test alone cannot, it holds .build")
        let dir = try TemporaryDirectory("kimage-install")
        let prefix = dir.file("prefix")
        let r = try run("make", ["--no-print-directory", "install-files", "PREFIX=\(prefix)", "INSTALL_BIN=\(Paths.kimage)"],
                        cwd: Paths.packageRoot, timeout: 300)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        for file in ["bin/kimage", "share/man/man1/kimage.1", "share/man/man1/kimage-pack.1", "share/man/man1/kimage-init.1",
                     "share/bash-completion/completions/kimage", "share/zsh/site-functions/_kimage",
                     "share/fish/vendor_completions.d/kimage.fish", "share/kimage/ld/gopher.ld", "share/kimage/include/kimage/bootinfo.h"] {
            #expect(FileManager.default.fileExists(atPath: prefix + "/" + file), "make install left out \(file)")
        }
        #expect(!FileManager.default.fileExists(atPath: prefix + "/share/man/man1/kimage.pack.1"), "generate-manual's name, which man does not find")
        let help = try kimage(["--help"]).stdout
        #expect(help.contains("man kimage") && help.contains("man kimage-COMMAND") && help.contains("share/man"), "--help says where the manual is: \(help)")

        // The names a user types: `man kimage-pack`, and man-db's `man kimage pack` (git's
        // convention); groff prints no warnings about the generated mdoc.
        for words in [["kimage"], ["kimage-pack"], ["kimage", "pack"]] {
            let man = try run("man", ["-P", "cat"] + words, environment: ["MANWIDTH": "80", "MANPATH": prefix + "/share/man"])
            #expect(man.status == 0 && man.stderr.isEmpty, "man \(words): \(man.stderr)")
            #expect(man.stdout.contains(words.count == 1 && words[0] == "kimage" ? "kimage-pack(1)" : "kimage pack"), "man \(words):\n\(man.stdout)")
            if words != ["kimage"] { #expect(man.stdout.contains("--handoff"), "man \(words):\n\(man.stdout)") }
        }

        // Bash completes the handoff values, as a user's TAB would call the function.
        let script = prefix + "/share/bash-completion/completions/kimage"
        func complete(_ words: [String]) throws -> [String] {
            let line = words.joined(separator: " ")
            let shell = """
                source '\(script)'
                COMP_WORDS=(\(words.map { "'\($0)'" }.joined(separator: " ")))
                COMP_CWORD=\(words.count - 1)
                COMP_LINE='\(line)'
                COMP_POINT=${#COMP_LINE}
                _kimage kimage '\(words.last!)' '\(words[words.count - 2])'
                printf '%s\\n' "${COMPREPLY[@]}"
                """
            let r = try run("/bin/bash", ["-c", shell])
            #expect(r.status == 0, "\(r.stderr)")
            return r.stdout.split(separator: "\n").map(String.init)
        }
        #expect(try complete(["kimage", "pack", "--handoff", ""]) == ["auto", "kimage", "multiboot", "multiboot2", "linux"])
        #expect(try complete(["kimage", "pagetables", "--mode", "4"]) == ["4level"])
        #expect(try complete(["kimage", "pa"]).sorted() == ["pack", "pagetables"])
        for shell in ["share/zsh/site-functions/_kimage", "share/fish/vendor_completions.d/kimage.fish"] {
            let text = String(decoding: try contentsOf(prefix + "/" + shell), as: UTF8.self)
            #expect(text.contains("multiboot2"), "\(shell) offers no handoff values")
        }
    }
}
