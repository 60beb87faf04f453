import Foundation
import Testing
import KImageKit
import TestSupport

/// The Go linker's header page (a first PT_LOAD below 1 MiB holding only headers), and the RAM
/// checks: pack's warning and the setup's message when the E820 map lacks a destination.
@Suite struct HeaderPageAndRAMTests {
    @Test func goHeaderPageIsLoadedFrom1MiBAndBoots() throws {
        let dir = try TemporaryDirectory()
        let elf = try LinuxFixture.goHeaderPage(in: dir)
        let headers = try mustRun("readelf", ["-lW", elf]).stdout
        #expect(headers.contains("0x000000 0x00000000000ff000 0x00000000000ff000"), "the fixture lost its header page:\n\(headers)")
        let image = dir.file("gohp.img")
        let r = try kimage(["pack", "--kernel", elf, "-o", image])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("note: segment 0: its 0x1000 bytes below 1 MiB (0xff000..0x100000) hold only the ELF and program headers and notes (.note.go.buildid)"), "\(r.stdout)")
        #expect(r.stdout.contains("segment 0: R-X vaddr 0x00100000 paddr 0x00100000"), "\(r.stdout)")
        let json = try kimage(["pack", "--kernel", elf, "-o", dir.file("gohp2.img"), "--json"])
        #expect(json.stdout.contains("\"notes\"") && json.stdout.contains("\"segment 0: its 0x1000 bytes below 1 MiB"), "\(json.stdout)")
        let boot = try QEMU.boot(kernel: image)
        #expect(boot.debugExit == 0x10, "\(boot.serial)")
        #expect(boot.serial.contains("header page fixture: PASS"))
    }

    @Test func codeBelow1MiBInTheHeaderPageIsStillRefused() throws {
        let dir = try TemporaryDirectory()
        let elf = try LinuxFixture.goHeaderPage(in: dir, codeBelow1MiB: true)
        let before = try contentsOf(elf)
        let listing = try dir.contents()
        let r = try kimage(["pack", "--kernel", elf, "-o", dir.file("gohp.img")])
        #expect(r.status == 1)
        #expect(r.stderr.contains("segment 0 is at physical 0xff000..0x10005e, below 1 MiB"), "\(r.stderr)")
        #expect(r.stderr.contains("below 1 MiB it holds .lowtext, not only the ELF and program headers"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(try contentsOf(elf) == before)
        #expect(try dir.contents() == listing, "output or temporary left behind")
    }

    /// A kernel straddling the end of -m 128's RAM (QEMU's E820 ends usable RAM at 0x7fe0000):
    /// pack warns, the setup names the first missing byte and the part, and the same image boots
    /// with -m 256.
    @Test func missingRAMIsNamedOnCOM1AtBoot() throws {
        let dir = try TemporaryDirectory()
        var spec = PackFixture.Spec(name: "high", bits64: true, virtualBase: 0x07FD_C000, expectedCmdline: "", ramMB: 256, paging: 3)
        spec.physicalBase = 0x07FD_C000
        let elf = try PackFixture.build(spec, in: dir)
        let image = dir.file("high.img")
        let r = try kimage(["pack", "--kernel", elf, "-o", image])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("kimage: warning: the image needs RAM up to 0x"), "\(r.stderr)")
        #expect(r.stderr.contains("a machine with -m 128 (QEMU's default) has none there"), "\(r.stderr)")
        let small = try QEMU.boot(kernel: image, memory: "128M", timeout: 10)
        #expect(small.serial.contains("kimage setup: no RAM at 0x07FE0000 in the E820 map, needed by segment "), "\(small.serial)")
        #expect(small.debugExit == nil, "the kernel ran without its RAM:\n\(small.serial)")
        let big = try QEMU.boot(kernel: image, memory: "256M")
        #expect(big.debugExit == 0x10, "\(big.serial)")
    }
}

extension HeaderPageAndRAMTests {
    @Test(arguments: ["linux", "linux16"])
    func goHeaderPageBootsUnderGRUB(command: String) throws {
        let dir = try TemporaryDirectory()
        let elf = try LinuxFixture.goHeaderPage(in: dir)
        let image = dir.file("gohp.img")
        let r = try kimage(["pack", "--kernel", elf, "-o", image])
        #expect(r.status == 0, "\(r.stderr)")
        let initrd = try PackFixture.initrd(in: dir, size: 100)
        let boot = try GRUBBoot.boot(image: image, command: command, append: "go", initrd: initrd, dir: dir)
        #expect(boot.debugExit == 0x10 && boot.serial.contains("header page fixture: PASS"), "GRUB \(command):\n\(boot.serial)")
    }

    /// The real Go linker's layout (go build -ldflags "-T 0x100000"): its header page, with the
    /// .note.go.buildid at its end, is left out and the rest packs.
    @Test func realGoBuildHeaderPageIsLeftOut() throws {
        let dir = try TemporaryDirectory()
        _ = try dir.write("go.mod", "module hp\n\ngo 1.19\n")
        _ = try dir.write("main.go", "package main\n\nfunc main() {\n\tfor {\n\t}\n}\n")
        var env = ProcessInfo.processInfo.environment
        env["GOOS"] = "linux"; env["GOARCH"] = "amd64"; env["CGO_ENABLED"] = "0"
        env["GOCACHE"] = dir.file("gocache"); env["GOFLAGS"] = "-mod=mod"
        let built = try run("go", ["build", "-ldflags", "-T 0x100000", "-o", dir.file("k.elf"), "."], cwd: dir.path, environment: env, timeout: 300)
        try #require(built.status == 0, "go build failed: \(built.stderr)")
        let headers = try mustRun("readelf", ["-lW", dir.file("k.elf")]).stdout
        #expect(headers.contains("LOAD           0x000000 0x00000000000ff000 0x00000000000ff000"), "\(headers)")
        let r = try kimage(["pack", "--kernel", dir.file("k.elf"), "-o", dir.file("k.img")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("bytes below 1 MiB (0xff000..0x100000) hold only the ELF and program headers and notes (.note.go.buildid)"), "\(r.stdout)")
        #expect(r.stdout.contains("vaddr 0x00100000 paddr 0x00100000"), "\(r.stdout)")
    }

    @Test func aBootStackThatWouldEndAbove4GiBIsRefused() throws {
        let dir = try TemporaryDirectory()
        let obj = try Toolchain.nasm(fixture: "high-memory/top.asm", in: dir, name: "top")
        let elf = try Toolchain.ld([obj], scriptFixture: "high-memory/top.ld", in: dir, output: "top.elf")
        let before = try contentsOf(elf)
        let listing = try dir.contents()
        let r = try kimage(["pack", "--kernel", elf, "-o", dir.file("top.img")])
        #expect(r.status == 1)
        #expect(r.stderr.contains("so the setup's boot stack above it would end at 0x100004000, beyond 4 GiB"), "\(r.stderr)")
        #expect(try contentsOf(elf) == before)
        #expect(try dir.contents() == listing, "output or temporary left behind")
    }
}
