import Foundation

/// Multiboot fixture kernels for `kimage pack`'s multiboot handoffs, built at test time from
/// Tests/Fixtures/multiboot/. Each checks on COM1 what a multiboot loader promises (machine state,
/// every information field kimage gives) and exits through isa-debug-exit with 0x10 when every
/// check passed, 1 otherwise.
///   (a) multiboot1 ELF32 linked at 1 MiB, C checks;
///   (b) multiboot1 ELF32 linked higher-half (vaddr 0xC0100000, paddr 1 MiB, physical e_entry)
///       that enables paging itself, loads its own GDT without reloading any segment register and
///       takes an interrupt: a CS other than 0x08 faults at its iret;
///   (c) multiboot2 ELF64 file with 32-bit start code (C, -m32, converted with objcopy) that
///       checks every tag, then enters long mode itself.
public enum MultibootFixture {
    public struct Expect: Sendable {
        public var cmdline: String
        public var ramMB: Int = 128
        public var initrdSize: Int?
        /// Multiboot 1: the exact MBI flags.
        public var flags: UInt32 = 0
        public var framebuffer = false
        public init(cmdline: String, initrdSize: Int? = nil) {
            self.cmdline = cmdline
            self.initrdSize = initrdSize
        }
    }

    static func defines(_ e: Expect) -> [String] {
        var d = ["-DEXPECT_CMDLINE=\"\(e.cmdline)\"", "-DEXPECT_RAM_MB=\(e.ramMB)", String(format: "-DEXPECT_FLAGS=0x%xu", e.flags)]
        if let n = e.initrdSize { d.append("-DEXPECT_INITRD_SIZE=\(n)") }
        if e.framebuffer { d.append("-DEXPECT_FRAMEBUFFER=1") }
        return d
    }

    /// Also the multiboot EFI fixtures' (MultibootEFIFixture): freestanding i386, no SSE.
    static let cFlags = ["-m32", "-fno-asynchronous-unwind-tables", "-mgeneral-regs-only"]
    static let ldExtra = ["-z", "max-page-size=4096"]

    /// (a): a multiboot1 ELF32 at 1 MiB; header flags 0x3 (page-aligned modules, memory), plus
    /// bit 2 with EGA text when `expect.framebuffer`.
    public static func multiboot1(_ expect: Expect, in dir: TemporaryDirectory) throws -> String {
        let c = try Toolchain.gcc(fixture: "multiboot/mb1.c", in: dir, name: "mb1-main", flags: cFlags + defines(expect))
        let entry = try Toolchain.nasm(fixture: "multiboot/mb1-entry.asm", in: dir, name: "mb1-entry", format: "elf32",
                                       defines: expect.framebuffer ? ["FRAMEBUFFER"] : [])
        return try Toolchain.ld([entry, c], scriptFixture: "multiboot/kernel.ld", in: dir, output: "mb1.elf",
                                emulation: "elf_i386", extra: ldExtra)
    }

    /// (c): a multiboot2 kernel, ELF64, whose start code is 32-bit.
    public static func multiboot2(_ expect: Expect, in dir: TemporaryDirectory) throws -> String {
        let c = try Toolchain.gcc(fixture: "multiboot/mb2.c", in: dir, name: "mb2-main", flags: cFlags + defines(expect))
        let entry = try Toolchain.nasm(fixture: "multiboot/mb2-entry.asm", in: dir, name: "mb2-entry", format: "elf32")
        let elf32 = try Toolchain.ld([entry, c], scriptFixture: "multiboot/kernel.ld", in: dir, output: "mb2-32.elf",
                                     emulation: "elf_i386", extra: ldExtra)
        // Most 64-bit hobby kernels are ELF64 files whose first code is 32-bit: the same bytes here.
        let elf64 = dir.file("mb2.elf")
        try mustRun("objcopy", ["-O", "elf64-x86-64", elf32, elf64])
        return elf64
    }

    /// (b): higher-half multiboot1 ELF32 with a physical entry, paging and interrupts of its own.
    public static func higherHalf(in dir: TemporaryDirectory) throws -> String {
        let obj = try Toolchain.nasm(fixture: "multiboot/higher-half.asm", in: dir, name: "mbhh", format: "elf32")
        return try Toolchain.ld([obj], scriptFixture: "multiboot/higher-half.ld", in: dir, output: "mbhh.elf",
                                emulation: "elf_i386", extra: ldExtra)
    }
}
