import Foundation
import Testing
import TestSupport

/// kimage's own handoff enters kernels with SSE usable (compiled code, Go's ABI wrappers above
/// all, uses xmm registers); `--no-sse` keeps CR0/CR4 as the setup found them.
@Suite struct SSEBootTests {
    func boot(bits64: Bool, extra: [String], dir: TemporaryDirectory) throws -> String {
        // Tests/Fixtures/sse/sse.asm prints CR0.EM/MP and CR4.OSFXSR/OSXMMEXCPT, then runs SSE and x87
        // when OSFXSR is set (a triple fault without it); exits 0x10.
        let obj = try Toolchain.nasm(fixture: "sse/sse.asm", in: dir, name: "sse", format: bits64 ? "elf64" : "elf32",
                                     defines: bits64 ? ["BITS64"] : [])
        let elf = try Toolchain.ld([obj], script: nil, in: dir, output: "sse.elf", emulation: bits64 ? "elf_x86_64" : "elf_i386",
                                   extra: ["-Ttext=0x200000"])
        let image = dir.file("sse.img")
        let r = try kimage(["pack", "--kernel", elf, "-o", image] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        let boot = try QEMU.boot(kernel: image, timeout: 20)
        #expect(boot.debugExit == 0x10, "\(boot.serial)\(boot.result.stderr)")
        return boot.serial
    }

    @Test(arguments: [true, false])
    func kernelsEnterWithSSEUsable(bits64: Bool) throws {
        let dir = try TemporaryDirectory()
        let serial = try boot(bits64: bits64, extra: [], dir: dir)
        #expect(serial == "E=0 M=1 F=1 X=1 SP", "\(serial)")
        let inspect = try kimage(["inspect", dir.file("sse.img")])
        #expect(inspect.stdout.contains("  SSE usable at entry: CR0.MP=1, CR0.EM=0, CR4.OSFXSR=1, CR4.OSXMMEXCPT=1, x87 initialised\n"),
                "\(inspect.stdout)")
    }

    @Test func noSSEKeepsTheStateTheSetupFound() throws {
        let dir = try TemporaryDirectory()
        let serial = try boot(bits64: true, extra: ["--no-sse"], dir: dir)
        #expect(serial == "E=0 M=0 F=0 X=0 P", "\(serial)")
        let inspect = try kimage(["inspect", dir.file("sse.img")])
        #expect(!inspect.stdout.contains("SSE usable"), "\(inspect.stdout)")
        // kimage.toml's `sse = false` is the same as --no-sse.
        try dir.write("kimage.toml", "[pack]\nsse = false\n")
        let viaToml = dir.file("toml.img")
        #expect(try kimage(["pack", "--kernel", dir.file("sse.elf"), "-o", viaToml], cwd: dir.path).status == 0)
        #expect(try contentsOf(viaToml) == contentsOf(dir.file("sse.img")))
    }

    @Test func setupSaysWhenTheCPULacksSSE() throws {
        let dir = try TemporaryDirectory()
        let obj = try Toolchain.nasm(fixture: "sse/sse.asm", in: dir, name: "sse", format: "elf32")
        let elf = try Toolchain.ld([obj], script: nil, in: dir, output: "sse.elf", emulation: "elf_i386", extra: ["-Ttext=0x200000"])
        let image = dir.file("sse.img")
        #expect(try kimage(["pack", "--kernel", elf, "-o", image]).status == 0)
        let boot = try QEMU.boot(kernel: image, extra: ["-cpu", "486"], timeout: 10)
        #expect(boot.serial.contains("kimage setup: this CPU has no SSE/FXSR; the image was packed to enable SSE for the kernel: pack it with --no-sse"),
                "\(boot.serial)")
        #expect(!boot.serial.contains("E="))
    }
}
