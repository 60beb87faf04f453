import Foundation
import Testing
import KImageKit
import TestSupport

/// kimage.toml through the built binary: the option tables match what each command declares,
/// file values reach the command, flags override them, and a bad file fails every command.
@Suite struct ConfigCLITests {
    struct DeclaredOption: Equatable, CustomStringConvertible {
        let key: String
        let kind: ConfigOption.Kind
        let names: [String]
        var description: String { "\(key) \(kind) \(names)" }
    }

    /// What ArgumentParser says each command takes, from `kimage --experimental-dump-help`.
    static func declaredOptions() throws -> [String: [DeclaredOption]] {
        let r = try kimage(["--experimental-dump-help"])
        #expect(r.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let root = try #require(json["command"] as? [String: Any])
        var out: [String: [DeclaredOption]] = [:]
        for sub in root["subcommands"] as? [[String: Any]] ?? [] {
            let name = sub["commandName"] as? String ?? ""
            var options: [DeclaredOption] = []
            for arg in sub["arguments"] as? [[String: Any]] ?? [] {
                let names = (arg["names"] as? [[String: Any]] ?? []).map { n -> String in
                    (n["kind"] as? String == "short" ? "-" : "--") + (n["name"] as? String ?? "")
                }
                if names.contains("--help") || names.contains("--version") { continue }
                let repeating = arg["isRepeating"] as? Bool ?? false
                let kind: ConfigOption.Kind
                switch arg["kind"] as? String {
                case "positional": kind = .positional
                case "flag": kind = .flag
                default: kind = repeating ? .repeated : .value
                }
                let long = names.first { $0.hasPrefix("--") }.map { String($0.dropFirst(2)) }
                let key = long ?? (arg["valueName"] as? String ?? "")
                // Long name first, then short ones, as ConfigOption lists them.
                options.append(DeclaredOption(key: key, kind: kind,
                                              names: names.filter { $0.hasPrefix("--") } + names.filter { !$0.hasPrefix("--") }))
            }
            out[name] = options
        }
        return out
    }

    @Test(arguments: ["count", "redirect", "pagetables", "pack"])
    func everyOptionOfTheCommandHasAKimageTomlKey(command: String) throws {
        let declared = try #require(try Self.declaredOptions()[command])
        let table = ConfigTables.options(for: command)
        for option in declared {
            if option.kind == .positional {
                #expect(table.contains { $0.kind == .positional }, "kimage \(command)'s positional has no kimage.toml key")
                continue
            }
            // An invertible flag's entry (`sse`) covers its `--no-` spelling too.
            let entry = table.first { $0.names == option.names || $0.inverseName.map { [$0] } == option.names }
            #expect(entry != nil, "kimage \(command) \(option.names) has no entry in ConfigTables")
            if let entry {
                #expect(entry.kind == option.kind, "kimage \(command) \(option.names): table says \(entry.kind), the command \(option.kind)")
            }
        }
        for entry in table where entry.kind != .positional {
            #expect(declared.contains { $0.names == entry.names }, "ConfigTables has [\(command)] \(entry.key) \(entry.names), which kimage \(command) does not take")
        }
        #expect(table.filter { $0.kind == .positional }.count == declared.filter { $0.kind == .positional }.count)
    }

    @Test func aTypoedKeyFailsTheCommandWithItsLine() throws {
        let dir = try TemporaryDirectory("kimage-config")
        let toml = try dir.write("kimage.toml", "[sources]\nmanifest = [\"r.txt\"]\n\n[count]\nfromat = \"ld\"\n")
        let before = try contentsOf(toml)
        let r = try kimage(["count"], cwd: dir.path)
        #expect(r.status == 1)
        #expect(r.stderr == "kimage: error: kimage.toml:5: unknown key `fromat` in [count]; keys are the long option names of `kimage count --help`; did you mean `format`?\n")
        #expect(r.stdout == "")
        #expect(try contentsOf(toml) == before)
        #expect(try dir.contents() == ["kimage.toml"])
        // The same file named with --config, from elsewhere.
        let elsewhere = try kimage(["--config", toml, "count"])
        #expect(elsewhere.status == 1)
        #expect(elsewhere.stderr.contains("\(toml):5: unknown key `fromat`"))
        // --help still works with a broken file.
        #expect(try kimage(["count", "--help"], cwd: dir.path).status == 0)
    }

    @Test func aSyntaxErrorFailsTheCommand() throws {
        let dir = try TemporaryDirectory("kimage-config")
        let toml = try dir.write("kimage.toml", "[pack]\ncmdline = \"open\n")
        let before = try contentsOf(toml)
        let r = try kimage(["pack", "--kernel", "k.elf", "-o", "k.img"], cwd: dir.path)
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("kimage: error: kimage.toml:2:"))
        #expect(r.stderr.contains("not valid TOML"))
        #expect(try contentsOf(toml) == before)
        #expect(try dir.contents() == ["kimage.toml"])
    }

    @Test func aMissingConfigFileIsAnError() throws {
        let dir = try TemporaryDirectory("kimage-config")
        let r = try kimage(["count", "--config", dir.file("none.toml")])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("kimage: error: cannot open \(dir.file("none.toml")): "))
    }

    @Test func fileValuesReachTheCommandAndFlagsOverrideThem() throws {
        let dir = try TemporaryDirectory("kimage-config")
        try dir.write("a.txt", "one_src one_dst\n")
        try dir.write("b.txt", "x y\nz w\n")
        try dir.write("kimage.toml", "[sources]\nmanifest = [\"a.txt\"]\n\n[count]\nformat = \"ld\"\n")
        let fromFile = try kimage(["count"], cwd: dir.path)
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        #expect(fromFile.stdout == "NUM_REDIRECTS = 1;\n")
        let overridden = try kimage(["count", "--manifest", "b.txt", "--format", "nasm"], cwd: dir.path)
        #expect(overridden.status == 0, "\(overridden.stderr)")
        #expect(overridden.stdout == "%define NUM_REDIRECTS 2\n")
        // From another directory, the file's relative paths are taken relative to the file.
        let other = try kimage(["--config", dir.file("kimage.toml"), "count"])
        #expect(other.stdout == "NUM_REDIRECTS = 1;\n", "\(other.stderr)")
    }
}
