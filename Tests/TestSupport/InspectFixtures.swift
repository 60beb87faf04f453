import Foundation

/// Fixtures `kimage inspect` is tested on, built at test time with fixed addresses and sizes so
/// the diagrams can be compared as text.
public enum InspectFixtures {
    /// An ELF64 kernel at 0xFFFFFFFF80100000 (physical 1 MiB) with three PT_LOAD segments, a gap
    /// in both spaces before the data, and a `.goredirectstbl` of two entries and one spare slot:
    /// legacy_puts -> serial_puts (src not patched) and old_fn -> new_fn (src holds the trampoline).
    /// Tests/Fixtures/inspect/kernel.asm and kernel.ld.
    public static func kernel(in dir: TemporaryDirectory) throws -> String {
        let obj = try Toolchain.nasm(fixture: "inspect/kernel.asm", in: dir, name: "inspect-kernel")
        return try Toolchain.ld([obj], scriptFixture: "inspect/kernel.ld", in: dir, output: "inspect-kernel.elf")
    }

    /// An ELF32 kernel with one segment that is writable and executable.
    public static func rwxKernel(in dir: TemporaryDirectory) throws -> String {
        let obj = try Toolchain.nasm(fixture: "inspect/rwx.asm", in: dir, name: "rwx", format: "elf32")
        return try Toolchain.ld([obj], scriptFixture: "inspect/rwx.ld", in: dir, output: "rwx.elf", emulation: "elf_i386")
    }

    /// The header-only bzImage scripts/gen-bzimage-fixture writes (protocol 2.15, setup_sects 27,
    /// a 64 KiB protected-mode part with an xz payload at +0x400).
    public static func bzImage(in dir: TemporaryDirectory, name: String = "bzImage") throws -> String {
        let out = dir.file(name)
        try mustRun(try requireTool("python3"), [Paths.packageRoot + "/scripts/gen-bzimage-fixture", out])
        return out
    }
}
