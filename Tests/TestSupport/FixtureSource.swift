import Foundation

/// The fixture kernels' sources: files under Tests/Fixtures/ (assembly, C, linker scripts), built
/// at test time where they lie, so each can also be assembled and read on its own. What varies
/// per test comes in as defines (-d / -D), never by splicing text.
public enum FixtureSource {
    public static var directory: String { Paths.packageRoot + "/Tests/Fixtures" }

    /// The path of `name` ("paging/kernel.asm"); a missing file is a broken checkout, not a skip.
    public static func path(_ name: String) throws -> String {
        let p = directory + "/" + name
        guard FileManager.default.fileExists(atPath: p) else {
            throw TestSetupError("fixture source \(p) is missing; expected it in the checkout (Tests/Fixtures/)")
        }
        return p
    }

    /// The fixture's directory and its file name in it.
    static func split(_ name: String) throws -> (directory: String, file: String) {
        let p = try path(name)
        return ((p as NSString).deletingLastPathComponent, (p as NSString).lastPathComponent)
    }

    public static func text(_ name: String) throws -> String {
        try String(contentsOfFile: try path(name), encoding: .utf8)
    }
}

extension Toolchain {
    /// Assembles the fixture file `fixture` with nasm. It runs in the file's directory and names
    /// the file relatively, so the object (its STT_FILE symbol) is the same in every checkout.
    /// `includes` are %include directories (-I).
    public static func nasm(fixture: String, in dir: TemporaryDirectory, name: String, format: String = "elf64",
                            defines: [String] = [], includes: [String] = []) throws -> String {
        let (directory, file) = try FixtureSource.split(fixture)
        let obj = dir.file(name + (format == "bin" ? ".bin" : ".o"))
        try mustRun("nasm", ["-f", format] + defines.map { "-d" + $0 } + includes.map { "-I" + $0 } + ["-o", obj, file],
                    cwd: directory)
        return obj
    }

    /// Assembles the GNU as fixture file `fixture` (--32 for i386). `defines` ("NAME=VALUE") go in
    /// as --defsym; name them .L... so they stay out of the object's symbol table.
    public static func gas(fixture: String, in dir: TemporaryDirectory, name: String, bits32: Bool = false,
                           defines: [String] = []) throws -> String {
        let (directory, file) = try FixtureSource.split(fixture)
        let obj = dir.file(name + ".o")
        try mustRun("as", (bits32 ? ["--32"] : ["--64"]) + defines.flatMap { ["--defsym", $0] } + ["-o", obj, file],
                    cwd: directory)
        return obj
    }

    /// Compiles the freestanding C fixture file `fixture`.
    public static func gcc(fixture: String, in dir: TemporaryDirectory, name: String, flags: [String]) throws -> String {
        let (directory, file) = try FixtureSource.split(fixture)
        let obj = dir.file(name + ".o")
        try mustRun("gcc", ["-c", "-ffreestanding", "-fno-pic", "-fno-stack-protector", "-nostdlib", "-O1"] + flags
                        + ["-o", obj, file], cwd: directory)
        return obj
    }

    /// Links objects with the fixture linker script `scriptFixture`.
    public static func ld(_ objects: [String], scriptFixture: String, in dir: TemporaryDirectory, output: String,
                          emulation: String = "elf_x86_64", extra: [String] = []) throws -> String {
        let out = dir.file(output)
        try mustRun("ld", ["-m", emulation, "-nostdlib", "-z", "noexecstack", "--no-warn-rwx-segments",
                           "-T", try FixtureSource.path(scriptFixture)] + extra + ["-o", out] + objects)
        return out
    }
}
