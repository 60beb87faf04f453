import Foundation
import Testing
import KImageKit
import TestSupport

/// Multiboot kernels written elsewhere, taken unchanged from Debian's packages by
/// scripts/fetch-multiboot-kernels (cached under .build/): packed by kimage they boot as they do
/// under QEMU's own multiboot loader. A failed download fails the test (a package mirror is needed).
@Suite(.serialized) struct RealMultibootKernelTests {
    static func fetched() throws -> (xen: String, invaders: String) {
        let cache = Paths.packageRoot + "/.build/multiboot-kernels"
        let r = try run(Paths.packageRoot + "/scripts/fetch-multiboot-kernels", [cache], timeout: 300)
        try #require(r.status == 0, "scripts/fetch-multiboot-kernels failed (a Debian package mirror is needed): \(r.stderr)")
        return (cache + "/xen", cache + "/invaders")
    }

    /// Xen takes the first word of a multiboot command line as the image's name (QEMU's loader puts
    /// the kernel's path there), so the kimage boots start the command line with one.
    static let xenOptions = "console=com1 com1=115200,8n1 loglvl=all kimage-test"

    /// What Xen printed from reading the memory map to its stop for want of a dom0 it can place.
    static func fromMemoryMap(_ serial: String) -> String {
        guard let start = serial.range(of: "(XEN) Xen-e820 RAM map:"), let end = serial.range(of: "Reboot in five seconds") else { return "" }
        return String(serial[start.lowerBound..<end.upperBound])
    }

    /// Debian's Xen hypervisor (ELF32, multiboot1 and multiboot2 headers, 32-bit entry that builds
    /// its own long mode): packed with the auto handoff (multiboot2) and with --handoff multiboot,
    /// it prints the loader's name and command line and the memory map it read from the MBI / MBI2,
    /// finds the initrd as its dom0 module, and stops where it stops under QEMU's own loader, under
    /// QEMU -kernel and GRUB linux.
    @Test func xenBootsUnchangedThroughBothMultibootHandoffs() throws {
        let xen = try Self.fetched().xen
        let dir = try TemporaryDirectory()
        let module = try PackFixture.initrd(in: dir, size: 8192)
        let direct = try QEMU.boot(kernel: xen, append: Self.xenOptions, initrd: module, memory: "512M", timeout: 60)
        #expect(direct.serial.contains("(XEN) Bootloader: qemu"), "\(direct.serial)")
        let reference = Self.fromMemoryMap(direct.serial)
        #expect(reference.contains("[0000000000100000, 000000001ffdffff] (usable)")
                && reference.contains("Not enough memory to relocate the dom0 kernel image"), "QEMU's own multiboot loader:\n\(direct.serial)")

        for (extra, handoff) in [([String](), "handoff multiboot2: a valid multiboot2 header at file offset 0x98"),
                                 (["--handoff", "multiboot"], "handoff multiboot: --handoff multiboot; the multiboot header is at file offset 0x88")] {
            let image = dir.file("xen-\(extra.count).img")
            let r = try kimage(["pack", "--kernel", xen, "-o", image] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains(handoff) && r.stdout.contains("protected mode, paging off, entry 0x200000"), "\(r.stdout)")
            let boot = try QEMU.boot(kernel: image, append: "xen " + Self.xenOptions, initrd: module, memory: "512M", timeout: 60)
            for line in ["(XEN) Xen version 4.", "(XEN) Bootloader: kimage \(KImageVersion.string)", "(XEN) Command line: " + Self.xenOptions,
                         "(XEN) Xen-e820 RAM map:", "[0000000000100000, 000000001ffdffff] (usable)",
                         "(XEN) Panic on CPU 0:", "(XEN) Not enough memory to relocate the dom0 kernel image"] {
                #expect(boot.serial.contains(line), "\(extra): missing \(line):\n\(boot.serial)")
            }
            #expect(Self.fromMemoryMap(boot.serial) == reference, "\(extra): Xen read another machine than under QEMU's loader:\n\(boot.serial)\nQEMU:\n\(direct.serial)")
        }
        // GRUB linux puts BOOT_IMAGE=... first on the command line: Xen takes it for the image's name.
        let grub = try GRUBBoot.boot(image: dir.file("xen-0.img"), command: "linux", append: Self.xenOptions, initrd: module, dir: dir, memory: "512M")
        #expect(grub.serial.contains("(XEN) Command line: " + Self.xenOptions) && Self.fromMemoryMap(grub.serial) == reference,
                "GRUB linux:\n\(grub.serial)")
    }

    /// The player's ship, drawn by invaders at the bottom of the screen: "_" above "/ \\".
    static func shipDrawn(_ s: VGAText.Screen) -> Bool {
        s.rows.count == 25 && s.rows[23].contains("_") && s.rows[24].contains(#"/ \"#)
    }

    /// grub-invaders, a multiboot1 game kernel that loads by its a.out kludge address fields (flag
    /// 16: header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr), draws its game on the
    /// VGA text screen under QEMU -kernel and GRUB `linux` as under QEMU's own multiboot loader.
    @Test func invadersBootsByItsAddressFields() throws {
        let invaders = try Self.fetched().invaders
        let dir = try TemporaryDirectory()
        let image = dir.file("invaders.img")
        let r = try kimage(["pack", "--kernel", invaders, "-o", image])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("handoff multiboot: a valid multiboot header at file offset 0x84"), "\(r.stdout)")
        #expect(r.stdout.contains("protected mode, paging off, entry 0x100024"), "\(r.stdout)")

        let direct = try VGAText.screen(arguments: ["-kernel", invaders, "-m", "128M"], dir: dir, until: Self.shipDrawn)
        #expect(Self.shipDrawn(direct) && direct.text.contains("-*-"), "QEMU's own multiboot loader:\n\(direct.text)")
        let packed = try VGAText.screen(arguments: ["-kernel", image, "-m", "128M"], dir: dir, until: Self.shipDrawn)
        #expect(Self.shipDrawn(packed) && packed.text.contains("-*-"), "kimage image under QEMU -kernel:\n\(packed.text)")
        let iso = try GRUBBoot.iso(image: image, command: "linux", append: "", initrd: nil, dir: dir)
        let grub = try VGAText.screen(arguments: ["-cdrom", iso, "-m", "128M"], dir: dir, timeout: 60, until: Self.shipDrawn)
        #expect(Self.shipDrawn(grub) && grub.text.contains("-*-"), "kimage image under GRUB linux:\n\(grub.text)")
    }
}
