import Testing
import KImageKit

@Suite struct ConfigTests {
    static let everySection = """
        # every table kimage.toml knows
        [sources]
        go = ["src/kernel"]
        go-import-root = "src"
        goos = "linux"
        goarch = "amd64"
        manifest = ["redirects.txt", "more.txt"]

        [count]
        format = "ld"
        depfile = "build/count.d"
        target = "build/redirects.ld"

        [redirect]
        kernel = "build/kernel.elf"
        section = ".goredirectstbl"
        patch = true
        allow-spare = false
        dry-run = false
        json = false
        output = "build/out.elf"

        [pagetables]
        mode = "4level"
        identity = ["0+8M"]
        higher-half = ["0xFFFF800000000000+8M"]
        map = ["0xC0000000=0+2M:rx"]
        recursive = 511
        page-size = "2M"
        base = 0x100000
        link-offset = 0
        format = "summary"
        from-elf = "build/kernel.elf"
        output = "build/tables.bin"

        [pack]
        kernel = "build/kernel.elf"
        loader = "build/loader.elf"
        cmdline = "console=ttyS0"
        map = ["0xB8000=0xB8000+4K:rw"]
        recursive = 511
        embed-elf = true
        protocol = "2.10"
        pae = false
        output = "build/kernel.img"
        depfile = "build/kernel.img.d"
        json = false
        """

