import Foundation

/// Fixtures `kimage inspect` is tested on, built at test time with fixed addresses and sizes so
/// the diagrams can be compared as text.
public enum InspectFixtures {
    /// An ELF64 kernel at 0xFFFFFFFF80100000 (physical 1 MiB) with three PT_LOAD segments, a gap
    /// in both spaces before the data, and a `.goredirectstbl` of two entries and one spare slot:
    /// legacy_puts -> serial_puts (src not patched) and old_fn -> new_fn (src holds the trampoline).
    public static let kernelSource = """
        bits 64
        section .text
        global _start
        global legacy_puts
        global serial_puts
        global old_fn
        global new_fn
        _start: jmp _start
        align 16
        legacy_puts: times 16 db 0x90
        serial_puts: ret
        align 16
        old_fn: db 0xFF, 0x25, 0, 0, 0, 0
                dq new_fn
        align 16
        new_fn: ret
        times 0x80-($-$$) db 0xCC
        section .rodata
        msg: times 0x20 db 'r'
        section .data
        value: times 0x10 db 1
        section .goredirectstbl progbits alloc write noexec align=8
        dq legacy_puts, serial_puts
        dq old_fn, new_fn
        dq 0, 0
        section .bss nobits alloc write
        buf: resb 0x3000
        """

    public static let kernelScript = """
        ENTRY(_start)
        PHDRS { text PT_LOAD FLAGS(5); rodata PT_LOAD FLAGS(4); data PT_LOAD FLAGS(6); }
        SECTIONS {
          . = 0xFFFFFFFF80100000;
          .text : AT(0x100000) { *(.text) } :text
          . = 0xFFFFFFFF80101000;
          .rodata : AT(0x101000) { *(.rodata) } :rodata
          . = 0xFFFFFFFF80104000;
          .data : AT(0x200000) { *(.data) } :data
          .goredirectstbl : { *(.goredirectstbl) } :data
          .bss : { *(.bss) } :data
        }
        """

    public static func kernel(in dir: TemporaryDirectory) throws -> String {
        let obj = try Toolchain.nasm(kernelSource, in: dir, name: "inspect-kernel")
        return try Toolchain.ld([obj], script: kernelScript, in: dir, output: "inspect-kernel.elf")
    }

    /// An ELF32 kernel with one segment that is writable and executable.
    public static func rwxKernel(in dir: TemporaryDirectory) throws -> String {
        let obj = try Toolchain.nasm("""
            bits 32
            section .text progbits alloc exec write
            global _start
            _start: jmp _start
            times 0x40-($-$$) db 0x90
            """, in: dir, name: "rwx", format: "elf32")
        return try Toolchain.ld([obj], script: """
            ENTRY(_start)
            PHDRS { all PT_LOAD FLAGS(7); }
            SECTIONS { . = 0xC0100000; .text : AT(0x100000) { *(.text) } :all }
            """, in: dir, output: "rwx.elf", emulation: "elf_i386")
    }

    /// The header-only bzImage scripts/gen-bzimage-fixture writes (protocol 2.15, setup_sects 27,
    /// a 64 KiB protected-mode part with an xz payload at +0x400).
    public static func bzImage(in dir: TemporaryDirectory, name: String = "bzImage") throws -> String {
        let out = dir.file(name)
        try mustRun(try requireTool("python3"), [Paths.packageRoot + "/scripts/gen-bzimage-fixture", out])
        return out
    }
}
