import Foundation
import Testing
import KImageKit
import TestSupport

/// `kimage pack --handoff`: which handoff is chosen and why, the refusals, and kernels entered
/// the way the multiboot loaders enter them.
@Suite struct HandoffTests {
    let refusals = PackErrorTests()

    /// A higher-half ELF64 whose e_entry is the physical address of 32-bit start code (the classic
    /// way: the kernel enables paging itself); Tests/Fixtures/handoff/physical-entry.asm.
    func physicalEntryELF(_ dir: TemporaryDirectory) throws -> String {
        let obj = try Toolchain.nasm(fixture: "handoff/physical-entry.asm", in: dir, name: "phys")
        return try Toolchain.ld([obj], scriptFixture: "handoff/physical-entry.ld", in: dir, output: "phys.elf",
                                extra: ["-z", "max-page-size=4096"])
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
                                   status: 64, ["'multiboot3' is invalid for '--handoff <handoff>'", "'auto', 'kimage', 'multiboot', 'multiboot2' or 'linux'"])
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

/// The multiboot handoffs: fixtures (a), (b), (c) packed and booted under QEMU -kernel, GRUB
/// linux and GRUB linux16; the refusals.
@Suite struct MultibootHandoffTests {
    static let initrdSize = 12345
    let refusals = PackErrorTests()
    let grub = PackEndToEndTests()

    /// MBI flags kimage gives a multiboot1 kernel with ELF section headers: memory, cmdline,
    /// modules, ELF sections, memory map, boot loader name (and framebuffer when asked).
    static let mb1Flags: UInt32 = 0x1 | 0x4 | 0x8 | 0x20 | 0x40 | 0x200

