import Foundation
import Testing
import KImageKit
import TestSupport

/// Multiboot kernels started by UEFI: the EFI stub records what the firmware gave, the setup's
/// multiboot handoffs pass it on as GRUB 2.06 does on EFI (MB2 tags 12, 17, the GOP framebuffer;
/// MB1 framebuffer fields from GOP). One OVMF boot each (seconds under TCG), and the same MB2
/// kernel under QEMU -kernel (BIOS) without the EFI tags.
@Suite struct MultibootEFITests {
    func pack(_ elf: String, dir: TemporaryDirectory, extra: [String] = []) throws -> (image: String, stdout: String) {
        let image = dir.file(URL(fileURLWithPath: elf).deletingPathExtension().lastPathComponent + ".img")
        let r = try kimage(["pack", "--kernel", elf, "-o", image] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        return (image, r.stdout)
    }

    /// The command line comes from pack's --cmdline: without startup.nsh the firmware starts
    /// BOOTX64.EFI at once, no shell countdown.
    func esp(_ image: String, dir: TemporaryDirectory) throws -> String {
        let esp = dir.file("esp.img")
        let r = try kimage(["esp", "-o", esp, image])
        #expect(r.status == 0, "\(r.stderr)")
        return esp
    }

    func expectPass(_ boot: QEMU.Boot, _ what: String) {
        #expect(boot.debugExit == 0x10, "\(what) did not pass:\n\(boot.serial)\(boot.result.stderr)")
        #expect(boot.serial.contains("PASS") && !boot.serial.contains("FAIL"), "\(boot.serial)")
    }

    @Test func multiboot2KernelGetsTheEFITagsUnderOVMFAndNoneUnderBIOS() throws {
        let dir = try TemporaryDirectory()
        let uefiDir = try TemporaryDirectory()
        let elf = try MultibootEFIFixture.multiboot2(.init(uefi: true, cmdline: "mb2 on uefi", ramMB: 256), in: uefiDir)
        let (image, out) = try pack(elf, dir: uefiDir, extra: ["--cmdline", "mb2 on uefi"])
        #expect(out.contains("handoff multiboot2"), "\(out)")
        let boot = try OVMF.boot(esp: try esp(image, dir: uefiDir), memory: "256M", in: uefiDir)
        expectPass(boot, "the multiboot2 fixture from BOOTX64.EFI")
        for line in ["ok EFI 64-bit system table tag points at \"IBI SYST\"",
                     "ok EFI memory map tag: descriptor size >= 40", "ok EFI memory map tag: conventional memory within -m",
                     "ok framebuffer tag: size 38", "ok GOP framebuffer: address, width, height, pitch",
                     "ok ACPI new RSDP tag", "ok booted by UEFI: EFI memory map tag given"] {
            #expect(boot.serial.contains(line), "\(line):\n\(boot.serial)")
        }
        // GRUB 2.06's order on EFI: framebuffer, system table, ACPI, then the EFI memory map last.
        let tags = boot.serial.split(separator: "\n").filter { $0.hasPrefix("  tag ") }.map { String($0.dropFirst(6).prefix(18)) }
        let order = ["0x0000000000000008", "0x000000000000000c", "0x000000000000000e", "0x000000000000000f", "0x0000000000000011"]
        #expect(order.compactMap { tags.firstIndex(of: $0) } == order.compactMap { tags.firstIndex(of: $0) }.sorted()
                && order.allSatisfy(tags.contains), "\(tags)")

        // The same kernel, built to expect a BIOS boot, under QEMU -kernel: no tags 12 or 17, EGA text.
        let bios = try MultibootEFIFixture.multiboot2(.init(uefi: false, cmdline: "mb2 on bios", ramMB: 128), in: dir)
        let (biosImage, _) = try pack(bios, dir: dir)
        let biosBoot = try QEMU.boot(kernel: biosImage, append: "mb2 on bios")
        expectPass(biosBoot, "the multiboot2 fixture under QEMU -kernel")
        #expect(biosBoot.serial.contains("ok booted by BIOS: no EFI system table or EFI memory map tag"), "\(biosBoot.serial)")
        #expect(biosBoot.serial.contains("ok EGA text framebuffer tag"), "\(biosBoot.serial)")
    }

    @Test func multiboot1KernelGetsTheGOPFramebufferAndTheEFIMapAsE820UnderOVMF() throws {
        let dir = try TemporaryDirectory()
        let elf = try MultibootEFIFixture.multiboot1(.init(uefi: true, cmdline: "mb1 on uefi", ramMB: 256), in: dir)
        let (image, _) = try pack(elf, dir: dir, extra: ["--cmdline", "mb1 on uefi"])
        let boot = try OVMF.boot(esp: try esp(image, dir: dir), memory: "256M", in: dir)
        expectPass(boot, "the multiboot1 fixture from BOOTX64.EFI")
        for line in ["ok flags bit 12: framebuffer fields given", "ok GOP framebuffer: type 1 (RGB), 32 bits per pixel",
                     "ok GOP framebuffer: 8-bit red, green, blue at 0, 8, 16",
                     "ok memory map (E820 from the EFI map): usable RAM matches -m", "ok mem_upper ends where the RAM from 1 MiB ends"] {
            #expect(boot.serial.contains(line), "\(line):\n\(boot.serial)")
        }
    }

    @Test func aKernelThatRequiresEFITagsIsRefusedWithNoEFIAndStopsABIOSBoot() throws {
        let dir = try TemporaryDirectory()
        let elf = try MultibootEFIFixture.multiboot2(.init(uefi: true, cmdline: "", ramMB: 128), requireEFI: true, in: dir)
        let before = try contentsOf(elf)
        let refused = dir.file("refused.img")
        let r = try kimage(["pack", "--kernel", elf, "-o", refused, "--no-efi"])
        #expect(r.status == 1, "\(r.stdout)")
        #expect(r.stderr.contains("requires information tag 12 (EFI 64-bit system table), which only a UEFI boot gives"), "\(r.stderr)")
        #expect(r.stderr.contains("pack without --no-efi"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: refused))
        #expect(try contentsOf(elf) == before)

        let inspect = try kimage(["inspect", elf])
        #expect(inspect.stdout.contains("boots only under UEFI: it requires information tag 12, 17"), "\(inspect.stdout)")
        let (image, out) = try pack(elf, dir: dir)
        #expect(out.contains("requires multiboot2 information tag 12 or 17, which only a UEFI boot gives"), "\(out)")
        let boot = try QEMU.boot(kernel: image, timeout: 8)
        #expect(boot.serial.contains("kimage setup: this multiboot2 kernel requires EFI information (tag 12 or 17)"), "\(boot.serial)")
        #expect(!boot.serial.contains("multiboot2 EFI fixture"), "the kernel was not entered: \(boot.serial)")
    }
}
