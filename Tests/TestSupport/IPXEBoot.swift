import Foundation

/// Boots an image over the network with iPXE's EFI build (Debian's `ipxe`: ipxe.efi) under OVMF:
/// ipxe.efi as \EFI\BOOT\BOOTX64.EFI, QEMU user networking's DHCP names a script as the boot file
/// and its TFTP server serves the script and the image; the script `chain`s the image with a
/// command line, which iPXE starts as an EFI application (LoadImage/StartImage). With `initrd`
/// the script fetches it first (`initrd`) and names it in the line (`initrd=initrd.bin`): iPXE
/// shows every image it fetched as a file on the started image's volume (iPXE efi_file.c).
public enum IPXEBoot {
    public static let efi = "/usr/lib/ipxe/ipxe.efi"

    public static func boot(image: String, cmdline: String, initrd: String? = nil, memory: String = "256M", in dir: TemporaryDirectory,
                            timeout: TimeInterval = 90) throws -> QEMU.Boot {
        guard FileManager.default.fileExists(atPath: efi) else {
            throw TestSetupError("the iPXE test needs \(efi), which is not installed: run scripts/bootstrap (it installs ipxe)")
        }
        let tftp = dir.file("tftp")
        try FileManager.default.createDirectory(atPath: tftp, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: image, toPath: tftp + "/kernel.img")
        // 10.0.2.2 is QEMU user-net's host, where its TFTP server answers.
        var script = "#!ipxe\necho kimage test: iPXE chains tftp://10.0.2.2/kernel.img\n"
        if let initrd {
            try FileManager.default.copyItem(atPath: initrd, toPath: tftp + "/initrd.bin")
            script += "initrd tftp://10.0.2.2/initrd.bin\nchain tftp://10.0.2.2/kernel.img initrd=initrd.bin \(cmdline)\n"
        } else {
            script += "chain tftp://10.0.2.2/kernel.img \(cmdline)\n"
        }
        try script.write(toFile: tftp + "/boot.ipxe", atomically: false, encoding: .utf8)
        let esp = try FATImage.make(dir.file("ipxe-esp.img"), files: [(from: efi, to: "/EFI/BOOT/BOOTX64.EFI")])
        // romfile= keeps QEMU's own iPXE option ROM off the NIC: the iPXE under test is ipxe.efi.
        let network = ["-netdev", "user,id=n,tftp=\(tftp),bootfile=boot.ipxe", "-device", "virtio-net-pci,netdev=n,romfile="]
        return try OVMF.boot(esp: esp, memory: memory, network: network, in: dir, timeout: timeout)
    }
}
