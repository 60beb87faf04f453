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

/// Offsets of the fields of an ELF file that readers trust: header, section and program headers.
public enum ELFLayout {
    public static func is64(_ b: [UInt8]) -> Bool { b[4] == 2 }

    public static func read(_ b: [UInt8], _ at: Int, _ width: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in (0..<width).reversed() { v = (v << 8) | UInt64(b[at + i]) }
        return v
    }

    public static func write(_ b: inout [UInt8], _ at: Int, _ width: Int, _ value: UInt64) {
        var v = value
        for i in 0..<width { b[at + i] = UInt8(truncatingIfNeeded: v); v >>= 8 }
    }

    public static func shoff(_ b: [UInt8]) -> Int { Int(is64(b) ? read(b, 40, 8) : read(b, 32, 4)) }
    public static func phoff(_ b: [UInt8]) -> Int { Int(is64(b) ? read(b, 32, 8) : read(b, 28, 4)) }
    public static func shnum(_ b: [UInt8]) -> Int { Int(read(b, is64(b) ? 60 : 48, 2)) }
    public static func phnum(_ b: [UInt8]) -> Int { Int(read(b, is64(b) ? 56 : 44, 2)) }
    public static func shentsize(_ b: [UInt8]) -> Int { is64(b) ? 64 : 40 }
    public static func phentsize(_ b: [UInt8]) -> Int { is64(b) ? 56 : 32 }
    /// File offset of section header `i`.
    public static func section(_ b: [UInt8], _ i: Int) -> Int { shoff(b) + i * shentsize(b) }
    /// File offset of program header `i`.
    public static func segment(_ b: [UInt8], _ i: Int) -> Int { phoff(b) + i * phentsize(b) }

    /// (offset, width) of sh_type, sh_flags, sh_offset, sh_size, sh_link in a section header.
    public static func shField(_ b: [UInt8], _ name: String) -> (Int, Int) {
        let e64 = is64(b)
        switch name {
        case "sh_type": return (4, 4)
        case "sh_flags": return (8, e64 ? 8 : 4)
        case "sh_addr": return e64 ? (16, 8) : (12, 4)
        case "sh_offset": return e64 ? (24, 8) : (16, 4)
        case "sh_size": return e64 ? (32, 8) : (20, 4)
        case "sh_link": return e64 ? (40, 4) : (24, 4)
        case "sh_info": return e64 ? (44, 4) : (28, 4)
        default: fatalError("unknown field \(name)")
        }
    }

    /// Index of the section named `name` (via .shstrtab).
    public static func sectionIndex(_ b: [UInt8], named name: String) -> Int? {
        let strndx = Int(read(b, is64(b) ? 62 : 50, 2))
        let (o, w) = shField(b, "sh_offset")
        let strOff = Int(read(b, section(b, strndx) + o, w))
        for i in 0..<shnum(b) {
            let nameOff = Int(read(b, section(b, i), 4))
            let bytes = b[(strOff + nameOff)...].prefix { $0 != 0 }
            if String(decoding: bytes, as: UTF8.self) == name { return i }
        }
        return nil
    }

    /// Offsets of every header field a reader trusts: for the mutators' `hotOffsets`.
    public static func hotOffsets(_ b: [UInt8]) -> [Int] {
        var result = Array(stride(from: 16, to: is64(b) ? 64 : 52, by: 2))
        for i in 0..<shnum(b) { result += stride(from: section(b, i), to: section(b, i) + shentsize(b), by: 4) }
        for i in 0..<phnum(b) { result += stride(from: segment(b, i), to: segment(b, i) + phentsize(b), by: 4) }
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
