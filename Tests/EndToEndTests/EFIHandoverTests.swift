import Foundation
import Testing
import KImageKit
import TestSupport

/// The EFI handover entry (handover_offset, XLF_EFI_HANDOVER_64; boot.rst "EFI Handover
/// Protocol"): Debian's GRUB EFI `linuxefi` loads the protected-mode part itself (at
/// pref_address with init_size bytes when it can, grub-core/loader/i386/efi/linux.c), fills
/// boot_params with the command line and the initrd and calls part + 0x200 + handover_offset
/// with boot services up. The stub then runs as from the firmware, with GRUB's command line
/// and initrd.
@Suite struct EFIHandoverTests {
    /// A FAT ESP whose BOOTX64.EFI is a standalone GRUB running `grub.cfg`, with `files` beside it.
    func grubESP(config: String, files: [String: String], dir: TemporaryDirectory) throws -> String {
        try FileManager.default.createDirectory(atPath: dir.file("grubcfg"), withIntermediateDirectories: true)
        let cfg = dir.file("grubcfg/grub.cfg")
        try config.write(toFile: cfg, atomically: false, encoding: .utf8)
        let grub = dir.file("grubx64.efi")
        try mustRun(requireTool("grub-mkstandalone"), [
            "-O", "x86_64-efi", "-o", grub, "--modules=part_gpt part_msdos fat search search_fs_file serial terminal echo linuxefi normal",
            "--locales=", "--fonts=", "--themes=", "boot/grub/grub.cfg=\(cfg)"])
        let esp = dir.file("grub-esp.img")
        try Data(count: 0).write(to: URL(fileURLWithPath: esp))
        try mustRun(requireTool("mformat"), ["-i", esp, "-C", "-T", "65536", "-h", "64", "-s", "32", "-v", "ESP", "::"])
        try mustRun(requireTool("mmd"), ["-i", esp, "::/EFI", "::/EFI/BOOT"])
        try mustRun(requireTool("mcopy"), ["-i", esp, grub, "::/EFI/BOOT/BOOTX64.EFI"])
        for (name, path) in files.sorted(by: { $0.key < $1.key }) {
            try mustRun(requireTool("mcopy"), ["-i", esp, path, "::/" + name])
        }
        return esp
    }

    @Test func grubLinuxefiEntersTheHandoverEntryWithItsCommandLineAndInitrd() throws {
        let dir = try TemporaryDirectory()
        let initrd = try PackFixture.initrd(in: dir, size: 12345)
        // Higher-half ELF64 linked over 0x100000, where GRUB puts the part: the stub must take
        // GRUB's allocation as its own and move the part clear of the kernel.
        var spec = PackFixture.Spec(name: "c", bits64: true, virtualBase: 0xFFFF_8000_0010_0000,
                                    expectedCmdline: "BOOT_IMAGE=/kimage.img handover works", ramMB: 256, paging: 3,
                                    initrdSize: 12345)
        spec.expectUEFI = true
        let elf = try PackFixture.build(spec, in: dir)
        let image = dir.file("c.img")
        let packed = try kimage(["pack", "--kernel", elf, "-o", image, "--cmdline", "not this one"])
        #expect(packed.status == 0, "\(packed.stderr)")
        let h = try SetupHeader(decoding: try contentsOf(image))
        #expect(h.handoverOffset != 0 && h.xloadflags & SetupHeader.xlfEFIHandover64 != 0)
        // inspect names the entry where loaders jump: part + 0x200 + handover_offset.
        let entry = hex(UInt64(h.realModeSize) + 0x200 + UInt64(h.handoverOffset))
        let inspected = try kimage(["inspect", image]).stdout
        #expect(inspected.contains("EFI handover 64-bit: file offset \(entry)"), "\(inspected)")
        #expect(inspected.contains("EFI handover entry (GRUB linuxefi; SysV: image handle, system table, boot_params) at file offset \(entry)"),
                "\(inspected)")
        let esp = try grubESP(config: """
            serial --unit=0 --speed=115200
            terminal_input serial
            terminal_output serial
            set debug=linuxefi
            search --no-floppy --file --set=root /kimage.img
            linuxefi /kimage.img handover works
            initrdefi /initrd.bin
            boot
            """, files: ["kimage.img": image, "initrd.bin": initrd], dir: dir)
        let boot = try OVMF.boot(esp: esp, memory: "256M", in: dir)
        #expect(boot.debugExit == 0x10, "fixture c through GRUB linuxefi did not pass:\n\(boot.serial)\(boot.result.stderr)")
        #expect(boot.serial.contains("PASS") && !boot.serial.contains("FAIL"), "\(boot.serial)")
        #expect(!boot.serial.contains("doesn't support EFI handover"), "\(boot.serial)")
        // GRUB got pref_address (0x100000) with init_size bytes: the stub's ranges there are GRUB's.
        #expect(boot.serial.contains("kernel_mem = 100000"), "\(boot.serial)")
        for line in ["ok booted by UEFI", "ok EFI memory map", "ok initrd bytes", "ok E820 covers the RAM",
                     "cmdline \"BOOT_IMAGE=/kimage.img handover works\""] {
            #expect(boot.serial.contains(line), "\(line):\n\(boot.serial)")
        }
    }
}
