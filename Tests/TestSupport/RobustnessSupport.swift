import Foundation

/// A seeded generator (SplitMix64): mutation tests are the same on every run and machine.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Damaged copies of a file: what an interrupted build, a bad disk or a hostile linker produces.
public enum Mutator {
    /// `count` mutants of `original`: truncations, flipped bytes, and header fields (offsets,
    /// sizes, counts) set to boundary values, which is where readers trust the file.
    public static func mutants(of original: [UInt8], count: Int, seed: UInt64, hotOffsets: [Int] = []) -> [[UInt8]] {
        var rng = SeededGenerator(seed: seed)
        var result: [[UInt8]] = []
        let boundaries: [UInt64] = [0, 1, 0x7F, 0x80, 0xFF, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF, UInt64(original.count), UInt64(original.count) - 1]
        for n in 0..<count {
            var m = original
            switch n % 4 {
            case 0:
                // Truncated anywhere, most often early, where the headers are.
                let cut = Bool.random(using: &rng) ? Int.random(in: 0..<min(512, original.count), using: &rng)
                                                   : Int.random(in: 0..<original.count, using: &rng)
                m.removeSubrange(cut...)
            case 1:
                // A few random bytes flipped.
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    let at = Int.random(in: 0..<m.count, using: &rng)
                    m[at] ^= UInt8.random(in: 1...255, using: &rng)
                }
            case 2:
                // A field near a hot offset (header fields) set to a boundary value.
                let base = hotOffsets.isEmpty ? Int.random(in: 0..<min(64, m.count), using: &rng) : hotOffsets.randomElement(using: &rng)!
                let width = [1, 2, 4, 8].randomElement(using: &rng)!
                let at = max(0, min(m.count - width, base + Int.random(in: -8...8, using: &rng)))
                var v = boundaries.randomElement(using: &rng)!
                for i in 0..<width where at + i < m.count {
                    m[at + i] = UInt8(truncatingIfNeeded: v)
                    v >>= 8
                }
            default:
                // Flips in the first 64 bytes plus a truncation: several faults at once.
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    let at = Int.random(in: 0..<min(64, m.count), using: &rng)
                    m[at] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
                }
                if m.count > 1 { m.removeSubrange(Int.random(in: m.count / 2..<m.count, using: &rng)...) }
            }
            result.append(m)
        }
        return result
    }
}

/// Where an ELF file's header tables lie, as readelf (an independent reader) reports them: the
/// places tests damage. Offsets of fields inside a header come from KImageKit's declarations.
public struct ELFHeaderTables: Sendable {
    public let is64: Bool
    public let sectionHeaders: Int, sectionHeaderSize: Int, sectionCount: Int
    public let programHeaders: Int, programHeaderSize: Int, segmentCount: Int
    /// Each named section's index and sh_offset.
    public let sections: [String: (index: Int, offset: Int)]

    public init(path: String) throws {
        let out = try mustRun("readelf", ["-hSW", path]).stdout
        func number(_ label: String) throws -> Int {
            guard let line = out.split(separator: "\n").first(where: { $0.contains(label + ":") }),
                  let n = Int(line.split(separator: ":")[1].split(separator: " ")[0]) else {
                throw TestSetupError("readelf -h of \(path) shows no \(label)")
            }
            return n
        }
        is64 = out.contains("Class:                             ELF64")
        sectionHeaders = try number("Start of section headers")
        sectionHeaderSize = try number("Size of section headers")
        sectionCount = try number("Number of section headers")
        programHeaders = try number("Start of program headers")
        programHeaderSize = try number("Size of program headers")
        segmentCount = try number("Number of program headers")
        // "  [ 5] .symtab   SYMTAB   0000000000000000 003008 000168 ...": index, name, type, address, offset.
        var sections: [String: (index: Int, offset: Int)] = [:]
        for line in out.split(separator: "\n") {
            guard let open = line.firstIndex(of: "["), let close = line.firstIndex(of: "]"),
                  let index = Int(line[line.index(after: open)..<close].trimmingCharacters(in: .whitespaces)), index > 0 else { continue }
            let columns = line[line.index(after: close)...].split(separator: " ")
            guard columns.count >= 4, let offset = Int(columns[3], radix: 16) else { continue }
            sections[String(columns[0])] = (index, offset)
        }
        self.sections = sections
    }

    /// File offset of section header `i`.
    public func sectionHeader(_ i: Int) -> Int { sectionHeaders + i * sectionHeaderSize }
    /// File offset of program header `i`.
    public func programHeader(_ i: Int) -> Int { programHeaders + i * programHeaderSize }

    /// Offsets of every header field a reader trusts: for the mutators' `hotOffsets`.
    public var hotOffsets: [Int] {
        var result = Array(stride(from: 16, to: is64 ? 64 : 52, by: 2))
        for i in 0..<sectionCount { result += stride(from: sectionHeader(i), to: sectionHeader(i) + sectionHeaderSize, by: 4) }
        for i in 0..<segmentCount { result += stride(from: programHeader(i), to: programHeader(i) + programHeaderSize, by: 4) }
        return result
    }
}

/// A small kernel for the robustness tests: `_start`, four 16-byte functions, a two-slot
/// `.goredirectstbl`, data and bss, linked at 2 MiB so `pack` accepts it. Built with GNU as from
/// Tests/Fixtures/robustness/kernel.s, which the fuzz seeds are built from too.
public enum RobustnessFixture {
    public static let manifest = "runtime.throw kern.Panic\nruntime.other kern.Other\n"

    public static func kernel(in dir: TemporaryDirectory, bits32: Bool = false, name: String = "kernel.elf", padding: Int = 0) throws -> String {
        let obj = try Toolchain.gas(fixture: "robustness/kernel.s", in: dir, name: name + "-src", bits32: bits32,
                                    defines: padding > 0 ? [".LPADDING=\(padding)"] : [])
        let out = try Toolchain.ld([obj], script: nil, in: dir, output: name, emulation: bits32 ? "elf_i386" : "elf_x86_64",
                                   extra: ["-z", "max-page-size=4096", "-Ttext=0x200000", "-e", "_start"])
        try? FileManager.default.removeItem(atPath: dir.file(name + "-src.o"))
        return out
    }
}
