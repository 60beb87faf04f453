import Foundation
import Testing
import TestSupport

/// The README's examples are run, not trusted: every fenced block with `$ command` lines carries
/// a marker comment right before it, `<!-- readme-test: FIXTURE [mask] -->` (run it in a scratch
/// directory the fixture fills, with `kimage` on PATH, and compare each command's output) or
/// `<!-- readme-test: skip REASON -->` (named in the test's output with its reason; give it a
/// fixture instead). A `...` line in the expected output stands for any lines; `mask` compares numbers
/// (decimal, 0x hex, bare hex words with a digit) as placeholders (addresses and sizes that
/// depend on the host's gcc, Go, QEMU or Debian's packages); `continue` runs in the previous
/// block's directory, after it; `cwd=PATH` reads PATH in the README as the block's directory.
/// A `...` word in a command is the block's first command's options (those the command gives
/// again dropped).
@Suite struct ReadmeTests {
    struct Block: CustomStringConvertible {
        let line: Int
        let marker: String?
        let text: [String]
        var description: String { "README.md:\(line)" }

        var fixture: String? { marker.map { String($0.split(separator: " ").first ?? "") } }
        var masked: Bool { marker?.split(separator: " ").contains("mask") ?? false }
        /// `cwd=PATH`: the README shows the block's directory as PATH (commands that print absolute paths).
        var shownDirectory: String? {
            marker?.split(separator: " ").first { $0.hasPrefix("cwd=") }.map { String($0.dropFirst(4)) }
        }

        /// (command, expected output lines) in order; a command's continuation lines end in `\`.
        var commands: [(command: String, expected: [String])] {
            var result: [(String, [String])] = []
            var i = 0
            while i < text.count {
                guard text[i].hasPrefix("$ ") else { i += 1; continue }
                var command = String(text[i].dropFirst(2))
                while command.hasSuffix("\\"), i + 1 < text.count {
                    i += 1
                    command += "\n" + text[i]
                }
                i += 1
                var expected: [String] = []
                while i < text.count, !text[i].hasPrefix("$ ") { expected.append(text[i]); i += 1 }
                while expected.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { expected.removeLast() }
                result.append((command, expected))
            }
            return result
        }
    }

    static func blocks() throws -> [Block] {
        let lines = String(decoding: try contentsOf(Paths.packageRoot + "/README.md"), as: UTF8.self)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var blocks: [Block] = []
        var i = 0
        while i < lines.count {
            guard lines[i].hasPrefix("```") else { i += 1; continue }
            let start = i
            var body: [String] = []
            i += 1
            while i < lines.count, !lines[i].hasPrefix("```") { body.append(lines[i]); i += 1 }
            i += 1
            guard body.contains(where: { $0.hasPrefix("$ ") }) else { continue }
            let before = start > 0 ? lines[start - 1].trimmingCharacters(in: .whitespaces) : ""
            var marker: String?
            if before.hasPrefix("<!-- readme-test:") && before.hasSuffix("-->") {
                marker = String(before.dropFirst("<!-- readme-test:".count).dropLast(3)).trimmingCharacters(in: .whitespaces)
            }
            blocks.append(Block(line: start + 1, marker: marker, text: body))
        }
        return blocks
    }

