import Foundation
import Testing
import KImageKit
import TestSupport

/// The redirect installer templates, proven by booting: a fixture kernel linked with the layout's
/// linker script, its table filled by `kimage redirect`, packed by `kimage pack`, calls every
/// redirected function and checks where it landed.
@Suite struct TemplateInstallerTests {
    enum Assembler: String, CaseIterable, Sendable { case nasm, gas }

    struct Fixture {
        let dir: TemporaryDirectory
        let elf: String
        let layout: KernelLayout
    }

    /// Builds the fixture: `count` redirects src_i -> dst_i through a manifest, a poison entry
    /// (canary_src -> canary_dst) right after the table that only a runaway loop would install,
    /// and `spare` extra zero slots. With `installer: nil` nothing installs at boot.
    static func build(layout: KernelLayout, count: Int, installer: Assembler?, spare: Int = 0) throws -> Fixture {
        let dir = try TemporaryDirectory("kimage-installer")
        let bits64 = layout.arch == .x86_64
        let format = bits64 ? "elf64" : "elf32"
        var manifest = "# src dst\n"
        for i in 0..<count { manifest += "src_\(i) dst_\(i)\n" }
        try dir.write("redirects.txt", manifest)
        var objects = [try Toolchain.nasm(fixtureSource(bits64: bits64, count: count, installs: installer != nil),
                                          in: dir, name: "fixture", format: format)]
        switch installer {
        case .nasm?:
            objects.append(try Toolchain.nasm(try Templates.text("rt0/kimage_redirects_\(layout.arch.rawValue).asm"),
                                              in: dir, name: "installer", format: format))
        case .gas?:
            objects.append(try Toolchain.gas(try Templates.text("rt0/kimage_redirects_\(layout.arch.rawValue).s"),
                                             in: dir, name: "installer", bits32: !bits64))
        case nil:
            break
        }
        // The poison entry goes right after the table's last slot, in a section of its own.
        let script = try layout.linkerScript().replacingOccurrences(
            of: "        __kimage_redirects_end = .;\n    } :rodata\n",
            with: "        __kimage_redirects_end = .;\n    } :rodata\n    .kimage_test_poison : { KEEP(*(.kimage_test_poison)) } :rodata\n")
        #expect(script.contains(".kimage_test_poison"))
        let scriptPath = try dir.write("kernel.ld", script)
        let counted = try kimage(["count", "--manifest", dir.file("redirects.txt"), "--format", "ld"])
        #expect(counted.succeeded, "\(counted.stderr)")
        #expect(counted.stdout == "NUM_REDIRECTS = \(count);\n")
        try dir.write("redirects.ld", "NUM_REDIRECTS = \(count + spare);\n")
        let elf = dir.file("kernel.elf")
        try mustRun("ld", ["-m", bits64 ? "elf_x86_64" : "elf_i386", "-nostdlib", "-z", "noexecstack", "-z", "max-page-size=4096",
                           "-L", dir.path, "-T", scriptPath, "-o", elf] + objects)
        return Fixture(dir: dir, elf: elf, layout: layout)
    }

    /// Entry: snapshot the bytes at physical 0 (where a zero entry's trampoline would land), run
    /// the installer, call every src_i and expect dst_i's value, call the canary, compare.
    static func fixtureSource(bits64: Bool, count: Int, installs: Bool) -> String {
        let ax = bits64 ? "rax" : "eax"
        return """
            bits \(bits64 ? 64 : 32)
            \(bits64 ? "default rel" : "")
            %define COUNT \(count)
            section .goredirectstbl progbits alloc noexec nowrite align=\(bits64 ? 16 : 8)
            section .kimage_test_poison progbits alloc noexec nowrite align=\(bits64 ? 16 : 8)
                \(bits64 ? "dq" : "dd") canary_src, canary_dst
            section .text.entry progbits alloc exec nowrite align=16
            global _start
            \(installs ? "extern kimage_install_redirects" : "")
            _start:
                cli
                \(bits64 ? "lea rsp, [stack_top]" : "mov esp, stack_top")
                mov \(ax), [abs 0]
                mov [low_before], \(ax)
                mov \(ax), [abs \(bits64 ? 8 : 4)]
                mov [low_before + \(bits64 ? 8 : 4)], \(ax)
                \(installs ? "call kimage_install_redirects" : "")
            %assign i 0
            %rep COUNT
                call src_%[i]
                cmp eax, 1000 + i
                jne wrong
            %assign i i + 1
            %endrep
                call canary_src
                cmp eax, 1
                jne poisoned
                mov \(ax), [abs 0]
                cmp \(ax), [low_before]
                jne zero_entry
                mov \(ax), [abs \(bits64 ? 8 : 4)]
                cmp \(ax), [low_before + \(bits64 ? 8 : 4)]
                jne zero_entry
                \(bits64 ? "lea rsi, [ok]" : "mov esi, ok")
                mov edi, 0x10
                jmp finish
            wrong:
                \(bits64 ? "lea rsi, [msg_wrong]" : "mov esi, msg_wrong")
                mov edi, 0x11
                jmp finish
            poisoned:
                \(bits64 ? "lea rsi, [msg_poison]" : "mov esi, msg_poison")
                mov edi, 0x12
                jmp finish
            zero_entry:
                \(bits64 ? "lea rsi, [msg_zero]" : "mov esi, msg_zero")
                mov edi, 0x13
            finish:
                mov dx, 0x3F8
            .put:
                mov al, [\(bits64 ? "rsi" : "esi")]
                test al, al
                jz .exit
                out dx, al
                inc \(bits64 ? "rsi" : "esi")
                jmp .put
            .exit:
                mov eax, edi
                mov dx, 0xF4
                out dx, eax
            .halt:
                hlt
                jmp .halt

            ; Each source is longer than its trampoline (14 or 5 bytes), as redirect requires.
            %assign i 0
            %rep COUNT
            global src_%[i]:function (src_%[i].end - src_%[i])
            global dst_%[i]:function (dst_%[i].end - dst_%[i])
            src_%[i]:
                mov eax, i
                ret
                times 16 nop
            .end:
            dst_%[i]:
                mov eax, 1000 + i
                ret
            .end:
            %assign i i + 1
            %endrep
            global canary_src:function (canary_src.end - canary_src)
            global canary_dst:function (canary_dst.end - canary_dst)
            canary_src:
                mov eax, 1
                ret
                times 16 nop
            .end:
            canary_dst:
                mov eax, 2
                ret
            .end:

            section .rodata
            ok: db "installer ok: ", "\(count)", " redirects", 10, 0
            msg_wrong: db "a call did not land in its destination", 10, 0
            msg_poison: db "the installer read past the end of the table", 10, 0
            msg_zero: db "the installer wrote a trampoline for a zero entry", 10, 0

            section .bss
            align 16
            low_before: \(bits64 ? "resq 2" : "resd 2")
            stack: resb 8192
            stack_top:
            """
    }

