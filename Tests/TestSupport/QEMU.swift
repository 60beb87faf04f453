import Foundation

/// Boots an image or kernel under QEMU with COM1 on stdout and the isa-debug-exit device, the
/// way the tests check what a fixture kernel saw.
public enum QEMU {
    public struct Boot: Sendable {
        /// Everything the guest wrote to COM1.
        public let serial: String
        /// The value written to port 0xf4 when the guest exited that way ((v << 1) | 1 is
        /// QEMU's own status), nil when QEMU ended otherwise.
        public let debugExit: Int32?
        public let result: CommandResult
    }

    public static func boot(
        kernel: String,
        append: String? = nil,
        initrd: String? = nil,
        memory: String = "128M",
        system: String = "qemu-system-x86_64",
        extra: [String] = [],
        timeout: TimeInterval = 60
    ) throws -> Boot {
        var args = ["-kernel", kernel, "-serial", "stdio", "-display", "none", "-monitor", "none",
                    "-no-reboot", "-m", memory,
                    "-device", "isa-debug-exit,iobase=0xf4,iosize=4"]
        if let append { args += ["-append", append] }
        if let initrd { args += ["-initrd", initrd] }
        return try boot(arguments: args + extra, system: system, timeout: timeout)
    }

    public static func boot(arguments: [String], system: String = "qemu-system-x86_64", timeout: TimeInterval = 60) throws -> Boot {
        let r = try run(system, arguments, timeout: timeout)
        let status = r.status
        // isa-debug-exit makes QEMU exit with (value << 1) | 1.
        let exit: Int32? = (!r.timedOut && status & 1 == 1) ? status >> 1 : nil
        return Boot(serial: r.stdout, debugExit: exit, result: r)
    }
}
