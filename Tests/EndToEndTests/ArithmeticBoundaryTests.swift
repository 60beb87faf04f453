import Foundation
import Testing
import KImageKit
import TestSupport

/// Addresses at the edges (0, 2^32, 2^47, 2^57, the last page below 2^64) through pack,
/// pagetables and inspect: every run ends in success or a message, never a trap, and leaves its
/// inputs as they were (issue 12).
@Suite struct ArithmeticBoundaryTests {
    static let top: UInt64 = 0xFFFF_FFFF_FFFF_F000
    static let boundaries: [UInt64] = [0, 1 << 32, 1 << 47, 1 << 57, top]

    /// The boundary and the page below it.
    static var addresses: [UInt64] {
        boundaries.flatMap { b in [b == 0 ? nil : b - 0x1000, b].compactMap { $0 } }
    }

    func expectNoTrap(_ r: CommandResult, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!r.timedOut && (r.status == 0 || r.status == 1), "\(what): status \(r.status)\n\(r.stderr.prefix(400))", sourceLocation: sourceLocation)
        if r.status == 1 { #expect(r.stderr.hasPrefix("kimage: error: "), "\(what): \(r.stderr.prefix(400))", sourceLocation: sourceLocation) }
        #expect(!r.stderr.contains("Swift runtime failure"), "\(what)", sourceLocation: sourceLocation)
    }

    func write(_ bytes: [UInt8], _ path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test func theIssuesCasesAreErrorsNamingTheField() throws {
        let dir = try TemporaryDirectory("kimage-arith")
        let low = HostileELF.Segment(virtualAddress: 0xFFFF_FFFF_8000_0000, physicalAddress: 0x20_0000, fileSize: 0x1000)
        let cases: [(String, [UInt8])] = [
            ("exec", HostileELF.elf64([HostileELF.Segment(virtualAddress: Self.top, physicalAddress: 0x20_0000, fileSize: 0x1000)], entry: Self.top + 0x10)),
            ("entry", HostileELF.elf64([low, HostileELF.Segment(flags: 6, virtualAddress: Self.top, physicalAddress: 0x30_0000)], entry: Self.top + 8)),
            ("rw16", HostileELF.elf64([low, HostileELF.Segment(flags: 6, virtualAddress: 0xFFFF_FFFF_FFFF_FFF0, physicalAddress: 0x30_0FF0)], entry: low.virtualAddress)),
        ]
        for (name, bytes) in cases {
            let path = dir.file(name + ".elf")
            try write(bytes, path)
            let r = try kimage(["pack", "--kernel", path, "-o", dir.file(name + ".img")])
            #expect(r.status == 1 && r.stderr.contains("which reach the last 4 KiB page of the 64-bit address space"), "\(name): \(r.stderr)")
            #expect(try contentsOf(path) == bytes)
            #expect(!FileManager.default.fileExists(atPath: dir.file(name + ".img")))
        }
        for mode in ["32", "pae", "4level", "5level"] {
            for format in ["bin", "nasm", "gas", "c", "json", "summary"] {
                let r = try kimage(["pagetables", "--mode", mode, "--identity", "0+4M", "--base", "0xFFFFFFFFFFFFF000", "--format", format, "-o", dir.file("t")])
                #expect(r.status == 1 && r.stderr.contains("tables at base 0xfffffffffffff000 lie beyond"), "\(mode) \(format): \(r.stderr)")
            }
        }
    }

    @Test func packPagetablesAndInspectWalkTheAddressBoundaries() throws {
        let dir = try TemporaryDirectory("kimage-arith")
        for (i, address) in Self.addresses.enumerated() {
            let page = address & ~0xFFF
            let bytes = HostileELF.elf64([HostileELF.Segment(flags: 7, virtualAddress: page, physicalAddress: 0x20_0000, fileSize: 0x800, memorySize: 0x1000)], entry: page)
            let path = dir.file("k\(i).elf")
            try write(bytes, path)
            expectNoTrap(try kimage(["pack", "--kernel", path, "-o", dir.file("k\(i).img")]), "pack at \(hex(address))")
            expectNoTrap(try kimage(["inspect", path]), "inspect at \(hex(address))")
            expectNoTrap(try kimage(["inspect", path, "--json"]), "inspect --json at \(hex(address))")
            #expect(try contentsOf(path) == bytes)
            for mode in ["32", "pae", "4level", "5level"] {
                for args in [["--map", "\(hex(page))=0x200000+4K"], ["--map", "0x0=\(hex(page))+4K"],
                             ["--identity", "0+2M", "--base", hex(page)], ["--from-elf", path]] {
                    var a = ["pagetables", "--mode", mode] + args
                    if !args.contains("--base") { a += ["--base", "0x100000"] }
                    expectNoTrap(try kimage(a + ["--format", "json"]), a.joined(separator: " "))
                }
            }
        }
    }

    @Test func inspectOfAnImageWhoseBootInfoHoldsAddressesNear2To64() throws {
        let dir = try TemporaryDirectory("kimage-arith")
        let kernel = try RobustnessFixture.kernel(in: dir)
        let r = try kimage(["pack", "--kernel", kernel, "-o", dir.file("k.img")])
        #expect(r.status == 0, "\(r.stderr)")
        let image = try contentsOf(dir.file("k.img"))
        let pm = (Int(image[0x1F1]) + 1) * 512
        guard let info = (pm..<(image.count - 4)).first(where: { image[$0..<($0 + 4)] == [0x4B, 0x49, 0x4D, 0x47][...] }) else {
            Issue.record("no boot info in the image"); return
        }
        // image, kernel start/end, kernel ELF, loader ELF, page tables: (offset, value) pairs.
        let patches: [[(Int, UInt64)]] = [
            [(0x10, Self.top)], [(0x20, 0xFFFF_FFFF_FFFF_FFF0), (0x28, .max)], [(0x30, Self.top), (0x38, 0x2000)],
            [(0x40, .max), (0x48, .max)], [(0x60, Self.top), (0x68, 0x1000)], [(0x60, .max), (0x68, .max)],
        ]
        for (i, patch) in patches.enumerated() {
            var bytes = image
            for (offset, value) in patch {
                for b in 0..<8 { bytes[info + offset + b] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(b))) }
            }
            let path = dir.file("p\(i).img")
            try write(bytes, path)
            expectNoTrap(try kimage(["inspect", path]), "inspect patch \(i)")
            expectNoTrap(try kimage(["inspect", path, "--json"]), "inspect --json patch \(i)")
            #expect(try contentsOf(path) == bytes)
        }
    }
}