    static func packAndBoot(_ fixture: Fixture) throws -> QEMU.Boot {
        let image = fixture.dir.file("kernel.img")
        let packed = try kimage(["pack", "--kernel", fixture.elf, "-o", image])
        #expect(packed.succeeded, "\(packed.stderr)")
        return try QEMU.boot(kernel: image, system: fixture.layout.arch == .x86_64 ? "qemu-system-x86_64" : "qemu-system-i386")
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let layout: KernelLayout, assembler: Assembler, count: Int
        var testDescription: String { "\(layout) \(assembler) \(count)" }
    }

    static let cases: [Case] = [KernelLayout.gopher, .jinue].flatMap { layout in
        Assembler.allCases.flatMap { assembler in [0, 1, 100].map { Case(layout: layout, assembler: assembler, count: $0) } }
    }

    @Test(arguments: cases)
    func installerWritesEveryTrampolineAtBoot(_ c: Case) throws {
        let (layout, assembler, count) = (c.layout, c.assembler, c.count)
        let fixture = try Self.build(layout: layout, count: count, installer: assembler)
        let redirected = try kimage(["redirect", fixture.elf, "--manifest", fixture.dir.file("redirects.txt")])
        #expect(redirected.succeeded, "\(redirected.stderr)")
        let boot = try Self.packAndBoot(fixture)
        #expect(boot.serial == "installer ok: \(count) redirects\n")
        #expect(boot.debugExit == 0x10)
    }

    @Test(arguments: [KernelLayout.gopher, .jinue])
    func installerStopsAtTheFirstZeroEntry(layout: KernelLayout) throws {
        let fixture = try Self.build(layout: layout, count: 1, installer: .nasm, spare: 2)
        let redirected = try kimage(["redirect", fixture.elf, "--manifest", fixture.dir.file("redirects.txt"), "--allow-spare"])
        #expect(redirected.succeeded, "\(redirected.stderr)")
        let boot = try Self.packAndBoot(fixture)
        #expect(boot.serial == "installer ok: 1 redirects\n")
        #expect(boot.debugExit == 0x10)
    }

    /// The build-time path: no installer linked, `kimage redirect --patch` writes the jumps.
    @Test(arguments: [KernelLayout.gopher, .kernel, .jinue])
    func patchedKernelNeedsNoInstaller(layout: KernelLayout) throws {
        let fixture = try Self.build(layout: layout, count: 3, installer: nil)
        let unpatched = try kimage(["redirect", fixture.elf, "--manifest", fixture.dir.file("redirects.txt"), "-o", fixture.dir.file("plain.elf")])
        #expect(unpatched.succeeded, "\(unpatched.stderr)")
        // Without --patch and without an installer, the first call lands in its own source: the
        // fixture can tell the difference.
        let plain = try Self.packAndBoot(Fixture(dir: fixture.dir, elf: fixture.dir.file("plain.elf"), layout: layout))
        #expect(plain.serial == "a call did not land in its destination\n")
        let patched = try kimage(["redirect", fixture.elf, "--manifest", fixture.dir.file("redirects.txt"), "--patch"])
        #expect(patched.succeeded, "\(patched.stderr)")
        let boot = try Self.packAndBoot(fixture)
        #expect(boot.serial == "installer ok: 3 redirects\n")
        #expect(boot.debugExit == 0x10)
    }
}