    /// Each fixture writes what a block's commands read.
    static func prepare(_ fixture: String, in dir: TemporaryDirectory) throws -> String {
        switch fixture {
        case "empty":
            return dir.path
        case "go-tree":
            // The tree the count examples read: a module whose last path element has a dot.
            try dir.write("src/go.mod", "module example.com/kern\n\ngo 1.19\n")
            try dir.write("src/kernel/mm.v2/reserve.go", """
                package mm

                // Frame is a physical page frame.
                type Frame uint64

                // Reserve takes over runtime.sysReserve.
                //go:redirect-from runtime.sysReserve
                func (f *Frame) Reserve() {}

                """)
            try dir.write("src/kernel/kfmt/panic.go", """
                package kfmt

                // Panic takes over runtime.throw.
                //
                //go:redirect-from runtime.throw
                func Panic(s string) {}

                """)
            return dir.path
        case "example-hello":
            // examples/hello built (kernel.elf, loader.elf), as `make demo` builds it; the block
            // runs in examples/hello.
            try mustRun("cp", ["-R", Paths.packageRoot + "/examples", Paths.templates, dir.path])
            try? FileManager.default.removeItem(atPath: dir.file("examples/hello/build"))
            try mustRun("make", ["--no-print-directory", "build/kernel.elf", "build/loader.elf", "KIMAGE=\(Paths.kimage)"],
                        cwd: dir.file("examples/hello"), timeout: 300)
            return dir.file("examples/hello")
        case "inspect-kernel":
            // InspectFixtures' small higher-half kernel (three segments, a redirect table with one
            // entry patched), as build/kernel.elf.
            let elf = try InspectFixtures.kernel(in: dir)
            try FileManager.default.createDirectory(atPath: dir.file("build"), withIntermediateDirectories: true)
            try FileManager.default.moveItem(atPath: elf, toPath: dir.file("build/kernel.elf"))
            return dir.path
        case "redirect-kernel":
            // The go-tree sources and the kernels redirect's examples read: the Go functions in GNU
            // as under the Go linker's names, text at 1 MiB, a two-slot table at 0x101000
            // (kernel.elf) or a one-slot one (stale.elf, from an rt0 assembled before a redirect
            // was added), and a manifest with the unescaped name (wrong.txt).
            _ = try prepare("go-tree", in: dir)
            for (name, slots) in [("kernel", 2), ("stale", 1)] {
                let object = try Toolchain.gas(fixture: "readme/redirect-kernel.s", in: dir, name: name,
                                               defines: [".LTABLE_BYTES=\(slots * 16)"])
                _ = try Toolchain.ld([object], script: nil, in: dir, output: name + ".elf",
                                     extra: ["-Ttext=0x100000", "--section-start=.goredirectstbl=0x101000", "-e", "_start"])
            }
            try dir.write("wrong.txt", "runtime.sysReserve example.com/kern/kernel/mm.v2.(*Frame).Reserve\n")
            return dir.path
        case "failures":
            // "When things go wrong": a packable kernel.elf, a manifest, and `out` a directory.
            let kernel = try PackFixture.build(PackErrorTests.good64, in: dir)
            if kernel != dir.file("kernel.elf") { try FileManager.default.copyItem(atPath: kernel, toPath: dir.file("kernel.elf")) }
            try dir.write("redirects.txt", "runtime.throw kern.panic\n")
            try FileManager.default.createDirectory(atPath: dir.file("out"), withIntermediateDirectories: true)
            return dir.path
        case "gopher-tables":
            // build/tables.bin: the gopher-os set of the pagetables example, built for 0x100000.
            try FileManager.default.createDirectory(atPath: dir.file("build"), withIntermediateDirectories: true)
            let r = try kimage(["pagetables", "--mode", "4level", "--identity", "0+8M", "--higher-half", "0xFFFF_8000_0000_0000+8M",
                                "--page-size", "2M", "--recursive", "511", "--base", "0x100000", "--format", "bin",
                                "-o", dir.file("build/tables.bin")])
            #expect(r.status == 0, "\(r.stderr)")
            return dir.path
        case "typo-toml":
            try dir.write("typo.toml", "[sources]\nmanifest = [\"redirects.txt\"]\n\n[redirect]\nallow-sapre = true\n")
            try FileManager.default.createDirectory(atPath: dir.file("proj"), withIntermediateDirectories: true)
            return dir.file("proj")
        default:
            if let cwd = try prepare1(fixture, in: dir) { return cwd }
            if let path = try prepare2(fixture, in: dir) { return path }
            throw TestSetupError("README block names an unknown fixture `\(fixture)`; ReadmeTests.prepare knows empty, go-tree, typo-toml, example-hello, inspect-kernel, redirect-kernel, failures, gopher-tables (and continue)")
        }
    }

    /// `...` in a command: the first command's words after its subcommand, less the options the
    /// command names again.
    static func expand(_ command: String, first: String) -> String {
        let words = command.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\\" }).map(String.init)
        guard let dots = words.firstIndex(of: "..."), dots >= 2 else { return command }
        let given = Set(words[(dots + 1)...].filter { $0.hasPrefix("-") })
        let firstWords = first.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\\" }).map(String.init)
        var options: [String] = []
        var j = 2
        while j < firstWords.count {
            if given.contains(firstWords[j]) {
                j += firstWords.count > j + 1 && !firstWords[j + 1].hasPrefix("-") ? 2 : 1
                continue
            }
            options.append(firstWords[j])
            j += 1
        }
        return (words[..<dots] + options + words[(dots + 1)...]).joined(separator: " ")
    }

    static func masked(_ line: String) -> String {
        var out = line.replacingOccurrences(of: "0x[0-9a-fA-F]+", with: "0x#", options: .regularExpression)
        // Bare hex words with a digit (go tool nm's addresses, which move with the build directory).
        out = out.replacingOccurrences(of: "\\b[0-9a-fA-F]*[0-9][0-9a-fA-F]*\\b", with: "#", options: .regularExpression)
        out = out.replacingOccurrences(of: "[0-9]+", with: "#", options: .regularExpression)
        return out
    }

