import Foundation

/// Builds fixture kernels at test time with nasm, GNU as, gcc and ld, always through the one
/// fixture builder Tests/Fixtures/build (which the fuzz seeds and the bench inputs use too), so
/// every fixture gets the same flags. Files under Tests/Fixtures take FixtureSource.swift's
/// `fixture:` forms; these take text a test made (a template, an emitter's output).
public enum Toolchain {
    /// Runs the fixture builder: `tool` (nasm, as, gcc or ld) and its arguments.
    static func build(_ tool: String, _ arguments: [String]) throws {
        try mustRun(FixtureSource.builder, [tool] + arguments)
    }

    /// Assembles nasm `source` into an object (format elf32 or elf64); returns its path.
    public static func nasm(_ source: String, in dir: TemporaryDirectory, name: String, format: String = "elf64", defines: [String] = []) throws -> String {
        let src = try dir.write(name + ".asm", source)
        let obj = dir.file(name + ".o")
        try build("nasm", [src, obj, "-f", format] + defines.map { "-d" + $0 })
        return obj
    }

    /// Assembles GNU as `source` (--32 for i386); returns the object's path.
    public static func gas(_ source: String, in dir: TemporaryDirectory, name: String, bits32: Bool = false) throws -> String {
        let src = try dir.write(name + ".s", source)
        let obj = dir.file(name + ".o")
        try build("as", [src, obj, bits32 ? "--32" : "--64"])
        return obj
    }

    /// Compiles freestanding C; returns the object's path.
    public static func gcc(_ source: String, in dir: TemporaryDirectory, name: String, flags: [String]) throws -> String {
        let src = try dir.write(name + ".c", source)
        let obj = dir.file(name + ".o")
        try build("gcc", [src, obj] + flags)
        return obj
    }

    /// Links objects with a linker script (text; nil: ld's default) into an ELF; returns its path.
    public static func ld(_ objects: [String], script: String?, in dir: TemporaryDirectory, output: String, emulation: String = "elf_x86_64", extra: [String] = []) throws -> String {
        let scriptArguments = try script.map { ["-T", try dir.write(output + ".ld", $0)] } ?? []
        let out = dir.file(output)
        try build("ld", [out, "-m", emulation] + scriptArguments + extra + objects)
        return out
    }
}
