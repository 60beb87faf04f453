import Foundation
import Testing
import KImageKit
import TestSupport

/// Where the multiboot handoffs load a kernel: relocatable multiboot2 kernels (tag 10, with the
/// load base in tag 21), the MB1 address fields and the MB2 address tag winning over program
/// headers that say otherwise, and page-aligned modules; each fixture checks at boot where it runs.
@Suite struct MultibootLoadTests {
    static let initrdSize = 5000
    let refusals = PackErrorTests()

    func packAndBoot(_ elf: String, dir: TemporaryDirectory, notes: [String]) throws -> (image: String, boot: QEMU.Boot) {
        let image = dir.file("k.img")
        let r = try kimage(["pack", "--kernel", elf, "-o", image])
        #expect(r.status == 0, "\(r.stderr)")
        for n in notes { #expect(r.stdout.contains(n), "missing \"\(n)\" in:\n\(r.stdout)") }
        let initrd = try PackFixture.initrd(in: dir, size: Self.initrdSize)
        let boot = try QEMU.boot(kernel: image, append: "load-test", initrd: initrd)
        return (image, boot)
    }

    @Test func aRelocatableKernelStaysAtItsLinkAddressWhenTheTagAllowsIt() throws {
        let dir = try TemporaryDirectory()
        let elf = try MultibootLoadFixture.build(.multiboot2Relocatable(min: 0x10_0000, max: 0x1000_0000, align: 0x20_0000, preference: 2),
                                                 linkBase: 0x20_0000, expectBase: 0x20_0000, in: dir, name: "reloc-stay")
        let (_, boot) = try packAndBoot(elf, dir: dir, notes: [
            "note: relocatable kernel loaded at its link address 0x200000: tag 10 (relocatable) allows 0x100000..0x10000000, align 0x200000",
            "protected mode, paging off, entry 0x2000"])
        #expect(boot.debugExit == 0x10 && boot.serial.contains("PASS"), "\(boot.serial)")
        #expect(boot.serial.contains("ok tag 21 (load base) holds the base") && boot.serial.contains("ok module 0 starts on a page boundary"), "\(boot.serial)")
    }

    @Test func aRelocatableKernelMovesToTheLowestAddressTheTagAllows() throws {
        let dir = try TemporaryDirectory()
        let elf = try MultibootLoadFixture.build(.multiboot2Relocatable(min: 0x80_0000, max: 0x1000_0000, align: 0x20_0000, preference: 1),
                                                 linkBase: 0x10_0000, expectBase: 0x80_0000, in: dir, name: "reloc-move")
        let (image, boot) = try packAndBoot(elf, dir: dir, notes: [
            "note: relocatable kernel moved from its link address 0x100000 to 0x800000, the lowest address that tag 10 (relocatable) allows 0x800000..0x10000000, align 0x200000",
            "moved with the image by 0x700000", "paddr 0x00800000"])
        #expect(boot.debugExit == 0x10 && boot.serial.contains("PASS"), "\(boot.serial)")
        #expect(boot.serial.contains("base 0x00800000") && boot.serial.contains("ok tag 21 (load base) holds the base"), "\(boot.serial)")
        let initrd = try PackFixture.initrd(in: dir, size: Self.initrdSize)
        let grub = try GRUBBoot.boot(image: image, command: "linux", append: "load-test", initrd: initrd, dir: dir)
        #expect(grub.debugExit == 0x10 && grub.serial.contains("PASS"), "GRUB linux:\n\(grub.serial)")
    }

    @Test func aRelocatableTagThatCannotHoldTheImageIsRefused() throws {
        let dir = try TemporaryDirectory()
        let elf = try MultibootLoadFixture.build(.multiboot2Relocatable(min: 0x10_0000, max: 0x10_1000, align: 0x1000, preference: 0),
                                                 linkBase: 0x10_0000, expectBase: 0x10_0000, in: dir, name: "reloc-small")
        try refusals.expectRefusal(["--kernel", elf, "-o", dir.file("k.img")], dir: dir, inputs: [elf],
                                   ["tag 10 (relocatable) allows 0x100000..0x101000", "cannot hold the image's", "widen min_addr..max_addr"])
        let high = try MultibootLoadFixture.build(.multiboot2Relocatable(min: 0xFFF0_0000, max: 0xFFFF_FFFF, align: 0x20_0000, preference: 0),
                                                  linkBase: 0x10_0000, expectBase: 0x10_0000, in: dir, name: "reloc-high")
        try refusals.expectRefusal(["--kernel", high, "-o", dir.file("k.img")], dir: dir, inputs: [high],
                                   ["no aligned address from 1 MiB on leaves room", "lower min_addr or align"])
    }

    /// The MB1 a.out kludge and the MB2 address tag: the program headers put the bytes 1 MiB
    /// higher than the address fields; the kernel runs only where the address fields say.
    @Test(arguments: ["multiboot1", "multiboot2"])
    func theAddressFieldsWinOverTheProgramHeaders(kind: String) throws {
        let dir = try TemporaryDirectory()
        let elf = try MultibootLoadFixture.build(kind == "multiboot1" ? .multiboot1AddressFields : .multiboot2AddressTag,
                                                 linkBase: 0x30_0000, expectBase: 0x30_0000, in: dir, name: "addr-\(kind)")
        let reason = kind == "multiboot1" ? "the header's entry_addr (flag bit 16)" : "the header's entry address tag"
        let (image, boot) = try packAndBoot(elf, dir: dir, notes: ["handoff \(kind == "multiboot1" ? "multiboot" : kind):", "paddr 0x00300000", "note: entered at 0x3000"])
        #expect(try kimage(["pack", "--kernel", elf, "-o", dir.file("again.img")]).stdout.contains(reason))
        #expect(boot.debugExit == 0x10 && boot.serial.contains("PASS"), "\(boot.serial)")
        #expect(boot.serial.contains("ok module 0 starts on a page boundary"), "\(boot.serial)")
        if kind == "multiboot1" {
            // QEMU's own multiboot loader reads the same fields: the fixture is right about them.
            let initrd = try PackFixture.initrd(in: dir, size: Self.initrdSize)
            let direct = try QEMU.boot(kernel: elf, append: "load-test", initrd: initrd)
            #expect(direct.debugExit == 0x10 && direct.serial.contains("PASS"), "QEMU's own loader:\n\(direct.serial)")
        }
        let initrd = try PackFixture.initrd(in: dir, size: Self.initrdSize)
        let grub = try GRUBBoot.boot(image: image, command: "linux", append: "load-test", initrd: initrd, dir: dir)
        #expect(grub.debugExit == 0x10 && grub.serial.contains("PASS"), "GRUB linux:\n\(grub.serial)")
    }

    /// Multiboot2 §3.1.3: information the loader cannot give, asked for without the optional flag,
    /// must make it refuse the kernel; asked for as optional, it is left out.
    @Test func aRequiredBootDeviceVBEOrAPMRequestIsRefusedAnOptionalOneIsNot() throws {
        let dir = try TemporaryDirectory()
        let required = try MultibootLoadFixture.requesting(optional: false, in: dir, name: "required")
        try refusals.expectRefusal(["--kernel", required, "-o", dir.file("k.img")], dir: dir, inputs: [required], [
            "tag type 1 (information request)", "requires information tag 5 (BIOS boot device)", "which disk it came from",
            "drop 5 from the request or set the request tag's optional flag"])
        let optional = try MultibootLoadFixture.requesting(optional: true, in: dir, name: "optional")
        let r = try kimage(["pack", "--kernel", optional, "-o", dir.file("k.img")])
        #expect(r.status == 0 && r.stdout.contains("MBI2 (ebx) at 0x") && !r.stdout.contains("boot info at"), "\(r.stdout)\(r.stderr)")
    }
}
