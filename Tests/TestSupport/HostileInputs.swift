import Foundation

/// Structurally valid but hostile inputs made from a seed, for the seeded hostile-input suite
/// (issue 12): header fields a linker could write set to the values that break arithmetic and
/// bounds (address-space edges, sizes near 2^32 and 2^64, counts and offsets past the end),
/// shared tables, long and odd names, odd file types in Go trees. The same seed gives the same
/// bytes on every machine (SeededGenerator).
public struct HostileInputs {
    public var rng: SeededGenerator
    public init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    /// Addresses at the edges of every paging mode's reach.
    public static let addresses: [UInt64] = [
        0, 0x1000, 0x10_0000, 0x20_0000, 0xFFFF_F000, 1 << 32, (1 << 47) - 0x1000, 1 << 47, (1 << 56) - 0x1000,
        (1 << 57) - 0x1000, 0xFFFF_8000_0000_0000, 0xFFFF_FFFF_8000_0000, 0xFFFF_FFFF_FFFF_F000, 0xFF00_0000_0000_0000,
    ]
    /// Sizes around page, 2 MiB, 4 GiB and 2^64 boundaries.
    public static let sizes: [UInt64] = [
        0, 1, 0x10, 0xFFF, 0x1000, 0x1001, 0x20_0000, 0x20_1000, 0xFFFF_FFFF, 1 << 32, 1 << 40, 1 << 46, 0x7FFF_FFFF_FFFF_F000, 0xFFFF_FFFF_FFFF_F000, .max,
    ]

