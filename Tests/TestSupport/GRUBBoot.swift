import Foundation

/// Boots an image through GRUB 2 on a BIOS CD (grub-mkrescue), with `linux`/`initrd` or
/// `linux16`/`initrd16`, serial output only.
public enum GRUBBoot {
    public static func boot(image: String, command: String, append: String, initrd: String, dir: TemporaryDirectory,
                            memory: String = "128M", system: String = "qemu-system-x86_64") throws -> QEMU.Boot {
        let iso = try iso(image: image, command: command, append: append, initrd: initrd, dir: dir)
        return try QEMU.boot(arguments: ["-cdrom", iso, "-serial", "stdio", "-display", "none", "-monitor", "none",
                                         "-no-reboot", "-m", memory, "-device", "isa-debug-exit,iobase=0xf4,iosize=4"],
                             system: system)
    }

    /// The CD: GRUB's menu boots the image at once with `command` (and the initrd, when given).
    public static func iso(image: String, command: String, append: String, initrd: String?, dir: TemporaryDirectory) throws -> String {
        let root = dir.file("iso-\(command)")
        try FileManager.default.createDirectory(atPath: root + "/boot/grub", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: image, toPath: root + "/boot/kernel.img")
        var initrdLine = ""
        if let initrd {
            try FileManager.default.copyItem(atPath: initrd, toPath: root + "/boot/initrd.bin")
            initrdLine = (command == "linux16" ? "initrd16" : "initrd") + " /boot/initrd.bin"
        }
        try """
            set timeout=0
            set default=0
            menuentry "kimage" {
              \(command) /boot/kernel.img \(append)
              \(initrdLine)
            }
            """.write(toFile: root + "/boot/grub/grub.cfg", atomically: false, encoding: .utf8)
        let iso = dir.file("\(command).iso")
        try mustRun("grub-mkrescue", ["-o", iso, root])
        return iso
    }
}
