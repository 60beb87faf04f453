import Foundation

/// Builds fixture kernels from source at test time with nasm, gcc (as) and ld.
public enum Toolchain {
    /// Assembles nasm `source` into an object (format elf32 or elf64); returns its path.
    public static func nasm(_ source: String, in dir: TemporaryDirectory, name: String, format: String = "elf64", defines: [String] = []) throws -> String {
        let src = try dir.write(name + ".asm", source)
        let obj = dir.file(name + ".o")
        try mustRun("nasm", ["-f", format] + defines.map { "-d" + $0 } + ["-o", obj, src])
        return obj
    }

    /// Assembles GNU as `source` (--32 for i386); returns the object's path.
    public static func gas(_ source: String, in dir: TemporaryDirectory, name: String, bits32: Bool = false) throws -> String {
        let src = try dir.write(name + ".s", source)
        let obj = dir.file(name + ".o")
        try mustRun("as", (bits32 ? ["--32"] : ["--64"]) + ["-o", obj, src])
        return obj
    }

    /// Compiles freestanding C; returns the object's path.
    public static func gcc(_ source: String, in dir: TemporaryDirectory, name: String, flags: [String]) throws -> String {
        let src = try dir.write(name + ".c", source)
        let obj = dir.file(name + ".o")
        try mustRun("gcc", ["-c", "-ffreestanding", "-fno-pic", "-fno-stack-protector", "-nostdlib", "-O1"] + flags + ["-o", obj, src])
        return obj
    }

    /// Links objects with a linker script (text) into an ELF; returns its path.
    public static func ld(_ objects: [String], script: String?, in dir: TemporaryDirectory, output: String, emulation: String = "elf_x86_64", extra: [String] = []) throws -> String {
        var args = ["-m", emulation, "-nostdlib", "-z", "noexecstack", "--no-warn-rwx-segments"]
        if let script { args += ["-T", try dir.write(output + ".ld", script)] }
        let out = dir.file(output)
        try mustRun("ld", args + extra + ["-o", out] + objects)
        return out
    }
}
