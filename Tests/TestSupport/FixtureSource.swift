import Foundation

/// The fixture kernels' sources: files under Tests/Fixtures/ (assembly, C, linker scripts), built
/// at test time where they lie through Tests/Fixtures/build, so each can also be built and read on
/// its own. What varies per test comes in as defines (-d / -D / --defsym), never by splicing text.
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

    /// The one fixture builder (nasm, as, gcc, ld with the flags every fixture gets): tests, fuzz
    /// seeds and bench inputs build through it. It builds a source in the source's directory and
    /// names it relatively, so the object (its STT_FILE symbol) is the same in every checkout.
    public static var builder: String { directory + "/build" }

    public static func text(_ name: String) throws -> String {
        try String(contentsOfFile: try path(name), encoding: .utf8)
    }
}

extension Toolchain {
    /// Assembles the fixture file `fixture` with nasm; `includes` are %include directories (-I).
    public static func nasm(fixture: String, in dir: TemporaryDirectory, name: String, format: String = "elf64",
                            defines: [String] = [], includes: [String] = []) throws -> String {
        let obj = dir.file(name + (format == "bin" ? ".bin" : ".o"))
        try build("nasm", [try FixtureSource.path(fixture), obj, "-f", format] + defines.map { "-d" + $0 }
                          + includes.map { "-I" + $0 + "/" })
        return obj
    }

    /// Assembles the GNU as fixture file `fixture` (--32 for i386). `defines` ("NAME=VALUE") go in
    /// as --defsym; name them .L... so they stay out of the object's symbol table.
    public static func gas(fixture: String, in dir: TemporaryDirectory, name: String, bits32: Bool = false,
                           defines: [String] = [], includes: [String] = []) throws -> String {
        let obj = dir.file(name + ".o")
        try build("as", [try FixtureSource.path(fixture), obj, bits32 ? "--32" : "--64"]
                        + defines.flatMap { ["--defsym", $0] } + includes.flatMap { ["-I", $0] })
        return obj
    }

    /// Compiles the freestanding C fixture file `fixture`.
    public static func gcc(fixture: String, in dir: TemporaryDirectory, name: String, flags: [String]) throws -> String {
        let obj = dir.file(name + ".o")
        try build("gcc", [try FixtureSource.path(fixture), obj] + flags)
        return obj
    }

    /// Links objects with the fixture linker script `scriptFixture`.
    public static func ld(_ objects: [String], scriptFixture: String, in dir: TemporaryDirectory, output: String,
                          emulation: String = "elf_x86_64", extra: [String] = []) throws -> String {
        let out = dir.file(output)
        try build("ld", [out, "-m", emulation, "-T", try FixtureSource.path(scriptFixture)] + extra + objects)
        return out
    }
}
