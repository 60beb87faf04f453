import Testing
import Foundation
import KImageKit
import TestSupport

/// redirect writes only inside the section (or symbol) it fills and inside src's bytes: a table
/// or a `.text` whose sh_offset says 0 would otherwise put the table or a trampoline over the ELF
/// header, and the kernel would no longer be an ELF, with exit 0.
@Suite struct RedirectWriteBoundsTests {
    /// Sets `section`'s sh_offset in the ELF64 fixture kernel, as a broken link could write it.
    func setOffset(of section: String, to offset: UInt64, in f: RedirectFixture) throws {
        let listing = try mustRun("readelf", ["-SW", f.kernel]).stdout
        let line = try #require(listing.split(separator: "\n").first { $0.contains(" \(section) ") })
        let index = try #require(Int(line.split(separator: "]").first!.split(separator: "[").last!.trimmingCharacters(in: .whitespaces)))
        var bytes = try contentsOf(f.kernel)
        let shoff = (0..<8).reduce(0) { $0 | Int(bytes[0x28 + $1]) << (8 * $1) }
        let field = shoff + index * 64 + 0x18
        for i in 0..<8 { bytes[field + i] = UInt8(truncatingIfNeeded: offset >> (8 * UInt64(i))) }
        try Data(bytes).write(to: URL(fileURLWithPath: f.kernel))
    }

    @Test func aTableSectionAtFileOffsetZeroIsRefused() throws {
        let f = try RedirectFixture()
        try setOffset(of: ".goredirectstbl", to: 0, in: f)
        _ = try f.manifest("runtime.throw \(RedirectFixture.goPanic)\nruntime.sysReserve \(RedirectFixture.goReserve)\n")
        try expectRedirectFailure(f, ["redirect", "kernel.elf", "--manifest", "redirects.txt"],
                                  ["the redirect table .goredirectstbl would be written at file offset 0x0..0x20", "over the ELF header", "relink it"])
    }

    @Test func aTableSectionOverTheProgramHeadersIsRefused() throws {
        let f = try RedirectFixture()
        try setOffset(of: ".goredirectstbl", to: 0x40, in: f)
        _ = try f.manifest("runtime.throw \(RedirectFixture.goPanic)\nruntime.sysReserve \(RedirectFixture.goReserve)\n")
        try expectRedirectFailure(f, ["redirect", "kernel.elf", "--manifest", "redirects.txt"],
                                  ["would be written at file offset 0x40..0x60", "over the program header table"])
    }

    @Test func patchThroughATextSectionAtFileOffsetZeroIsRefused() throws {
        let f = try RedirectFixture()
        try setOffset(of: ".text", to: 0, in: f)
        _ = try f.manifest("runtime.throw \(RedirectFixture.goPanic)\nruntime.sysReserve \(RedirectFixture.goReserve)\n")
        try expectRedirectFailure(f, ["redirect", "kernel.elf", "--manifest", "redirects.txt", "--patch"],
                                  ["the trampoline of runtime.", "over the ELF header"])
    }

    @Test func aTableOverlappingAnotherSectionIsRefused() throws {
        let f = try RedirectFixture()
        let listing = try mustRun("readelf", ["-SW", f.kernel]).stdout
        let data = try #require(listing.split(separator: "\n").first { $0.contains(" .data ") })
        let cols = data.split(separator: "]").last!.split(separator: " ", omittingEmptySubsequences: true)
        let dataOffset = try #require(UInt64(cols[3], radix: 16))
        try setOffset(of: ".goredirectstbl", to: dataOffset, in: f)
        _ = try f.manifest("runtime.throw \(RedirectFixture.goPanic)\nruntime.sysReserve \(RedirectFixture.goReserve)\n")
        try expectRedirectFailure(f, ["redirect", "kernel.elf", "--manifest", "redirects.txt"],
                                  ["over section .data"])
    }
}