    func pack(_ elf: String, dir: TemporaryDirectory, output: String = "k.img", extra: [String] = []) throws -> (image: String, stdout: String) {
        let image = dir.file(output)
        let r = try kimage(["pack", "--kernel", elf, "-o", image] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        return (image, r.stdout)
    }

    @Test(arguments: [false, true])
    func multiboot1KernelAt1MiBBootsUnderQEMU(framebuffer: Bool) throws {
        let dir = try TemporaryDirectory()
        var expect = MultibootFixture.Expect(cmdline: "mb1-cmdline", initrdSize: Self.initrdSize)
        expect.flags = Self.mb1Flags | (framebuffer ? 0x1000 : 0)
        expect.framebuffer = framebuffer
        let elf = try MultibootFixture.multiboot1(expect, in: dir)
        let (image, out) = try pack(elf, dir: dir)
        #expect(out.contains("handoff multiboot: a valid multiboot header at file offset 0x"), "\(out)")
        #expect(out.contains("multiboot information"), "\(out)")
        let initrd = try PackFixture.initrd(in: dir, size: Self.initrdSize)
        let boot = try QEMU.boot(kernel: image, append: "mb1-cmdline", initrd: initrd)
        #expect(boot.debugExit == 0x10, "\(boot.serial)")
        #expect(!boot.serial.contains("FAIL"), "\(boot.serial)")
    }

    @Test func multiboot1WithoutInitrdOrLoaderCommandLineUsesPackCmdline() throws {
        let dir = try TemporaryDirectory()
        var expect = MultibootFixture.Expect(cmdline: "from-pack")
        expect.flags = Self.mb1Flags
        let elf = try MultibootFixture.multiboot1(expect, in: dir)
        let (image, _) = try pack(elf, dir: dir, extra: ["--cmdline", "from-pack"])
        let boot = try QEMU.boot(kernel: image)
        #expect(boot.debugExit == 0x10, "\(boot.serial)")
    }

    @Test func higherHalfMultiboot1KernelKeepsTheLoadersSelectors() throws {
        let dir = try TemporaryDirectory()
        let elf = try MultibootFixture.higherHalf(in: dir)
        let (image, out) = try pack(elf, dir: dir)
        #expect(out.contains("protected mode, paging off, entry 0x100010"), "\(out)")
        let boot = try QEMU.boot(kernel: image)
        #expect(boot.debugExit == 0x10, "\(boot.serial)")
        #expect(boot.serial.contains("PASS"), "\(boot.serial)")
        // The same ELF entered with kimage's own handoff (CS 0x10) faults at its first iret.
        let (kimageImage, _) = try pack(elf, dir: dir, output: "k2.img", extra: ["--handoff", "kimage"])
        let wrong = try QEMU.boot(kernel: kimageImage)
        #expect(wrong.debugExit == nil && !wrong.serial.contains("PASS"), "\(wrong.serial)")
    }

    @Test func multiboot2ELF64With32BitStartCodeBootsUnderQEMU() throws {
        let dir = try TemporaryDirectory()
        let expect = MultibootFixture.Expect(cmdline: "mb2-cmdline", initrdSize: Self.initrdSize)
        let elf = try MultibootFixture.multiboot2(expect, in: dir)
        let (image, out) = try pack(elf, dir: dir)
        #expect(out.contains("handoff multiboot2: a valid multiboot2 header"), "\(out)")
        #expect(out.contains("protected mode, paging off"), "\(out)")
        let initrd = try PackFixture.initrd(in: dir, size: Self.initrdSize)
        let boot = try QEMU.boot(kernel: image, append: "mb2-cmdline", initrd: initrd)
        #expect(boot.debugExit == 0x10, "\(boot.serial)")
        #expect(boot.serial.contains("long mode reached"), "\(boot.serial)")
        #expect(!boot.serial.contains("FAIL"), "\(boot.serial)")
    }

    @Test(arguments: ["a", "b", "c"])
    func grubLinuxAndLinux16BootTheMultibootFixtures(fixture: String) throws {
        let dir = try TemporaryDirectory()
        let elf: String
        switch fixture {
        case "a":
            var expect = MultibootFixture.Expect(cmdline: "grub-mb1", initrdSize: Self.initrdSize)
            expect.flags = Self.mb1Flags
            elf = try MultibootFixture.multiboot1(expect, in: dir)
        case "b":
            elf = try MultibootFixture.higherHalf(in: dir)
        default:
            elf = try MultibootFixture.multiboot2(MultibootFixture.Expect(cmdline: "grub-mb2", initrdSize: Self.initrdSize), in: dir)
        }
        let (image, _) = try pack(elf, dir: dir)
        let initrd = try PackFixture.initrd(in: dir, size: Self.initrdSize)
        for command in ["linux", "linux16"] {
            let boot = try grub.bootWithGRUB(image: image, command: command, append: "grub-mb\(fixture == "c" ? 2 : 1)",
                                             initrd: initrd, dir: dir)
            #expect(boot.debugExit == 0x10, "GRUB \(command) did not boot fixture \(fixture):\n\(boot.serial)")
            #expect(!boot.serial.contains("FAIL"), "\(boot.serial)")
        }
    }

    @Test func theSetupClearsTheCPUStateALoaderLeft() throws {
        // A loader that enters code32_start with CR4.PAE, CR4.PGE and EFER.NXE set (as SYSLINUX's
        // EFI loader does), booting a kernel with 2-level paging: with PAE left on, its tables
        // would take a reserved-bit fault at once.
        let dir = try TemporaryDirectory()
        let spec = PackFixture.Spec(name: "cpustate", bits64: false, virtualBase: 0xC010_0000, expectedCmdline: "leftover-state", paging: 1)
        let elf = try PackFixture.build(spec, in: dir)
        let (image, _) = try pack(elf, dir: dir)
        // A boot-protocol loader that leaves CR4.PAE, CR4.PGE and EFER.NXE set (handoff/chainloader.asm).
        let obj = try Toolchain.nasm(fixture: "handoff/chainloader.asm", in: dir, name: "chain", format: "elf32")
        let loader = try Toolchain.ld([obj], scriptFixture: "handoff/chainloader.ld", in: dir, output: "chain.elf",
                                      emulation: "elf_i386")
        let boot = try QEMU.boot(kernel: loader, append: "leftover-state", initrd: image)
        #expect(boot.debugExit == 0x10, "\(boot.serial)")
        #expect(boot.serial.contains("PASS"), "\(boot.serial)")
    }

    @Test func refusalsNameTheTagAndLeaveNothingBehind() throws {
        let dir = try TemporaryDirectory()
        // handoff/multiboot-refusal.asm: the header a define names.
        func kernel(_ header: String, name: String) throws -> String {
            let obj = try Toolchain.nasm(fixture: "handoff/multiboot-refusal.asm", in: dir, name: name, format: "elf32",
                                         defines: [header])
            return try Toolchain.ld([obj], scriptFixture: "handoff/text-1mib.ld", in: dir, output: name + ".elf",
                                    emulation: "elf_i386")
        }
        let graphics = try kernel("GRAPHICS", name: "gfx")
        try refusals.expectRefusal(["--kernel", graphics, "-o", dir.file("k.img")], dir: dir, inputs: [graphics],
                                   ["multiboot header", "linear graphics mode", "set mode_type to 1", "--handoff kimage"])
        let unknownFlag = try kernel("FLAG3", name: "flag3")
        try refusals.expectRefusal(["--kernel", unknownFlag, "-o", dir.file("k.img")], dir: dir, inputs: [unknownFlag],
                                   ["required bits 0x8", "clear them"])
        let efi = try kernel("EFI_TAG", name: "efi")
        try refusals.expectRefusal(["--kernel", efi, "-o", dir.file("k.img")], dir: dir, inputs: [efi],
                                   ["tag type 7 (EFI boot services)", "optional flag"])
        let fb = try kernel("FRAMEBUFFER_TAG", name: "fb")
        try refusals.expectRefusal(["--kernel", fb, "-o", dir.file("k.img")], dir: dir, inputs: [fb],
                                   ["1024x768x32 framebuffer", "sets no video mode"])
        // Paging options have nothing to act on in a multiboot handoff.
        var expect = MultibootFixture.Expect(cmdline: "")
        expect.flags = Self.mb1Flags
        let mb1 = try MultibootFixture.multiboot1(expect, in: dir)
        try refusals.expectRefusal(["--kernel", mb1, "--pae", "-o", dir.file("k.img")], dir: dir, inputs: [mb1],
                                   ["the multiboot handoff enters with paging off", "--pae would be ignored"])
        try refusals.expectRefusal(["--kernel", mb1, "--embed-elf", "-o", dir.file("k.img")], dir: dir, inputs: [mb1],
                                   ["the multiboot handoff hands the kernel the multiboot information", "--embed-elf"])
    }

    @Test func inspectShowsTheHeadersAndTheHandoff() throws {
        let dir = try TemporaryDirectory()
        let elf = try MultibootFixture.multiboot2(MultibootFixture.Expect(cmdline: ""), in: dir)
        let r = try kimage(["inspect", elf])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("multiboot2 header at file offset"), "\(r.stdout)")
        #expect(r.stdout.contains("tag 1 information request (required)"), "\(r.stdout)")
        #expect(r.stdout.contains("requires these information tags: 1 boot command line"), "\(r.stdout)")
        #expect(r.stdout.contains("tag 4 console flags (required), size 12 console_flags 0x2"), "\(r.stdout)")
        #expect(r.stdout.contains("kimage pack --handoff auto picks multiboot2"), "\(r.stdout)")
        var expect = MultibootFixture.Expect(cmdline: "")
        expect.framebuffer = true
        let mb1 = try MultibootFixture.multiboot1(expect, in: dir)
        let r1 = try kimage(["inspect", mb1])
        #expect(r1.stdout.contains("multiboot header at file offset"), "\(r1.stdout)")
        #expect(r1.stdout.contains("mode_type 0x1"), "\(r1.stdout)")
        #expect(r1.stdout.contains("bit 2: give video mode information"), "\(r1.stdout)")
        #expect(r1.stdout.contains("picks multiboot:\n          a valid multiboot header"), "\(r1.stdout)")
    }
}