    mutating func pick<T>(_ values: [T]) -> T { values.randomElement(using: &rng)! }
    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &rng) < percent }
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    /// A boundary value, a near-boundary one, or an ordinary one.
    mutating func address() -> UInt64 {
        switch int(0...3) {
        case 0: return pick(Self.addresses)
        case 1: return pick(Self.addresses) &+ UInt64(bitPattern: Int64(int(-2...2))) &* 0x1000
        case 2: return 0x20_0000 + UInt64(int(0...64)) * 0x1000
        default: return UInt64.random(in: 0...UInt64.max, using: &rng) & ~0xFFF
        }
    }
    mutating func size() -> UInt64 { chance(60) ? pick(Self.sizes) : UInt64(int(0...0x10000)) }

    // MARK: ELF

    /// An ELF64 kernel: LOAD segments at edge addresses, sections whose names, offsets, links and
    /// sizes may point anywhere, a symbol table with shared and long names, maybe a redirect
    /// table naming edge addresses, and now and then a header field set to a boundary.
    public mutating func elf() -> [UInt8] {
        var b = HostileELF.Builder(entry: 0x20_0000)
        let code = b.append([UInt8](repeating: 0xF4, count: 0x100))
        var names: [UInt8] = [0] + Array(".text\0.shstrtab\0.symtab\0.strtab\0.goredirectstbl\0.data\0".utf8)
        let long = UInt32(names.count)
        names += [UInt8](repeating: 0x6E, count: int(0...3) == 0 ? 70_000 : 40) + [0]
        let nameOffsets: [UInt32] = [0, 1, 7, 17, 25, 33, 49, long, long + 5, UInt32(names.count), UInt32(names.count + 100), .max]

        for _ in 0..<int(0...5) {
            let va = chance(50) ? 0x20_0000 + UInt64(int(0...16)) * 0x1000 : address()
            let pa = chance(50) ? va : (chance(50) ? address() : va &+ 0x1000)
            let filesz = UInt64(pick([0, 0x10, 0x100]))
            let memsz = chance(50) ? filesz : max(filesz, size())
            b.segments.append(.init(type: chance(90) ? 1 : UInt32(int(0...7)), flags: UInt32(int(0...7)),
                                    offset: chance(85) ? code : pick([0, 0x40, UInt64.max - 0xF, 1 << 40]),
                                    virtualAddress: va, physicalAddress: pa, fileSize: filesz, memorySize: memsz,
                                    alignment: pick([0, 1, 0x1000, 0x20_0000, 0x1001])))
        }
        let textAddress = b.segments.first?.virtualAddress ?? 0x20_0000
        b.sections.append(.init(name: 1, type: 1, flags: 6, address: textAddress, offset: code, size: 0x100))
        let shstr = b.append(names)
        b.sections.append(.init(name: 7, type: 3, offset: shstr, size: UInt64(names.count)))
        b.sectionNameTable = 2
        if chance(70) {
            // Symbols: some share the long name, some name edge addresses, some repeat.
            let strings: [UInt8] = [0] + Array("_start\0runtime.throw\0kern.Panic\0".utf8) + [UInt8](repeating: 0x73, count: 4000) + [0]
            var table = [UInt8](repeating: 0, count: 24)
            for i in 0..<int(0...200) {
                let name: UInt32 = pick([1, 8, 22, 33, 33, UInt32(strings.count - 1), UInt32(strings.count), 40])
                let value = chance(60) ? textAddress + UInt64(i % 16) * 16 : address()
                table += HostileELF.Builder.symbol(name: name, value: value, size: pick([0, 16, 0x1000, .max]),
                                                   type: UInt8(pick([0, 1, 2, 2, 3, 4, 6])), binding: UInt8(pick([0, 1, 2])),
                                                   section: UInt16(pick([0, 1, 1, 2, 0xFFF1, 0xFFF2, 0xFFFF])))
            }
            let sym = b.append(table), str = b.append(strings)
            b.sections.append(.init(name: 17, type: chance(90) ? 2 : 11, offset: sym, size: UInt64(table.count) - UInt64(chance(10) ? 5 : 0),
                                    link: chance(90) ? 4 : UInt32(int(0...9)), info: 1, entrySize: 24))
            b.sections.append(.init(name: 25, type: 3, offset: str, size: UInt64(strings.count) - UInt64(chance(10) ? 1 : 0)))
        }
        if chance(60) {
            var table: [UInt8] = []
            for _ in 0..<int(0...4) {
                HostileELF.Builder.le(chance(50) ? textAddress + 0x10 : address(), 8, &table)
                HostileELF.Builder.le(chance(50) ? textAddress + 0x20 : address(), 8, &table)
            }
            let t = b.append(table)
            b.sections.append(.init(name: 33, type: chance(80) ? 1 : 8, flags: 3, address: address(),
                                    offset: chance(80) ? t : pick([0, 0x40]), size: UInt64(table.count)))
        }
        for _ in 0..<int(0...3) {
            b.sections.append(.init(name: pick(nameOffsets), type: UInt32(pick([0, 1, 3, 8, 7, 0x6FFF_FFFF])), flags: UInt64(int(0...7)),
                                    address: address(), offset: pick([0, 0x40, code, 1 << 32]), size: size(),
                                    link: UInt32(pick([0, 1, 2, 9, 0xFFFF])), entrySize: pick([0, 24, 1 << 40])))
        }
        if chance(10) {
            // Many headers naming the long string.
            for _ in 0..<int(1000...5000) { b.sections.append(.init(name: long, type: 1, offset: code, size: 0)) }
        }
        b.entry = chance(70) ? textAddress : address()
        var out = b.bytes()
        if chance(25) {
            // One ELF header field (phoff, shoff, counts, shstrndx) at a boundary.
            let (at, width) = pick([(32, 8), (40, 8), (56, 2), (60, 2), (62, 2), (54, 2), (58, 2)])
            HostileELF.Builder.le(pick([0, 1, 0xFFFF, UInt64(out.count), UInt64(out.count - 8), .max]), width, &out, at: at)
        }
        return out
    }

    // MARK: Page-table blobs

    /// 4-level tables (1 to 4 pages) whose entries point at each other, themselves, past the blob,
    /// or map large pages with alternating flags.
    public mutating func tableBlob() -> [UInt8] {
        if chance(40) { return sharedTables() }
        let pages = int(1...4)
        var out: [UInt8] = []
        for _ in 0..<(pages * 512) {
            var e: UInt64 = 0
            switch int(0...5) {
            case 0: e = 0
            case 1: e = UInt64(int(0...pages)) * 0x1000 | 0x3                       // a pointer into (or just past) the blob
            case 2: e = UInt64(int(0...511)) << 30 | 0x83 | (chance(50) ? 1 << 63 : 0) // a 1 GiB page
            case 3: e = UInt64(int(0...511)) << 21 | 0x83                           // a 2 MiB page (or a pointer, by level)
            case 4: e = UInt64.random(in: 0...UInt64.max, using: &rng)               // reserved bits and all
            default: e = 0x1000 | 0x7
            }
            HostileELF.Builder.le(e, 8, &out)
        }
        if chance(15) { out.removeLast(int(1...100)) }
        return out
    }

    /// A table set the CPU could use: a PML4 whose present entries all share PDPTs of 1 GiB pages
    /// with alternating flags (many runs from few bytes).
    mutating func sharedTables() -> [UInt8] {
        let pdpts = int(1...3)
        var out: [UInt8] = []
        for _ in 0..<512 {
            HostileELF.Builder.le(chance(40) ? UInt64(int(1...pdpts)) * 0x1000 | 0x3 : 0, 8, &out)
        }
        for _ in 0..<pdpts {
            for i in 0..<512 {
                let flags: UInt64 = 0x81 | (i % 2 == 0 ? 0x2 : 0) | (chance(50) ? 1 << 63 : 0)
                HostileELF.Builder.le(chance(80) ? UInt64(i) << 30 | flags : 0, 8, &out)
            }
        }
        return out
    }

    // MARK: Redirect sources

    /// A manifest: ordinary lines, duplicates, long names, comments, odd bytes.
    public mutating func manifest() -> [UInt8] {
        var text: [UInt8] = []
        for _ in 0..<int(0...20) {
            switch int(0...6) {
            case 0: text += Array("runtime.throw kern.Panic\n".utf8)
            case 1: text += Array("runtime.throw kern.Other\n".utf8)
            case 2: text += Array("# a comment\n\n".utf8)
            case 3: text += [UInt8](repeating: 0x61, count: int(1...5000)) + Array(" b\n".utf8)
            case 4: text += Array("a b c\n".utf8)
            case 5: text += [0x61, 0x00, 0x20, 0x62, 0xFF, 0xFE, 0x0A]
            default: text += Array("x\u{A0}y z\r\n".utf8)
            }
        }
        return text
    }

    /// A Go tree under `dir`: a go.mod (or none), files with directives on odd functions, odd
    /// separators, build constraints, deep nesting, a non-UTF-8 file.
    public mutating func goTree(in dir: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if chance(80) { try Data((chance(90) ? "module example.com/kern\n" : "module \n").utf8).write(to: URL(fileURLWithPath: dir + "/go.mod")) }
        for i in 0..<int(1...5) {
            var sub = dir
            for d in 0..<int(0...3) { sub += "/d\(d)\(chance(20) ? ".x" : "")" }
            try fm.createDirectory(atPath: sub, withIntermediateDirectories: true)
            var src = "package kern\n\n"
            switch int(0...5) {
            case 0: src += "//go:redirect-from runtime.throw\nfunc Panic() {}\n"
            case 1: src += "//go:redirect-from runtime.throw\nfunc (t *T) M() {}\ntype T struct{}\n"
            case 2: src += "//go:build ignore\n\npackage kern\n//go:redirect-from a.b\nfunc F() {}\n"
            case 3: src += "//go:redirect-from\u{A0}x.y\nfunc G() {}\n"
            case 4: src += "/* unterminated\n//go:redirect-from x.y\nfunc H() {}\n"
            default: src += "//go:redirect-from " + String(repeating: "n", count: int(1...3000)) + "\nfunc I[T any]() {}\n"
            }
            var bytes = Array(src.utf8)
            if chance(15) { bytes += [0xFF, 0xC0, 0x80] }
            try Data(bytes).write(to: URL(fileURLWithPath: "\(sub)/f\(i).go"))
        }
    }

    /// A kimage.toml: known tables and keys with wrong types, long arrays, unknown keys,
    /// negative numbers, deep inline tables, odd strings.
    public mutating func config() -> String {
        var text = ""
        for _ in 0..<int(0...4) {
            switch int(0...7) {
            case 0: text += "[sources]\nmanifest = [" + (0..<int(0...400)).map { _ in "\"m.txt\"" }.joined(separator: ",") + "]\n"
            case 1: text += "[pagetables]\nrecursive = \(pick(["-1", "511", "512", "9223372036854775807", "\"x\"", "1.5"]))\n"
            case 2: text += "[pack]\ncmdline = \"\(String(repeating: "c", count: int(0...5000)))\"\n"
            case 3: text += "[redirect]\nunknown-key = true\n"
            case 4: text += "[nosuch]\nx = 1\n"
            case 5: text += "[pagetables]\nidentity = [\"0+2M\", \"0xFFFFFFFFFFFFF000+4K\", \"0+0x40000000000\"]\npage-size = \"4K\"\n"
            case 6: text += "[sources]\nmanifest = { a = { b = { c = [[[[1]]]] } } }\n"
            default: text += "x = \"\u{1B}[2J\"\n"
            }
        }
        return text
    }
}

extension HostileELF.Builder {
    /// Stores `v` little-endian at `at`, `width` bytes.
    public static func le(_ v: UInt64, _ width: Int, _ b: inout [UInt8], at: Int) {
        for i in 0..<width where at + i < b.count { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
    }
}
