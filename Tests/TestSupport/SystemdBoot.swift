import Foundation

/// Boots an image through systemd-boot (Debian's systemd-boot-efi) under OVMF: systemd-bootx64.efi
/// as \EFI\BOOT\BOOTX64.EFI and one Boot Loader Specification Type #1 entry, `linux` + `options`.
/// systemd-boot starts the image as an EFI application (LoadImage/StartImage) with the options as
/// LoadOptions (systemd src/boot/boot.c, shared/reference/uefi.md §4). An entry's `initrd` is
/// offered both ways systemd-boot 252 does: `initrd=\initrd.bin` put before the options (seen
/// on this machine) and the LINUX_EFI_INITRD_MEDIA LoadFile2 device path.
public enum SystemdBoot {
    public static let efi = "/usr/lib/systemd/boot/efi/systemd-bootx64.efi"

    public static func boot(image: String, options: String, initrd: String? = nil, memory: String = "256M", in dir: TemporaryDirectory,
                            timeout: TimeInterval = 90) throws -> QEMU.Boot {
        guard FileManager.default.fileExists(atPath: efi) else {
            throw TestSetupError("the systemd-boot test needs \(efi), which is not installed: run scripts/bootstrap (it installs systemd-boot-efi)")
        }
        // timeout 0: the default entry starts at once, no menu.
        let conf = try dir.write("sd-boot/loader.conf", "timeout 0\ndefault kimage.conf\n")
        let initrdLine = initrd == nil ? "" : "initrd /initrd.bin\n"
        let entry = try dir.write("sd-boot/kimage.conf", "title kimage test\nlinux /kimage.img\n\(initrdLine)options \(options)\n")
        var files = [(from: efi, to: "/EFI/BOOT/BOOTX64.EFI"), (from: conf, to: "/loader/loader.conf"),
                     (from: entry, to: "/loader/entries/kimage.conf"), (from: image, to: "/kimage.img")]
        if let initrd { files.append((from: initrd, to: "/initrd.bin")) }
        let esp = try FATImage.make(dir.file("sd-boot-esp.img"), files: files)
        return try OVMF.boot(esp: esp, memory: memory, in: dir, timeout: timeout)
    }
}
