import Foundation
import Testing
import TestSupport

/// Fixtures for the README's blocks on 5-level paging, the Go header page and the refusals.
extension ReadmeTests {
    static func prepare1(_ fixture: String, in dir: TemporaryDirectory) throws -> String? {
        func buildDirectory() throws {
            try FileManager.default.createDirectory(atPath: dir.file("build"), withIntermediateDirectories: true)
        }
        switch fixture {
        case "la57-kernel":
            // build/la57.elf: the README's linker script around a body that prints what it read;
            // build/kernel32.elf: an ELF32 kernel for the refusal of --five-level.
            try buildDirectory()
            // readme/la57.asm and la57.ld: .text at PML5[256], a body printing CR4.LA57 and paging_mode.
            let object = try Toolchain.nasm(fixture: "readme/la57.asm", in: dir, name: "la57")
            let elf = try Toolchain.ld([object], scriptFixture: "readme/la57.ld", in: dir, output: "la57.elf",
                                       extra: ["-z", "max-page-size=4096"])
            try FileManager.default.moveItem(atPath: elf, toPath: dir.file("build/la57.elf"))
            let k32 = try PackFixture.build(PackFixture.Spec(name: "k32", bits64: false, virtualBase: 0xC010_0000, expectedCmdline: "", paging: 1), in: dir)
            try FileManager.default.copyItem(atPath: k32, toPath: dir.file("build/kernel32.elf"))
            return dir.path
        case "go-header-page":
            // gohp.elf: LinuxFixture's kernel with the Go linker's header page at 0xff000.
            let elf = try LinuxFixture.goHeaderPage(in: dir)
            if elf != dir.file("gohp.elf") { try FileManager.default.moveItem(atPath: elf, toPath: dir.file("gohp.elf")) }
            return dir.path
        case "high-memory":
            // high.elf: HeaderPageAndRAMTests' kernel straddling the end of -m 128's RAM.
            var spec = PackFixture.Spec(name: "high", bits64: true, virtualBase: 0x07FD_C000, expectedCmdline: "", ramMB: 256, paging: 3)
            spec.physicalBase = 0x07FD_C000
            let elf = try PackFixture.build(spec, in: dir)
            if elf != dir.file("high.elf") { try FileManager.default.moveItem(atPath: elf, toPath: dir.file("high.elf")) }
            return dir.path
        case "linux-fixture":
            // vmlinux.img: LinuxFixture's fixture (d) packed, expecting `console=ttyS0`, -m 128 and
            // LinuxHandoffBootTests' 5000-byte initrd.bin.
            let elf = try LinuxFixture.vmlinux(in: dir, cmdline: "console=ttyS0", ramMB: 128, initrdSize: 5000)
            let r = try kimage(["pack", "--kernel", elf, "-o", dir.file("vmlinux.img")])
            #expect(r.status == 0, "\(r.stderr)")
            let initrd = try PackFixture.initrd(in: dir, size: 5000)
            if initrd != dir.file("initrd.bin") { try FileManager.default.copyItem(atPath: initrd, toPath: dir.file("initrd.bin")) }
            return dir.path
        case "refusals":
            // low.elf: linked with -Ttext=0x100000, so its headers' page at 0xff000 starts the
            // first PT_LOAD; build/kernel.elf: a packable ELF64 kernel.
            let object = try Toolchain.nasm(fixture: "minimal/jmp.asm", in: dir, name: "low")
            _ = try Toolchain.ld([object], script: nil, in: dir, output: "low.elf", extra: ["-z", "max-page-size=4096", "-Ttext=0x100000"])
            try buildDirectory()
            let kernel = try PackFixture.build(PackErrorTests.good64, in: dir)
            try FileManager.default.copyItem(atPath: kernel, toPath: dir.file("build/kernel.elf"))
            return dir.path
        default:
            return nil
        }
    }
}