    @Test func readsEverySection() throws {
        let config = try KImageConfig(text: Self.everySection, path: "kimage.toml")
        #expect(Set(config.entries.map(\.section)) == ["sources", "count", "redirect", "pagetables", "pack"])
        #expect(config.arguments(for: "count", userArguments: []) == [
            "--go", "src/kernel", "--go-import-root", "src", "--goos", "linux", "--goarch", "amd64",
            "--manifest", "redirects.txt", "--manifest", "more.txt",
            "--format", "ld", "--depfile", "build/count.d", "--target", "build/redirects.ld",
        ])
        #expect(config.arguments(for: "redirect", userArguments: []) == [
            "build/kernel.elf",
            "--go", "src/kernel", "--go-import-root", "src", "--goos", "linux", "--goarch", "amd64",
            "--manifest", "redirects.txt", "--manifest", "more.txt",
            "--section", ".goredirectstbl", "--patch", "--output", "build/out.elf",
        ])
        #expect(config.arguments(for: "pagetables", userArguments: []) == [
            "--mode", "4level", "--identity", "0+8M", "--higher-half", "0xFFFF800000000000+8M",
            "--map", "0xC0000000=0+2M:rx", "--recursive", "511", "--page-size", "2M", "--base", "1048576",
            "--link-offset", "0", "--format", "summary", "--from-elf", "build/kernel.elf", "--output", "build/tables.bin",
        ])
        let pack = config.arguments(for: "pack", userArguments: [])
        #expect(pack.starts(with: ["--kernel", "build/kernel.elf", "--loader", "build/loader.elf", "--cmdline", "console=ttyS0"]))
        #expect(pack.contains("--embed-elf") && !pack.contains("--pae") && !pack.contains("--json"))
        #expect(config.arguments(for: "init", userArguments: []).isEmpty)
    }

    @Test func flagsOverrideTheFile() throws {
        let config = try KImageConfig(text: Self.everySection, path: "kimage.toml")
        // The user's --manifest replaces both of the file's; the file's other options stay.
        let count = config.arguments(for: "count", userArguments: ["--manifest", "mine.txt", "--format=nasm"])
        #expect(!count.contains("redirects.txt") && !count.contains("more.txt") && !count.contains("ld"))
        #expect(count.contains("src/kernel"))
        // A positional kernel replaces the file's; -o replaces output.
        let redirect = config.arguments(for: "redirect", userArguments: ["other.elf", "-o", "x.elf"])
        #expect(!redirect.contains("build/kernel.elf") && !redirect.contains("build/out.elf"))
        #expect(redirect.contains("--patch"))
        // An option's value is not mistaken for the positional.
        let withValue = config.arguments(for: "redirect", userArguments: ["--section", ".tbl"])
        #expect(withValue.first == "build/kernel.elf" && !withValue.contains(".goredirectstbl"))
    }

    @Test func aCommandsOwnTableOverridesSources() throws {
        let config = try KImageConfig(text: """
            [sources]
            manifest = ["shared.txt"]
            [count]
            manifest = "only-count.txt"
            """, path: "kimage.toml")
        #expect(config.arguments(for: "count", userArguments: []) == ["--manifest", "only-count.txt"])
        #expect(config.arguments(for: "redirect", userArguments: []) == ["--manifest", "shared.txt"])
    }

    @Test func pathsAreRelativeToTheFile() throws {
        let config = try KImageConfig(text: "[redirect]\nkernel = \"build/k.elf\"\nsection = \"a/b\"\nmanifest = [\"/abs.txt\", \"r.txt\"]\n",
                                      path: "proj/kimage.toml")
        #expect(config.arguments(for: "redirect", userArguments: []) == [
            "proj/build/k.elf", "--section", "a/b", "--manifest", "/abs.txt", "--manifest", "proj/r.txt",
        ])
    }

    @Test func aTypoedKeyNamesTheKeyAndItsLine() throws {
        let text = "[sources]\nmanifest = [\"r.txt\"]\n\n[redirect]\n# a comment\nallow-sapre = true\n"
        let expected = ConfigError.unknownKey(path: "kimage.toml", line: 6, section: "redirect", key: "allow-sapre", suggestion: "allow-spare")
        #expect(throws: expected) { try KImageConfig(text: text, path: "kimage.toml") }
        #expect(expected.description == "kimage.toml:6: unknown key `allow-sapre` in [redirect]; keys are the long option names of `kimage redirect --help`; did you mean `allow-spare`?")
    }

    @Test func anUnknownTableIsAnError() throws {
        #expect(throws: ConfigError.unknownSection(path: "k.toml", line: 2, name: "redirects",
                                                   known: ["sources", "count", "redirect", "pagetables", "pack"])) {
            try KImageConfig(text: "\n[redirects]\nmanifest = []\n", path: "k.toml")
        }
        #expect(throws: ConfigError.keyOutsideSection(path: "k.toml", line: 1, key: "patch")) {
            try KImageConfig(text: "patch = true\n", path: "k.toml")
        }
    }

    @Test func aWrongTypeIsAnError() throws {
        #expect(throws: ConfigError.wrongType(path: "k.toml", line: 2, section: "redirect", key: "patch",
                                              expected: "true or false", found: "a string")) {
            try KImageConfig(text: "[redirect]\npatch = \"yes\"\n", path: "k.toml")
        }
        #expect(throws: ConfigError.wrongType(path: "k.toml", line: 3, section: "count", key: "manifest",
                                              expected: "an array of strings, e.g. [\"a\", \"b\"]", found: "an array")) {
            try KImageConfig(text: "[count]\n\nmanifest = [1.5]\n", path: "k.toml")
        }
    }

    @Test func aSyntaxErrorCarriesItsPosition() throws {
        do {
            _ = try KImageConfig(text: "[pack]\ncmdline = \"unterminated\n", path: "k.toml")
            Issue.record("expected a syntax error")
        } catch let ConfigError.syntax(path, line, _, _) {
            #expect(path == "k.toml" && line == 2)
        }
    }

    @Test func configArgumentsComeRightAfterTheSubcommand() throws {
        let file = "[redirect]\npatch = true\n"
        let loaded = { (path: String) throws -> KImageConfig in try KImageConfig(text: file, path: path) }
        #expect(try ConfigArguments.expand(["redirect", "k.elf"], fileExists: { $0 == "kimage.toml" }, load: loaded)
                == ["redirect", "--patch", "k.elf"])
        // No kimage.toml: nothing changes.
        #expect(try ConfigArguments.expand(["redirect", "k.elf"], fileExists: { _ in false }, load: loaded) == ["redirect", "k.elf"])
        // --config anywhere names the file and is removed.
        var asked: [String] = []
        let recording = { (path: String) throws -> KImageConfig in asked.append(path); return try KImageConfig(text: file, path: path) }
        #expect(try ConfigArguments.expand(["redirect", "--config", "x.toml", "k.elf"], fileExists: { _ in false }, load: recording)
                == ["redirect", "--patch", "k.elf"])
        #expect(try ConfigArguments.expand(["--config=y.toml", "redirect", "k.elf"], fileExists: { _ in false }, load: recording)
                == ["redirect", "--patch", "k.elf"])
        #expect(asked == ["x.toml", "y.toml"])
        // --help works whatever the file holds; init and inspect never read it.
        #expect(try ConfigArguments.expand(["redirect", "--help"], fileExists: { _ in true }, load: { _ in throw ConfigError.missingConfigPath })
                == ["redirect", "--help"])
        #expect(try ConfigArguments.expand(["init", "d"], fileExists: { _ in true }, load: { _ in throw ConfigError.missingConfigPath })
                == ["init", "d"])
        #expect(throws: ConfigError.missingConfigPath) {
            try ConfigArguments.expand(["redirect", "--config"], fileExists: { _ in false }, load: loaded)
        }
    }
}
