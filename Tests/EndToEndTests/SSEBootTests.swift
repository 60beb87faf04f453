import Foundation
import Testing
import TestSupport

/// kimage's own handoff enters kernels with SSE usable (compiled code, Go's ABI wrappers above
/// all, uses xmm registers); `--no-sse` keeps CR0/CR4 as the setup found them.
@Suite struct SSEBootTests {
    /// A kernel that prints CR0.EM/MP and CR4.OSFXSR/OSXMMEXCPT, then, when OSFXSR is set, runs
    /// SSE and x87 instructions (without OSFXSR they raise #UD: no IDT, so a triple fault and no
    /// PASS); exits 0x10 through isa-debug-exit. One source for both ELF classes.
    static func kernel(bits64: Bool) -> String {
        """
        bits \(bits64 ? 64 : 32)
        global _start
        section .text
        _start:
            mov \(bits64 ? "rsp" : "esp"), stack_top
            mov \(bits64 ? "rax" : "eax"), cr0
            mov ebx, eax
            mov al, 'E'
            call put
            mov eax, ebx
            shr eax, 2
            call bit
            mov al, 'M'
            call put
            mov eax, ebx
            shr eax, 1
            call bit
            mov \(bits64 ? "rax" : "eax"), cr4
            mov ebx, eax
            mov al, 'F'
            call put
            mov eax, ebx
            shr eax, 9
            call bit
            mov al, 'X'
            call put
            mov eax, ebx
            shr eax, 10
            call bit
            test ebx, 1 << 9
            jz .done
            xorps \(bits64 ? "xmm15, xmm15              ; what every Go ABI0 wrapper starts with" : "xmm7, xmm7")
            movaps xmm0, [rel_value]
            addps xmm0, xmm0
            movaps [rel_value], xmm0
            cmp dword [rel_value], 0x40000000  ; 1.0f + 1.0f = 2.0f
            jne .fail
            fld1                            ; x87 after fninit
            fistp dword [rel_value + 4]
            cmp dword [rel_value + 4], 1
            jne .fail
            mov al, 'S'
            call put
        .done:
            mov al, 'P'
            call put
            mov eax, 0x10
            out 0xF4, eax
        .fail:
            cli
            hlt
            jmp .fail
        ; prints '=' and the low bit of eax as '0'/'1', then ' '
        bit:
            and eax, 1
            add eax, '0'
            push \(bits64 ? "rax" : "eax")
            mov al, '='
            call put
            pop \(bits64 ? "rax" : "eax")
            call put
            mov al, ' '
        put:
            mov dx, 0x3F8
            out dx, al
            ret
        section .data
        align 16
        rel_value: dd 0x3F800000, 0, 0, 0
        section .bss
        align 16
            resb 4096
        stack_top:
        """
    }

    func boot(bits64: Bool, extra: [String], dir: TemporaryDirectory) throws -> String {
        let obj = try Toolchain.nasm(Self.kernel(bits64: bits64), in: dir, name: "sse", format: bits64 ? "elf64" : "elf32")
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
        let obj = try Toolchain.nasm(Self.kernel(bits64: false), in: dir, name: "sse", format: "elf32")
        let elf = try Toolchain.ld([obj], script: nil, in: dir, output: "sse.elf", emulation: "elf_i386", extra: ["-Ttext=0x200000"])
        let image = dir.file("sse.img")
        #expect(try kimage(["pack", "--kernel", elf, "-o", image]).status == 0)
        let boot = try QEMU.boot(kernel: image, extra: ["-cpu", "486"], timeout: 10)
        #expect(boot.serial.contains("kimage setup: this CPU has no SSE/FXSR; the image was packed to enable SSE for the kernel: pack it with --no-sse"),
                "\(boot.serial)")
        #expect(!boot.serial.contains("E="))
    }
}