    /// Whether `actual` is `expected` with each `...` line standing for any lines.
    static func matches(_ expected: [String], _ actual: [String], mask: Bool) -> Bool {
        func same(_ e: String, _ a: String) -> Bool {
            let e = e.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
            let a = a.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
            return e == a || (mask && masked(e) == masked(a))
        }
        func match(_ i: Int, _ j: Int) -> Bool {
            if i == expected.count { return j == actual.count }
            if expected[i] == "..." { return (j...actual.count).contains { match(i + 1, $0) } }
            return j < actual.count && same(expected[i], actual[j]) && match(i + 1, j + 1)
        }
        return match(0, 0)
    }

    @Test func everyCommandBlockIsMarked() throws {
        let blocks = try Self.blocks()
        #expect(blocks.count > 20, "the README's $ blocks were not found")
        for block in blocks where block.marker == nil {
            Issue.record("\(block): a `$ command` block without `<!-- readme-test: FIXTURE -->` or `<!-- readme-test: skip REASON -->` before it")
        }
        // A skipped block is an example nobody checks: each is named in make test's output.
        let skipped = blocks.filter { $0.fixture == "skip" }
        print("ReadmeTests: \(blocks.count - skipped.count) of \(blocks.count) README command blocks run, \(skipped.count) skipped")
        for block in skipped { print("  \(block) skipped: \(block.marker!.dropFirst(5))") }
        // In CI every block runs: a skip is allowed only while a block's fixture is being written.
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            for block in skipped { Issue.record("\(block) is skipped (\(block.marker!.dropFirst(5))); in CI every README block runs: give it a fixture") }
        }
    }

    @Test func everyMarkedBlockGivesTheREADMEsOutput() throws {
        let bin = try TemporaryDirectory("kimage-readme-bin")
        try FileManager.default.createSymbolicLink(atPath: bin.file("kimage"), withDestinationPath: Paths.kimage)
        let path = bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        var scratch: TemporaryDirectory?
        var cwd = ""
        var ran: [String] = []
        defer { print("ReadmeTests: ran \(ran.count) README blocks: \(ran.joined(separator: ", "))") }
        for block in try Self.blocks() {
            guard let fixture = block.fixture, fixture != "skip" else { continue }
            ran.append(block.description)
            if fixture != "continue" {
                let dir = try TemporaryDirectory("kimage-readme")
                cwd = try Self.prepare(fixture, in: dir)
                scratch = dir
            }
            try #require(scratch != nil, "\(block): `continue` with no block before it")
            let commands = block.commands
            let blockDirectory = cwd
            // `$?` in a command is the previous command's status, as at a prompt.
            // A prompt, not a make recipe: make test's MAKELEVEL would add make[1] lines.
            var script = "set +e\nunset MAKELEVEL MAKEFLAGS MFLAGS MAKEOVERRIDES\ncd '\(cwd)'\nreadme_status=0\n"
            for (n, c) in commands.enumerated() {
                script += "printf '@@readme-command \(n)\\n'\n(exit $readme_status)\n"
                script += "{ \(Self.expand(c.command, first: commands[0].command))\n} 2>&1\nreadme_status=$?\n"
            }
            script += "printf '@@readme-pwd %s\\n' \"$PWD\"\n"
            let r = try run("/bin/bash", ["-c", script], environment: ["PATH": path, "COLUMNS": "80"], timeout: 600)
            #expect(!r.timedOut, "\(block) timed out")
            var outputs: [[String]] = Array(repeating: [], count: commands.count)
            var current = -1
            // A firmware's serial lines end in CR LF; Swift reads "\r\n" as one Character, not "\n".
            for line in r.stdout.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
                if let range = line.range(of: "@@readme-command ") {
                    if current >= 0, !line[..<range.lowerBound].isEmpty { outputs[current].append(String(line[..<range.lowerBound])) }
                    current = Int(line[range.upperBound...]) ?? current
                } else if let range = line.range(of: "@@readme-pwd ") {
                    cwd = String(line[range.upperBound...])
                } else if current >= 0 {
                    outputs[current].append(line)
                }
            }
            #expect(r.stdout.contains("@@readme-pwd "), "\(block): the block's script did not reach its end: \(r.stderr)")
            for (n, c) in commands.enumerated() {
                var actual = outputs[n]
                while actual.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { actual.removeLast() }
                if let shown = block.shownDirectory {
                    actual = actual.map { $0.replacingOccurrences(of: blockDirectory, with: shown) }
                }
                #expect(Self.matches(c.expected, actual, mask: block.masked), """
                    \(block): `$ \(c.command)` printed
                    \(actual.joined(separator: "\n"))
                    but the README says
                    \(c.expected.joined(separator: "\n"))
                    """)
            }
        }
    }
}
