import Foundation
import Testing
import KImageKit
import TestSupport

/// `kimage init` end to end: the project it writes builds with gcc, nasm and ld, its Makefile
/// runs kimage count, redirect and pack, and `make run` boots it.
@Suite struct InitTests {
    @Test(arguments: KernelLayout.allCases)
    func initProjectBootsWithMakeRun(layout: KernelLayout) throws {
        let dir = try TemporaryDirectory("kimage-init")
        let project = dir.file("hello")
        let made = try kimage(["init", project, "--arch", layout.arch.rawValue, "--layout", layout.rawValue])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.stdout.hasPrefix("kimage init: wrote an \(layout.arch.rawValue) kernel (\(layout.rawValue) layout) in \(project):\n"))
        let r = try run("make", ["run", "KIMAGE=\(Paths.kimage)"], cwd: project, timeout: 300)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("hello from an \(layout.arch.rawValue) kernel (\(layout.rawValue) layout), packed by kimage\n"))
        #expect(r.stdout.contains("command line \"console=ttyS0 greeting=hello\"\n"))
        #expect(r.stdout.contains("legacy_puts -> serial_puts: redirect installed at boot\n"))
        #expect(!r.stdout.contains("not redirected"))
        // The Makefile ran each kimage step.
        #expect(r.stdout.contains("count --format ld > build/redirects.ld"))
        #expect(r.stdout.contains("redirect build/kernel.elf"))
        #expect(r.stdout.contains("pack --kernel build/kernel.elf -o build/kernel.img"))
        // The table holds the one redirect: (legacy_puts, serial_puts).
        let elf = try ELFFile(path: project + "/build/kernel.elf")
        let table = try #require(elf.section(named: ".goredirectstbl"))
        let width = layout.arch == .x86_64 ? 8 : 4
        #expect(table.size == UInt64(2 * width))
        let bytes = try #require(elf.fileBytes(at: table.offset, count: Int(table.size)))
        let symbols = try elf.symbols()
        let legacy = try #require(symbols.first { $0.name == "legacy_puts" })
        let serial = try #require(symbols.first { $0.name == "serial_puts" })
        let src = width == 8 ? bytes.loadLE(UInt64.self, at: 0)! : UInt64(bytes.loadLE(UInt32.self, at: 0)!)
        let dst = width == 8 ? bytes.loadLE(UInt64.self, at: 8)! : UInt64(bytes.loadLE(UInt32.self, at: 4)!)
        #expect(src == legacy.value && dst == serial.value)
    }

    /// `kimage init` prints a next step; typed as printed, in a shell whose PATH has no kimage
    /// (as from a fresh clone's .build/debug/kimage), it builds and boots: the Makefile falls back
    /// to the binary that wrote it.
    @Test func printedNextStepBootsWithoutKimageOnPath() throws {
        let dir = try TemporaryDirectory("kimage-init")
        let made = try kimage(["init", "hello"], cwd: dir.path)
        #expect(made.status == 0, "\(made.stderr)")
        let next = try #require(made.stdout.split(separator: "\n").last.flatMap { $0.hasPrefix("next: ") ? String($0.dropFirst(6)) : nil },
                                "no next step in: \(made.stdout)")
        #expect(next == "cd hello && make run")
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .filter { !FileManager.default.isExecutableFile(atPath: "\($0)/kimage") }.joined(separator: ":")
        let noKimage = try run("/bin/sh", ["-c", "command -v kimage"], environment: ["PATH": path])
        #expect(noKimage.status != 0, "kimage is still on PATH: \(noKimage.stdout)")
        let r = try run("/bin/sh", ["-c", next], cwd: dir.path, environment: ["PATH": path], timeout: 300)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("legacy_puts -> serial_puts: redirect installed at boot\n"))
        let binary = URL(fileURLWithPath: Paths.kimage).resolvingSymlinksInPath().path
        #expect(r.stdout.contains("\(binary) pack --kernel build/kernel.elf"), "\(r.stdout)")
    }

    /// kimage.toml reaches the Makefile's bare `kimage redirect`: with patch = true the jump is in
    /// the file before boot, and the kernel still boots.
    @Test func patchInKimageTomlWritesTheJumpIntoTheFile() throws {
        let dir = try TemporaryDirectory("kimage-init")
        let project = dir.file("k")
        #expect(try kimage(["init", project]).status == 0)
        let tomlPath = project + "/kimage.toml"
        var toml = String(decoding: try contentsOf(tomlPath), as: UTF8.self)
        #expect(toml.contains("# patch = true"))
        toml = toml.replacingOccurrences(of: "# patch = true", with: "patch = true")
        try toml.write(toFile: tomlPath, atomically: false, encoding: .utf8)
        let r = try run("make", ["run", "KIMAGE=\(Paths.kimage)"], cwd: project, timeout: 300)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("legacy_puts -> serial_puts: redirect installed at boot\n"))
        let elf = try ELFFile(path: project + "/build/kernel.elf")
        let legacy = try #require(try elf.symbols().first { $0.name == "legacy_puts" })
        let offset = try #require(elf.fileOffset(ofVirtualAddress: legacy.value))
        #expect(elf.fileBytes(at: offset, count: 6) == [0xFF, 0x25, 0, 0, 0, 0])
    }

    /// examples/hello, the kernel `make demo` boots, built and booted from a copy.
    @Test func exampleHelloBootsAndPassesItsChecks() throws {
        let dir = try TemporaryDirectory("kimage-example")
        try mustRun("cp", ["-R", Paths.packageRoot + "/examples", Paths.templates, dir.path])
        try? FileManager.default.removeItem(atPath: dir.file("examples/hello/build"))
        let r = try run("make", ["run", "KIMAGE=\(Paths.kimage)"], cwd: dir.file("examples/hello"), timeout: 300)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        for line in [
            "command line: \"console=ttyS0 example=hello\" (from the boot loader)\n",
            "loader ELF starts with 7f 45 4c 46, as an ELF does\n",
            ".goredirectstbl (installed at boot): 1 entry\n",
            ".kimage.patched (written at build time): 1 entry\n",
            "run-time redirect: legacy_puts -> serial_puts, installed at boot by kimage_install_redirects\n",
            "build-time redirect: old_banner -> new_banner, written by kimage redirect --patch\n",
            "hello: all checks passed\n",
        ] {
            #expect(r.stdout.contains(line), "missing: \(line)")
        }
        #expect(r.stdout.contains(" MiB usable\n"))
        #expect(!r.stdout.contains("FAIL"))
    }

    @Test func initRefusesANonEmptyDirectoryUnlessForced() throws {
        let dir = try TemporaryDirectory("kimage-init")
        let notes = try dir.write("notes.txt", "mine\n")
        let before = try contentsOf(notes)
        let r = try kimage(["init", dir.path])
        #expect(r.status == 1)
        #expect(r.stderr == "kimage: error: \(dir.path) is not empty (notes.txt); kimage init writes into an empty or new directory: pick another, or pass --force to overwrite the files it writes\n")
        #expect(try dir.contents() == ["notes.txt"])
        #expect(try contentsOf(notes) == before)

        let forced = try kimage(["init", dir.path, "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try contentsOf(notes) == before)
        #expect(try dir.contents() == [".gitignore", "Makefile", "include", "kimage.mk", "kimage.toml", "linker.ld", "notes.txt", "redirects.txt", "src"])
    }

    @Test func initRefusesAnArchAndLayoutThatDisagree() throws {
        let dir = try TemporaryDirectory("kimage-init")
        let r = try kimage(["init", dir.file("k"), "--arch", "i386", "--layout", "gopher"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("layout gopher is for x86_64, not i386"))
        #expect(try dir.contents() == [])
        let unknown = try kimage(["init", dir.file("k"), "--layout", "linux"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("The value 'linux' is invalid for '--layout <layout>'. Please provide one of 'gopher', 'kernel' or 'jinue'."))
    }

    @Test func initDefaultsFollowTheArch() throws {
        let dir = try TemporaryDirectory("kimage-init")
        let r = try kimage(["init", dir.file("k"), "--arch", "i386"])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("kimage init: wrote an i386 kernel (jinue layout)"))
        let linker = String(decoding: try contentsOf(dir.file("k/linker.ld")), as: UTF8.self)
        #expect(linker.contains("KERNEL_VIRTUAL_BASE = 0xC0000000;"))
    }
}
