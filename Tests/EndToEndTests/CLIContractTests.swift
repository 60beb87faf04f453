import Foundation
import Testing
import TestSupport

/// The command-line contract every command keeps: one error prefix, exit 64 for a malformed
/// value (naming the valid ones), 1 for a failure of the work, typos answered with the nearest
/// name, and one option vocabulary (checked over ArgumentParser's own dump of every option).
@Suite struct CLIContractTests {
    /// (arguments, words the message must hold). Every one is a usage error caught before any
    /// file is read, so the paths need not exist.
    static let malformed: [([String], [String])] = [
        (["pagetables", "--mode", "6level", "--identity", "0+4K"], ["--mode", "32", "pae", "4level", "5level"]),
        (["pagetables", "--mode", "4level", "--identity", "0+4K", "--page-size", "3M"], ["--page-size", "4K", "2M", "4M", "1G"]),
        (["pagetables", "--mode", "4level", "--identity", "0+4K", "--page-size", "4M"], ["4M"]),
        (["pagetables", "--mode", "4level", "--identity", "0+4K", "--format", "xml"], ["--format", "bin", "nasm", "gas", "summary"]),
        (["pagetables", "--mode", "4level", "--map", "0x1000"], ["--map", "VIRT=PHYS+SIZE[:FLAGS]"]),
        (["pagetables", "--mode", "4level", "--identity", "0+4K:rwz"], ["--identity", "rwz"]),
        (["pagetables", "--mode", "4level", "--higher-half", "zz+4K"], ["--higher-half"]),
        (["pagetables", "--mode", "4level", "--identity", "0+4K", "--recursive", "600"], ["600"]),
        (["pagetables", "--mode", "pae", "--identity", "0+4K", "--recursive", "3"], ["pae"]),
        (["pagetables", "--mode", "4level", "--identity", "0+4K", "--base", "0xzz"], ["--base"]),
        (["pagetables", "--mode", "4level", "--identity", "0+4K", "--recursive", "x"], ["--recursive"]),
        (["pack", "--kernel", "k.elf", "-o", "k.img", "--handoff", "multiboot3"], ["--handoff", "auto", "kimage", "multiboot", "multiboot2", "linux"]),
        (["pack", "--kernel", "k.elf", "-o", "k.img", "--protocol", "2.15"], ["--protocol", "2.11", "2.12", "2.13"]),
        (["pack", "--kernel", "k.elf", "-o", "k.img", "--map", "nothing"], ["--map"]),
        (["pack", "--kernel", "k.elf", "-o", "k.img", "--recursive", "4096"], ["--recursive 4096"]),
        (["pack", "--kernel", "k.elf", "-o", "k.img", "--target", "t"], ["--depfile"]),
        (["inspect", "k.bin", "--mode", "6level"], ["--mode", "4level"]),
        (["inspect", "k.bin", "--base", "zz"], ["--base"]),
        (["init", "dir", "--arch", "arm64"], ["--arch", "x86_64", "i386"]),
        (["init", "dir", "--layout", "linux"], ["--layout", "gopher", "kernel", "jinue"]),
        (["init", "dir", "--lang", "rust"], ["--lang", "c", "go"]),
        (["link", "-o", "k.elf", "--layout", "linux", "x.o"], ["--layout", "gopher", "kernel", "jinue"]),
        (["count", "--manifest", "r.txt", "--format", "xml"], ["--format", "plain", "nasm", "go-asm", "json"]),
        (["count", "--manifest", "r.txt", "--depfile", "r.d"], ["--target", "-o"]),
        (["count", "--bogus"], ["unknown option --bogus"]),
        (["count", "--manifset", "r.txt"], ["unknown option --manifset", "did you mean --manifest?"]),
        (["pagetables", "--mode", "4level", "--identitty", "0+4K"], ["unknown option --identitty", "did you mean --identity?"]),
        (["pakc", "--kernel", "x"], ["unknown command `pakc`", "did you mean `pack`?"]),
        (["inspekt", "x"], ["did you mean `inspect`?"]),
    ]

