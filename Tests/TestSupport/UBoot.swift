import Foundation

/// 64-bit U-Boot for QEMU (Debian's u-boot-qemu, scripts/bootstrap installs it): `qfw load`
/// takes -kernel/-initrd/-append from QEMU's fw_cfg, `zboot` boots the bzImage the way
/// arch/x86/lib/zimage.c does. The commands go in over COM1; the first key stops the autoboot.
public enum UBoot {
    public static let rom = "/usr/lib/u-boot/qemu-x86_64/u-boot.rom"

    /// Throws (never skips) when U-Boot is not installed.
    public static func requireROM() throws -> String {
        guard FileManager.default.fileExists(atPath: rom) else {
            throw TestSetupError("the U-Boot test needs \(rom), which is not installed: run scripts/bootstrap (it installs u-boot-qemu)")
        }
        return rom
    }

    public static func zboot(rom: String, image: String, initrd: String?, append: String, memory: String = "256M",
                             timeout: TimeInterval = 60) throws -> QEMU.Boot {
        var args = ["-bios", rom, "-kernel", image, "-append", append, "-serial", "stdio", "-display", "none",
                    "-monitor", "none", "-no-reboot", "-m", memory, "-device", "isa-debug-exit,iobase=0xf4,iosize=4"]
        if let initrd { args += ["-initrd", initrd] }
        let keys = "xxxx\nqfw load\nzboot ${loadaddr} 0 ${ramdisk_addr_r} ${filesize}\n"
        let r = try run("qemu-system-x86_64", args, stdin: Array(keys.utf8), timeout: timeout)
        let exit: Int32? = (!r.timedOut && r.status & 1 == 1) ? r.status >> 1 : nil
        return QEMU.Boot(serial: r.stdout, debugExit: exit, result: r)
    }
}
