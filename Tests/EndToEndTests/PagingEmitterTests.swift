import Foundation
import Testing
import KImageKit
import TestSupport

/// The nasm, gas and C outputs assembled or compiled by the real tools, their table bytes
/// extracted with objcopy, and compared byte for byte with the bin blob built for the same base.
@Suite struct PagingEmitterTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let arguments: [String]
        let base: UInt64
        let linkOffset: UInt64
        let elf64: Bool
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "gopher-os 4level", arguments: ["--mode", "4level", "--identity", "0+8M", "--higher-half", "0xFFFF800000000000+8M",
                                                  "--page-size", "2M", "--recursive", "511"],
             base: 0x10_0000, linkOffset: 0xFFFF_FFFF_8000_0000, elf64: true),
        Case(name: "Emerald 4level 4K", arguments: ["--mode", "4level", "--identity", "0+2M:rx", "--map", "0xFFFF_FFFF_8000_0000=0+6M:rw",
                                                   "--map", "0xFFFF_FFFF_8060_0000=0x600000+16K:rx,g", "--page-size", "4K", "--recursive", "510"],
             base: 0x20_0000, linkOffset: 0xFFFF_FFFF_8000_0000, elf64: true),
        Case(name: "Jinue 32", arguments: ["--mode", "32", "--identity", "0+1M:rw", "--identity", "0x100000+0x1A000:rx",
                                          "--identity", "0x1000000+12M:rw", "--map", "0xC0000000=0x100000+0x1A000:rx",
                                          "--map", "0xC001A000=0x140000+0x3000:rw,uc", "--recursive", "1023"],
             base: 0x20_0000, linkOffset: 0xC000_0000, elf64: false),
        Case(name: "Jinue pae", arguments: ["--mode", "pae", "--identity", "0+1M:rw", "--identity", "0x100000+0x1A000:rx",
                                           "--identity", "0x1000000+12M:rwu", "--map", "0xC0000000=0x100000+0x1A000:rx",
                                           "--map", "0xC001A000=0x140000+0x3000:rw,wt"],
             base: 0x30_0000, linkOffset: 0xC000_0000, elf64: false),
        Case(name: "5level 1G", arguments: ["--mode", "5level", "--identity", "0+4G", "--higher-half", "0xFF00000000000000+1G:rw",
                                           "--page-size", "1G", "--recursive", "510"],
             base: 0x40_0000, linkOffset: 0, elf64: false),
    ]

    /// The mappings the case declares, as the CPU will see them (mode 32: all executable).
    static func declared(_ c: Case) throws -> (PagingMode, [Mapping]) {
        var mode = PagingMode.fourLevel
        var out: [Mapping] = []
        var i = 0
        while i + 1 < c.arguments.count {
            let value = c.arguments[i + 1]
            switch c.arguments[i] {
            case "--mode": mode = try PagingMode(parsing: value)
            case "--identity": out.append(try MappingSpec.parse(value, as: .identity))
            case "--map": out.append(try MappingSpec.parse(value, as: .map))
            case "--higher-half": out.append(try MappingSpec.parse(value, as: .higherHalf))
            default: break
            }
            i += 2
        }
        return (mode, Mapping.coalesced(out.map { var m = $0; m.flags = m.flags.effective(in: mode); return m }))
    }

    /// Walks extracted table bytes: the declared mappings must come back out.
    static func expectWalksBack(_ bytes: [UInt8], _ c: Case) throws {
        let (mode, want) = try declared(c)
        #expect(try PageTableWalker.walk(bytes: bytes, mode: mode, base: c.base) == want)
    }

    static func blob(_ c: Case, in dir: TemporaryDirectory) throws -> [UInt8] {
        let path = dir.file("tables.bin")
        try mustRun(Paths.kimage, ["pagetables"] + c.arguments + ["--base", hex(c.base), "--format", "bin", "-o", path])
        return try contentsOf(path)
    }

    static func emit(_ c: Case, _ format: String, to path: String) throws {
        try mustRun(Paths.kimage, ["pagetables"] + c.arguments + ["--base", hex(c.base), "--link-offset", hex(c.linkOffset),
                                                                  "--format", format, "-o", path])
    }

    /// Links `object` with its .tables section at link address base + linkOffset, loaded at base,
    /// and returns that section's bytes.
    static func tableBytes(_ object: String, _ c: Case, in dir: TemporaryDirectory) throws -> [UInt8] {
        let elf = try Toolchain.ld([object], scriptFixture: "paging-emitters/tables.ld", in: dir, output: "tables.elf",
                                   emulation: c.elf64 ? "elf_x86_64" : "elf_i386",
                                   extra: ["--defsym", "LINK_ADDRESS=" + hex(c.base &+ c.linkOffset), "--defsym", "LOAD_ADDRESS=" + hex(c.base)])
        let out = dir.file("extracted.bin")
        try mustRun("objcopy", ["-O", "binary", "-j", ".tables", elf, out])
        return try contentsOf(out)
    }

    @Test(arguments: cases)
    func nasm(c: Case) throws {
        let dir = try TemporaryDirectory()
        let want = try Self.blob(c, in: dir)
        try Self.emit(c, "nasm", to: dir.file("tables.inc"))
        let obj = try Toolchain.nasm(fixture: "paging-emitters/emitted.asm", in: dir, name: "t", format: c.elf64 ? "elf64" : "elf32",
                                     includes: [dir.path])
        let got = try Self.tableBytes(obj, c, in: dir)
        #expect(got.count == want.count)
        #expect(got == want)
        try Self.expectWalksBack(got, c)
        // The CR3 symbol is the physical address of the top table.
        let symbols = try mustRun("nm", [dir.file("tables.elf")]).stdout
        let cr3 = symbols.split(separator: "\n").first { $0.hasSuffix(" kimage_pt_cr3") }
        #expect(cr3?.hasPrefix(String(c.base, radix: 16).leftPadded(c.elf64 ? 16 : 8) + " ") == true, "\(symbols)")
    }

    @Test(arguments: cases)
    func gas(c: Case) throws {
        let dir = try TemporaryDirectory()
        let want = try Self.blob(c, in: dir)
        try Self.emit(c, "gas", to: dir.file("tables.s"))
        let obj = try Toolchain.gas(fixture: "paging-emitters/emitted.s", in: dir, name: "t", bits32: !c.elf64, includes: [dir.path])
        let got = try Self.tableBytes(obj, c, in: dir)
        #expect(got == want)
        try Self.expectWalksBack(got, c)
    }

    @Test(arguments: cases)
    func c(c: Case) throws {
        let dir = try TemporaryDirectory()
        let want = try Self.blob(c, in: dir)
        try Self.emit(c, "c", to: dir.file("tables.c"))
        let source = try String(contentsOfFile: dir.file("tables.c"), encoding: .utf8)
        let obj = try Toolchain.gcc(source, in: dir, name: "t", flags: ["-std=c11", "-Wall", "-Werror"])
        let out = dir.file("data.bin")
        try mustRun("objcopy", ["-O", "binary", "-j", ".data", obj, out])
        let got = try contentsOf(out)
        #expect(got == want)
        try Self.expectWalksBack(got, c)
        // 4096-aligned: the section's alignment as readelf reports it.
        let sections = try mustRun("readelf", ["-SW", obj]).stdout
        let dataLine = sections.split(separator: "\n").first { $0.contains(" .data ") } ?? ""
        #expect(dataLine.hasSuffix(" 4096"), "\(dataLine)")
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