    @Test(arguments: malformed)
    func aMalformedValueIsAUsageError(arguments: [String], words: [String]) throws {
        let dir = try TemporaryDirectory("kimage-cli")
        let r = try kimage(arguments, cwd: dir.path)
        #expect(r.status == 64, "\(arguments): \(r.status) \(r.stderr)")
        #expect(r.stderr.hasPrefix("kimage: error: "), "\(r.stderr)")
        #expect(!r.stderr.contains("Error:"), "\(r.stderr)")
        for word in words { #expect(r.stderr.contains(word), "\(arguments): no `\(word)` in \(r.stderr)") }
        #expect(r.stdout.isEmpty)
        let left = try dir.contents()
        #expect(left == [], "a usage error wrote \(left)")
    }

    /// A failure of the work (the file is not there, is not an ELF) is exit 1, same prefix.
    @Test(arguments: [
        ["pack", "--kernel", "missing.elf", "-o", "k.img"],
        ["redirect", "missing.elf", "--manifest", "missing.txt"],
        ["inspect", "missing.elf"],
        ["pagetables", "--mode", "4level", "--from-elf", "missing.elf"],
    ])
    func aFailureOfTheWorkIsExit1(arguments: [String]) throws {
        let dir = try TemporaryDirectory("kimage-cli")
        let r = try kimage(arguments, cwd: dir.path)
        #expect(r.status == 1, "\(arguments): \(r.status) \(r.stderr)")
        #expect(r.stderr.hasPrefix("kimage: error: "), "\(r.stderr)")
        #expect(try dir.contents() == [])
    }

    /// Help and --version are not errors: stdout, status 0.
    @Test func helpAndVersionGoToStandardOutput() throws {
        for arguments in [["--help"], ["pack", "--help"], ["help", "count"], ["--version"]] {
            let r = try kimage(arguments)
            #expect(r.status == 0 && !r.stdout.isEmpty && r.stderr.isEmpty, "\(arguments): \(r.stderr)")
        }
    }

    /// Every option of every command, from `kimage --experimental-dump-help`.
    struct Command {
        let name: String
        /// Visible option names (`--output`, `-o`), hidden ones apart.
        let visible: Set<String>
        let hidden: Set<String>
        /// Long name -> the values help and completions offer.
        let values: [String: [String]]
    }

    static func commands() throws -> [Command] {
        let r = try kimage(["--experimental-dump-help"])
        #expect(r.status == 0)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let tool = try #require(root["command"] as? [String: Any])
        return (tool["subcommands"] as? [[String: Any]] ?? []).compactMap { sub in
            guard let name = sub["commandName"] as? String, name != "help", sub["shouldDisplay"] as? Bool != false else { return nil }
            var visible: Set<String> = [], hidden: Set<String> = [], values: [String: [String]] = [:]
            for argument in sub["arguments"] as? [[String: Any]] ?? [] {
                let names = (argument["names"] as? [[String: Any]] ?? []).compactMap { n -> String? in
                    guard let kind = n["kind"] as? String, let text = n["name"] as? String else { return nil }
                    return (kind == "short" ? "-" : "--") + text
                }
                if argument["shouldDisplay"] as? Bool == false { hidden.formUnion(names) } else { visible.formUnion(names) }
                if let long = names.first(where: { $0.hasPrefix("--") }), let all = argument["allValues"] as? [String] {
                    values[long] = all
                }
            }
            return Command(name: name, visible: visible, hidden: hidden, values: values)
        }
    }

    @Test func everyCommandSpeaksTheSameOptionVocabulary() throws {
        let commands = try Self.commands()
        let byName = Dictionary(uniqueKeysWithValues: commands.map { ($0.name, $0) })
        #expect(Set(byName.keys) == ["count", "redirect", "pagetables", "pack", "esp", "inspect", "init", "link"])
        for command in commands {
            let o = command.visible
            // A file written: -o/--output, both spellings.
            if ["count", "redirect", "pagetables", "pack", "esp", "link"].contains(command.name) {
                #expect(o.contains("-o") && o.contains("--output"), "\(command.name) lacks -o/--output")
            }
            // Machine output is --json; --format only names file formats.
            if ["redirect", "pack", "esp", "inspect"].contains(command.name) {
                #expect(o.contains("--json"), "\(command.name) lacks --json")
            }
            // Progress can be silenced.
            if ["redirect", "pagetables", "pack", "esp", "link", "init"].contains(command.name) {
                #expect(o.contains("-q") && o.contains("--quiet"), "\(command.name) lacks -q/--quiet")
            }
            // A depfile's target can be named, and defaults to the output.
            if o.contains("--depfile") { #expect(o.contains("--target"), "\(command.name): --depfile without --target") }
            // One way to name the kernel a command reads as an option.
            #expect(!o.contains("--from-elf"), "\(command.name) shows --from-elf; the name is --kernel")
            // One name for the redirect table's section.
            #expect(!o.contains("--table-section"), "\(command.name) shows --table-section; the name is --section")
            // Options that are not flags name what they take in one spelling: no -x without --x.
            for short in o where !short.hasPrefix("--") && short != "-h" {
                #expect(["-o", "-q"].contains(short), "\(command.name): unexpected short option \(short)")
            }
        }
        #expect(byName["inspect"]?.hidden.contains("--table-section") == true, "the old spelling stays, hidden")
        #expect(byName["pagetables"]?.values["--mode"] == ["32", "pae", "4level", "5level"])
        #expect(byName["pagetables"]?.values["--page-size"] == ["4K", "2M", "4M", "1G"])
        #expect(byName["pagetables"]?.values["--format"] == ["bin", "nasm", "gas", "c", "json", "summary"])
        #expect(byName["pack"]?.values["--handoff"] == ["auto", "kimage", "multiboot", "multiboot2", "linux"])
        #expect(byName["pack"]?.values["--protocol"] == ["2.11", "2.12", "2.13"])
        #expect(byName["inspect"]?.values["--mode"] == ["32", "pae", "4level", "5level"])
        #expect(byName["init"]?.values["--arch"] == ["x86_64", "i386"])
        #expect(byName["init"]?.values["--layout"] == ["gopher", "kernel", "jinue"])
        #expect(byName["init"]?.values["--lang"] == ["c", "go"])
        #expect(byName["link"]?.values["--layout"] == ["gopher", "kernel", "jinue"])
    }

    /// -q silences progress, never data or errors; status lines go to stderr when stdout
    /// carries data; `-o -` is standard output.
    @Test func quietStatusLinesAndStandardOutput() throws {
        let dir = try TemporaryDirectory("kimage-cli")
        let k = try PackFixture.build(PackErrorTests.good64, in: dir)
        let loud = try kimage(["pack", "--kernel", k, "-o", dir.file("a.img")])
        #expect(loud.status == 0 && loud.stdout.contains("boot protocol 2.12"), "\(loud.stderr)")
        let quiet = try kimage(["pack", "--kernel", k, "-o", dir.file("b.img"), "-q"])
        #expect(quiet.status == 0 && quiet.stdout.isEmpty && quiet.stderr.isEmpty, "\(quiet.stdout)\(quiet.stderr)")
        #expect(try contentsOf(dir.file("a.img")) == (try contentsOf(dir.file("b.img"))))
        let failed = try kimage(["pack", "--kernel", dir.file("none.elf"), "-o", dir.file("c.img"), "--quiet"])
        #expect(failed.status == 1 && failed.stderr.hasPrefix("kimage: error: "))
        // pack -o -: the image on stdout, byte for byte the file's, and the report on stderr.
        let streamed = try kimage(["pack", "--kernel", k, "-o", "-"])
        #expect(streamed.status == 0 && streamed.stderr.contains("boot protocol 2.12"), "\(streamed.stderr)")
        #expect(streamed.stdoutBytes == (try contentsOf(dir.file("a.img"))))
        let mixed = try kimage(["pack", "--kernel", k, "-o", "-", "--json"])
        #expect(mixed.status == 64 && mixed.stderr.contains("give -o FILE with --json"), "\(mixed.stderr)")
        // Standard output appended to the kernel is the kernel: refused before a byte is written.
        let before = try contentsOf(k)
        let onto = try run("sh", ["-c", "\"$0\" pack --kernel \"$1\" -o - >> \"$1\"", Paths.kimage, k])
        #expect(onto.status == 1 && onto.stderr.contains("is the kernel"), "\(onto.stderr)")
        #expect(try contentsOf(k) == before)

        let tables = ["pagetables", "--mode", "4level", "--identity", "0+2M", "--base", "0x100000", "--format", "bin"]
        let file = try kimage(tables + ["-o", dir.file("t.bin")])
        #expect(file.status == 0 && file.stdout.isEmpty && file.stderr.hasPrefix("CR3 0x100000: "), "\(file.stdout)|\(file.stderr)")
        let piped = try kimage(tables + ["--output", "-"])
        let blob = try contentsOf(dir.file("t.bin"))
        #expect(piped.status == 0 && piped.stdoutBytes == blob)
        #expect(try kimage(tables + ["-o", dir.file("u.bin"), "-q"]).stderr.isEmpty)
    }

    /// `count -o FILE --depfile D`: the rule's target defaults to FILE, as in pack and link.
    @Test func theDepfileTargetDefaultsToTheOutput() throws {
        let dir = try TemporaryDirectory("kimage-cli")
        try dir.write("r.txt", "a b\n")
        let r = try kimage(["count", "--manifest", "r.txt", "--format", "ld", "-o", "build.ld", "--depfile", "build.d"], cwd: dir.path)
        #expect(r.status == 0 && r.stdout.isEmpty, "\(r.stderr)")
        #expect(String(decoding: try contentsOf(dir.file("build.ld")), as: UTF8.self) == "NUM_REDIRECTS = 1;\n")
        #expect(String(decoding: try contentsOf(dir.file("build.d")), as: UTF8.self).hasPrefix("build.ld: \\\n  r.txt\n"))
        let k = try PackFixture.build(PackErrorTests.good64, in: dir)
        let p = try kimage(["pack", "--kernel", k, "-o", "k.img", "--depfile", "k.d", "--target", "all-images", "-q"], cwd: dir.path)
        #expect(p.status == 0, "\(p.stderr)")
        #expect(String(decoding: try contentsOf(dir.file("k.d")), as: UTF8.self).hasPrefix("all-images: "))
    }

    /// Every --json (and --format json) output opens with its schema number, and carries
    /// addresses and sizes as hex strings.
    @Test func everyJSONOutputHasASchemaNumber() throws {
        let dir = try TemporaryDirectory("kimage-cli")
        try dir.write("r.txt", "a b\n")
        let k = try PackFixture.build(PackErrorTests.good64, in: dir)
        let outputs: [[String]] = [
            ["count", "--manifest", "r.txt", "--format", "json"],
            ["pagetables", "--mode", "4level", "--identity", "0+2M", "--format", "json"],
            ["pack", "--kernel", k, "-o", "k.img", "--json"],
            ["inspect", k, "--json"],
        ]
        for arguments in outputs {
            let r = try kimage(arguments, cwd: dir.path)
            #expect(r.status == 0, "\(arguments): \(r.stderr)")
            #expect(r.stdout.hasPrefix("{\n  \"schema\": 1,\n"), "\(arguments): \(r.stdout.prefix(80))")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            #expect(object["schema"] as? Int == 1)
        }
        let pack = try #require(try JSONSerialization.jsonObject(with: Data(try kimage(["pack", "--kernel", k, "-o", "k.img", "--json"], cwd: dir.path).stdout.utf8)) as? [String: Any])
        for key in ["entry", "imageSize", "cr3", "bootInfo", "initSize"] {
            #expect((pack[key] as? String)?.hasPrefix("0x") == true, "pack --json \(key): \(pack[key] ?? "none")")
        }
        let tables = try #require(try JSONSerialization.jsonObject(with: Data(try kimage(outputs[1], cwd: dir.path).stdout.utf8)) as? [String: Any])
        #expect(tables["bytes"] as? String == "0x3000", "3 tables: PML4, PDPT, PD")
    }

    /// Every --help fits 80 columns.
    @Test func everyHelpFitsEightyColumns() throws {
        let names = try Self.commands().map(\.name)
        for arguments in [["--help"]] + names.map({ [$0, "--help"] }) {
            let r = try run(Paths.kimage, arguments, environment: ["COLUMNS": "80"])
            #expect(r.status == 0)
            for line in r.stdout.split(separator: "\n") where line.count > 80 {
                Issue.record("kimage \(arguments.joined(separator: " ")): \(line.count) columns: \(line)")
            }
        }
    }
}
