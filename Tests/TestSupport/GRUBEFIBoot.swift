import Foundation

/// Boots an image through GRUB 2 EFI (Debian's grub-efi-amd64-bin) under OVMF: a standalone
/// GRUB as \EFI\BOOT\BOOTX64.EFI with its grub.cfg inside, the image (and initrd) beside it on the
/// ESP. `command` is `linux` (GRUB's own boot-protocol loader: 32-bit entry at code32_start) or
/// `linuxefi` (Debian's patch: the EFI handover entry), shared/reference/uefi.md §4.
public enum GRUBEFIBoot {
    /// Printed by grub.cfg when `boot` returns: GRUB refused the image (its own error is above).
    public static let refused = "kimage test: GRUB did not boot the image"

    public static func boot(image: String, command: String, append: String, initrd: String? = nil, memory: String = "256M",
                            in dir: TemporaryDirectory, timeout: TimeInterval = 90) throws -> QEMU.Boot {
        let initrdLine = initrd == nil ? "" : (command == "linuxefi" ? "initrdefi" : "initrd") + " /initrd.bin"
        // GRUB's `halt` on EFI is ResetSystem(shutdown): QEMU ends at once when the boot fails. No
        // initrd after a refused kernel: Debian's initrdefi then faults and waits for a key.
        let cfg = try dir.write("grub-efi-\(command)/grub.cfg", """
            serial --unit=0 --speed=115200
            terminal_input serial
            terminal_output serial
            search --no-floppy --file --set=root /kernel.img
            if \(command) /kernel.img \(append); then
              \(initrdLine)
              boot
            fi
            echo "\(refused)"
            halt

            """)
        let grub = dir.file("grub-\(command).efi")
        try mustRun(requireTool("grub-mkstandalone"), [
            "-O", "x86_64-efi", "-o", grub, "--locales=", "--fonts=", "--themes=",
            "--modules=part_gpt part_msdos fat search search_fs_file serial terminal echo halt linux linuxefi",
            "--install-modules=part_gpt part_msdos fat search search_fs_file serial terminal echo halt linux linuxefi normal configfile memdisk tar",
            "boot/grub/grub.cfg=\(cfg)",
        ])
        var files = [(from: grub, to: "/EFI/BOOT/BOOTX64.EFI"), (from: image, to: "/kernel.img")]
        if let initrd { files.append((from: initrd, to: "/initrd.bin")) }
        let esp = try FATImage.make(dir.file("grub-\(command)-esp.img"), files: files)
        return try OVMF.boot(esp: esp, memory: memory, in: dir, timeout: timeout)
    }
}
