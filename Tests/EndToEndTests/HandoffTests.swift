import Foundation
import Testing
import KImageKit
import TestSupport

/// `kimage pack --handoff`: which handoff is chosen and why, the refusals, and kernels entered
/// the way the multiboot loaders enter them.
@Suite struct HandoffTests {
    let refusals = PackErrorTests()

    /// A higher-half ELF64 whose e_entry is the physical address of 32-bit start code (the classic
    /// way: the kernel enables paging itself). It checks what the kimage handoff promises with
    /// paging off, and that the loader's CR4/EFER bits were reset.
    static let physicalEntryKernel = """
        bits 32
        %macro putc 1
            mov dx, 0x3F8
            mov al, %1
            out dx, al
        %endmacro
        %macro fail_unless_zero 2          ; register, digit
            jz %%ok
            putc 'F'
            putc %2
            jmp fail
        %%ok:
        %endmacro
        section .text
        global _start
        _start:
            cmp eax, 0x6B696D67            ; KIMAGE_ENTRY_MAGIC
            setne cl
            cmp dword [ebx], 0x474D494B    ; the boot info's "KIMG"
            setne ch
            or cl, ch
            test cl, cl
            fail_unless_zero cl, '1'
            mov eax, cr0
            test eax, 0x80000000           ; paging off
            fail_unless_zero eax, '2'
            call .here                     ; running at the physical address
        .here:
            pop eax
            cmp eax, 0x200000
            setae cl
            test cl, cl
            fail_unless_zero cl, '3'
            mov eax, cr4
            test eax, 0xA0                 ; PAE and PGE clear
            fail_unless_zero eax, '4'
            putc 'P'
            putc 'A'
            putc 'S'
            putc 'S'
            putc 10
            mov dx, 0xF4
            mov eax, 0x10
            out dx, eax
        fail:
            cli
            hlt
            jmp fail
        section .data
        value: dd 42
        """

    func physicalEntryELF(_ dir: TemporaryDirectory) throws -> String {
        let obj = try Toolchain.nasm(Self.physicalEntryKernel, in: dir, name: "phys")
        return try Toolchain.ld([obj], script: """
            ENTRY(_start_phys)
            SECTIONS {
              . = 0xFFFFFFFF80100000;
              .text : AT(0x100000) { *(.text) }
              . = ALIGN(4096);
              .data : AT(ADDR(.data) - 0xFFFFFFFF80000000) { *(.data) }
            }
            _start_phys = _start - 0xFFFFFFFF80000000;
            """, in: dir, output: "phys.elf", extra: ["-z", "max-page-size=4096"])
    }

    @Test func aPhysicalEntryIsEnteredThereWithPagingOff() throws {
        let dir = try TemporaryDirectory()
        let elf = try physicalEntryELF(dir)
        let image = dir.file("phys.img")
        let r = try kimage(["pack", "--kernel", elf, "-o", image])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("handoff kimage: no multiboot header"), "\(r.stdout)")
        #expect(r.stdout.contains("protected mode, paging off, entry 0x100000"), "\(r.stdout)")
        let boot = try QEMU.boot(kernel: image)
        #expect(boot.debugExit == 0x10, "\(boot.serial)")
        #expect(boot.serial.contains("PASS"), "\(boot.serial)")
    }

    @Test func aPhysicalEntryWithPagingOptionsIsRefused() throws {
        let dir = try TemporaryDirectory()
        let elf = try physicalEntryELF(dir)
        try refusals.expectRefusal(["--kernel", elf, "--five-level", "-o", dir.file("k.img")], dir: dir, inputs: [elf],
                                   ["entry point 0x100000 is physical", "paging off", "--five-level would be ignored", "drop --five-level"])
    }

    @Test func jsonAndTextNameTheHandoffAndWhy() throws {
        let dir = try TemporaryDirectory()
        let elf = try PackFixture.build(PackErrorTests.good64, in: dir)
        let r = try kimage(["pack", "--kernel", elf, "-o", dir.file("k.img"), "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(json?["handoff"] as? String == "kimage")
        #expect((json?["handoffReason"] as? String)?.contains("no multiboot header in the first 32 KiB") == true, "\(r.stdout)")
        let explicit = try kimage(["pack", "--kernel", elf, "-o", dir.file("k2.img"), "--handoff", "kimage"])
        #expect(explicit.stdout.contains("handoff kimage: --handoff kimage"), "\(explicit.stdout)")
    }

    @Test func linuxOnANonVmlinuxAndUnknownHandoffsAreRefused() throws {
        let dir = try TemporaryDirectory()
        let elf = try PackFixture.build(PackErrorTests.good64, in: dir)
        try refusals.expectRefusal(["--kernel", elf, "--handoff", "linux", "-o", dir.file("k.img")], dir: dir, inputs: [elf],
                                   ["--handoff linux was given", "is no vmlinux", "lies in no executable segment's physical range"])
        try refusals.expectRefusal(["--kernel", elf, "--handoff", "multiboot3", "-o", dir.file("k.img")], dir: dir, inputs: [elf],
                                   status: 64, ["--handoff multiboot3 is not a handoff", "auto, kimage, multiboot, multiboot2, linux"])
        // No multiboot header: an explicit multiboot handoff has nothing to honour.
        try refusals.expectRefusal(["--kernel", elf, "--handoff", "multiboot2", "-o", dir.file("k.img")], dir: dir, inputs: [elf],
                                   ["--handoff multiboot2 was given", "no valid multiboot2 header", "magic 0xE85250D6"])
        // The kimage.toml key is the flag.
        let toml = try dir.write("kimage.toml", "[pack]\nhandoff = \"linux\"\n")
        let before = try dir.contents()
        let r = try kimage(["pack", "--kernel", elf, "-o", dir.file("k.img")], cwd: dir.path)
        #expect(r.status == 1 && r.stderr.contains("--handoff linux was given"), "\(r.stderr)")
        #expect(try dir.contents() == before)
        _ = toml
    }
}
