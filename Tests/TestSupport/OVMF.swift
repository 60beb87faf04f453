import Foundation

/// Boots under OVMF (Debian's `ovmf`, scripts/bootstrap installs it) the way
/// shared/reference/uefi.md §6 measured on this machine: q35 under TCG (OVMF dies under KVM
/// here), pflash code + a fresh copy of the variable store per boot, COM1 on stdout.
public enum OVMF {
    public static let code = "/usr/share/OVMF/OVMF_CODE.fd"
    public static let vars = "/usr/share/OVMF/OVMF_VARS.fd"

    /// Throws (never skips) when the firmware is not installed.
    public static func requireFirmware() throws {
        for path in [code, vars] where !FileManager.default.fileExists(atPath: path) {
            throw TestSetupError("the UEFI tests need \(path), which is not installed: run scripts/bootstrap (it installs ovmf)")
        }
    }

    /// Boots from `esp` (a FAT image) or, with `kernel`, OVMF's own -kernel loader. `network`
    /// replaces `-net none` (iPXE needs a NIC); `extra` goes last.
    public static func boot(esp: String? = nil, kernel: String? = nil, append: String? = nil, initrd: String? = nil,
                            memory: String = "256M", network: [String]? = nil, extra: [String] = [],
                            in dir: TemporaryDirectory, timeout: TimeInterval = 90) throws -> QEMU.Boot {
        try requireFirmware()
        let varsCopy = dir.file("OVMF_VARS-\(UUID().uuidString).fd")
        try FileManager.default.copyItem(atPath: vars, toPath: varsCopy)
        defer { try? FileManager.default.removeItem(atPath: varsCopy) }
        var args = ["-machine", "q35,accel=tcg", "-m", memory, "-smp", "1",
                    "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=\(code)",
                    "-drive", "if=pflash,format=raw,unit=1,file=\(varsCopy)",
                    "-serial", "stdio", "-display", "none", "-monitor", "none", "-no-reboot",
                    "-device", "isa-debug-exit,iobase=0xf4,iosize=4"]
        args += network ?? ["-net", "none"]
        if let esp {
            args += ["-drive", "if=none,id=esp,format=raw,file=\(esp)", "-device", "virtio-blk-pci,drive=esp,bootindex=0"]
        }
        if let kernel { args += ["-kernel", kernel] }
        if let append { args += ["-append", append] }
        if let initrd { args += ["-initrd", initrd] }
        return try QEMU.boot(arguments: args + extra, timeout: timeout)
    }
}
