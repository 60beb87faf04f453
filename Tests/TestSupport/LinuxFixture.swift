import Foundation

/// Kernels for the Linux 64-bit handoff and the Go linker's header page, built at test time.
public enum LinuxFixture {
    /// Fixture (d): an ELF64 laid out like a vmlinux (text at 0xffffffff81000000 / paddr 16 MiB,
    /// e_entry the physical startup_64, a percpu segment at vaddr 0, a "Linux" build-salt note).
    /// Its startup code runs where it was loaded, identity-mapped, as Linux's startup_64 does,
    /// and checks the Linux 64-bit contract the way head_64.S, head64.c and setup.c read it; it
    /// prints "ok"/"FAIL" lines on COM1 and exits through isa-debug-exit with 0x10 on success.
    public static func vmlinux(in dir: TemporaryDirectory, cmdline: String, ramMB: Int, initrdSize: Int?,
                               withLinuxNote: Bool = true, name: String = "vmlinux") throws -> String {
        var defines = ["-DEXPECT_CMDLINE=\"\(cmdline)\"", "-DEXPECT_RAM_MB=\(ramMB)"]
        if let n = initrdSize { defines.append("-DEXPECT_INITRD_SIZE=\(n)") }
        let c = try Toolchain.gcc(fixture: "linux/vmlinux.c", in: dir, name: name + "-main", flags: [
            "-m64", "-O2", "-ffreestanding", "-fpie", "-fno-plt", "-fvisibility=hidden", "-mno-red-zone",
            "-mgeneral-regs-only", "-fno-stack-protector", "-fno-asynchronous-unwind-tables", "-fno-jump-tables",
        ] + defines)
        let entry = try Toolchain.nasm(fixture: "linux/vmlinux-entry.asm", in: dir, name: name + "-entry",
                                       defines: withLinuxNote ? ["LINUX_NOTE"] : [])
        return try Toolchain.ld([entry, c], scriptFixture: "linux/vmlinux.ld", in: dir, output: name + ".elf",
                                extra: ["-z", "max-page-size=4096", "--no-warn-rwx-segments"])
    }

    /// Fixture (e): an ELF64 laid out like `go build -ldflags "-T 0x100000"`: a first PT_LOAD at
    /// 0xff000 holding the ELF and program headers and a build-id note below 1 MiB, .text at
    /// 0x100000. Entered by kimage's own handoff, it checks its data and bss and exits 0x10.
    /// With `codeBelow1MiB`, a byte of .text lies below 1 MiB too (to be refused).
    public static func goHeaderPage(in dir: TemporaryDirectory, codeBelow1MiB: Bool = false) throws -> String {
        let obj = try Toolchain.nasm(fixture: "linux/go-header-page.asm", in: dir, name: "gohp",
                                     defines: codeBelow1MiB ? ["CODE_BELOW_1MIB"] : [])
        return try Toolchain.ld([obj], scriptFixture: "linux/go-header-page.ld", in: dir, output: "gohp.elf",
                                extra: ["-z", "max-page-size=4096"])
    }
}
