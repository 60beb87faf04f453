import Testing
@testable import KImageKit

/// Entry encodings checked against values worked out by hand from the SDM bit positions:
/// P=0x1, RW=0x2, US=0x4, PWT=0x8, PCD=0x10, A=0x20, D=0x40, PS=0x80 (PAT in a 4 KiB PTE),
/// G=0x100, PAT(large)=0x1000, XD=1<<63.
@Suite struct PagingEntryEncodingTests {
    @Test func fourLevelEntries() throws {
        // PML4E -> PDPT at 0x101000, P|RW: 0x101000 + 0x1 + 0x2 = 0x101003.
        #expect(try PageTableEntry(writable: true, address: 0x101000).encode(mode: .fourLevel, depth: 0) == 0x101003)
        // 2 MiB leaf at 0x200000, RW, XD: 0x200000 + 0x1 + 0x2 + 0x80 + 0x8000000000000000.
        #expect(try PageTableEntry(writable: true, pageSize: true, noExecute: true, address: 0x200000)
            .encode(mode: .fourLevel, depth: 2) == 0x8000_0000_0020_0083)
        // 1 GiB leaf at 0x40000000, read-only, user, global: 0x40000000 + 0x1 + 0x4 + 0x80 + 0x100.
        #expect(try PageTableEntry(user: true, pageSize: true, global: true, address: 0x4000_0000)
            .encode(mode: .fourLevel, depth: 1) == 0x4000_0185)
        // 4 KiB PTE at 0xB8000, RW, PWT|PCD, XD: 0xB8000 + 0x1 + 0x2 + 0x8 + 0x10 = 0xB801B, + bit 63.
        #expect(try PageTableEntry(writable: true, writeThrough: true, cacheDisable: true, noExecute: true, address: 0xB8000)
            .encode(mode: .fourLevel, depth: 3) == 0x8000_0000_000B_801B)
        // PAT in a 4 KiB PTE is bit 7: 0x5000 + 0x1 + 0x80 = 0x5081; in a 2 MiB leaf bit 12:
        // 0x200000 + 0x1 + 0x80 (PS) + 0x1000 = 0x201081.
        #expect(try PageTableEntry(pat: true, address: 0x5000).encode(mode: .fourLevel, depth: 3) == 0x5081)
        #expect(try PageTableEntry(pageSize: true, pat: true, address: 0x200000).encode(mode: .fourLevel, depth: 2) == 0x201081)
        // 5-level: PML5E -> PML4 at 0x7000 with P|RW|US: 0x7000 + 0x7 = 0x7007.
        #expect(try PageTableEntry(writable: true, user: true, address: 0x7000).encode(mode: .fiveLevel, depth: 0) == 0x7007)
        // 5-level 2 MiB leaf sits at depth 3: 0x400000 + 0x1 + 0x80 = 0x400081.
        #expect(try PageTableEntry(pageSize: true, address: 0x400000).encode(mode: .fiveLevel, depth: 3) == 0x400081)
    }

    @Test func paeEntries() throws {
        // PDPTE -> PD at 0x102000: only P (bit 0) is set; R/W, U/S, XD are reserved there, so the
        // typed value's writable/user/noExecute are not encoded: 0x102000 + 0x1 = 0x102001.
        #expect(try PageTableEntry(writable: true, user: true, noExecute: true, address: 0x102000)
            .encode(mode: .pae, depth: 0) == 0x102001)
        // PDPTE with PWT|PCD: 0x102000 + 0x1 + 0x8 + 0x10 = 0x102019.
        #expect(try PageTableEntry(writeThrough: true, cacheDisable: true, address: 0x102000).encode(mode: .pae, depth: 0) == 0x102019)
        // 2 MiB PDE at 16 MiB, RW: 0x1000000 + 0x1 + 0x2 + 0x80 = 0x1000083.
        #expect(try PageTableEntry(writable: true, pageSize: true, address: 0x100_0000).encode(mode: .pae, depth: 1) == 0x100_0083)
        // PTE read-only XD at 0x101000: 0x101000 + 0x1, + bit 63.
        #expect(try PageTableEntry(noExecute: true, address: 0x101000).encode(mode: .pae, depth: 2) == 0x8000_0000_0010_1001)
        // Reading back: a PDPTE with R/W (0x102003) has reserved bit 1 set: the CPU #GPs on it.
        #expect(throws: PagingError.self) { try PageTableEntry.decode(0x102003, mode: .pae, depth: 0) }
        // PAE PDE: bits 62:52 are reserved (no available high bits).
        #expect(throws: PagingError.self) { try PageTableEntry.decode(0x0010_0000_0000_1003, mode: .pae, depth: 1) }
        // PS in a PDPTE is not a 1 GiB page in PAE.
        #expect(throws: PagingError.self) { try PageTableEntry(pageSize: true, address: 0x4000_0000).encode(mode: .pae, depth: 0) }
    }

    @Test func bits32Entries() throws {
        // 4 MiB PDE at 0x400000, RW: 0x400000 + 0x1 + 0x2 + 0x80 = 0x400083.
        #expect(try PageTableEntry(writable: true, pageSize: true, address: 0x40_0000).encode(mode: .bits32, depth: 0) == 0x40_0083)
        // PDE -> PT at 0x103000, RW|US: 0x103000 + 0x7 = 0x103007.
        #expect(try PageTableEntry(writable: true, user: true, address: 0x103000).encode(mode: .bits32, depth: 0) == 0x103007)
        // PTE 0xB8000, RW, PWT, G: 0xB8000 + 0x1 + 0x2 + 0x8 + 0x100 = 0xB810B.
        #expect(try PageTableEntry(writable: true, writeThrough: true, global: true, address: 0xB8000)
            .encode(mode: .bits32, depth: 1) == 0xB810B)
        // No XD bit in mode 32; no address above 4 GiB.
        #expect(throws: PagingError.self) { try PageTableEntry(noExecute: true, address: 0x1000).encode(mode: .bits32, depth: 1) }
        #expect(throws: PagingError.self) { try PageTableEntry(address: 0x1_0000_0000).encode(mode: .bits32, depth: 1) }
        // A 4 MiB PDE with bit 13 set (PSE-36 address bit 32) is beyond kimage's 32-bit reach.
        #expect(throws: PagingError.self) { try PageTableEntry.decode(0x40_2083, mode: .bits32, depth: 0) }
    }

    @Test func decodeRoundTripsAndReservedBits() throws {
        for (mode, depth, raw) in [(PagingMode.fourLevel, 2, UInt64(0x8000_0000_0020_0083)), (.fourLevel, 3, 0x8000_0000_000B_801B),
                                   (.pae, 1, 0x100_0083), (.bits32, 0, 0x40_0083), (.bits32, 1, 0xB810B), (.fiveLevel, 0, 0x7007)] {
            let e = try PageTableEntry.decode(raw, mode: mode, depth: depth)
            #expect(try e.encode(mode: mode, depth: depth) == raw)
        }
        // PS in a PML4E is reserved; bits 20:13 of a 2 MiB leaf are reserved.
        #expect(throws: PagingError.self) { try PageTableEntry.decode(0x1083, mode: .fourLevel, depth: 0) }
        #expect(throws: PagingError.self) { try PageTableEntry.decode(0x20_2083, mode: .fourLevel, depth: 2) }
        // Not-present entries decode to not-present whatever else they hold.
        #expect(try PageTableEntry.decode(0xFFFF_FFFF_FFFF_FFFE, mode: .fourLevel, depth: 0) == .notPresent)
    }
}

@Suite struct PagingParseTests {
    @Test func numbers() throws {
        #expect(try AddressParser.parse("FFFF_FFFF_8000_0000") == 0xFFFF_FFFF_8000_0000)
        #expect(try AddressParser.parse("0xFFFF_FFFF_8000_0000") == 0xFFFF_FFFF_8000_0000)
        #expect(try AddressParser.parse("16M") == 16 << 20)
        #expect(try AddressParser.parse("0x10K") == 0x4000)
        #expect(try AddressParser.parse("4096") == 4096)
        #expect(try AddressParser.parse("1G") == 1 << 30)
        #expect(try AddressParser.parse("8_000_000") == 8_000_000)
        #expect(throws: PagingError.self) { try AddressParser.parse("1000_0000") }
        #expect(throws: PagingError.self) { try AddressParser.parse("0x1_0000_0000_0000_0000") }
        #expect(throws: PagingError.self) { try AddressParser.parse("12Q") }
        #expect(throws: PagingError.self) { try AddressParser.parse("") }
    }

    @Test func flags() throws {
        #expect(try MappingFlags(parsing: "rwx") == MappingFlags())
        #expect(try MappingFlags(parsing: "r") == MappingFlags(writable: false, executable: false))
        #expect(try MappingFlags(parsing: "rx") == MappingFlags(writable: false, executable: true))
        #expect(try MappingFlags(parsing: "rw,uc") == MappingFlags(writable: true, executable: false, cache: .uncached))
        #expect(try MappingFlags(parsing: "rwug") == MappingFlags(writable: true, executable: false, user: true, global: true))
        #expect(try MappingFlags(parsing: "rwwt") == MappingFlags(writable: true, executable: false, cache: .writeThrough))
        #expect(try MappingFlags(parsing: "rwxuc") == MappingFlags(cache: .uncached))
        #expect(try MappingFlags(parsing: "r-x") == MappingFlags(writable: false, executable: true))
        #expect(try MappingFlags(parsing: "rw-") == MappingFlags(writable: true, executable: false))
        for f in [MappingFlags(), MappingFlags(writable: false, executable: false, user: true, global: true, cache: .writeThrough)] {
            #expect(try MappingFlags(parsing: f.spec) == f)
        }
        #expect(throws: PagingError.self) { try MappingFlags(parsing: "xr") }
        #expect(throws: PagingError.self) { try MappingFlags(parsing: "rwq") }
        #expect(throws: PagingError.self) { try MappingFlags(parsing: "rw,uc,wt") }
    }

    @Test func specs() throws {
        #expect(try MappingSpec.parse("0+8M", as: .identity) == Mapping(virtualStart: 0, physicalStart: 0, size: 8 << 20))
        #expect(try MappingSpec.parse("0xFFFF_FFFF_8000_0000=0+128M:rx", as: .map)
            == Mapping(virtualStart: 0xFFFF_FFFF_8000_0000, physicalStart: 0, size: 128 << 20, flags: MappingFlags(writable: false)))
        #expect(try MappingSpec.parse("0xFFFF800000000000+8M:rw", as: .higherHalf)
            == Mapping(virtualStart: 0xFFFF_8000_0000_0000, physicalStart: 0, size: 8 << 20, flags: MappingFlags(executable: false)))
        #expect(throws: PagingError.self) { try MappingSpec.parse("0x1000", as: .identity) }
        #expect(throws: PagingError.self) { try MappingSpec.parse("0x1000+4K", as: .map) }
    }

    @Test func modes() throws {
        #expect(try PagingMode(parsing: "4level") == .fourLevel)
        #expect(try PagingMode(parsing: "32") == .bits32)
        #expect(throws: PagingError.self) { try PagingMode(parsing: "3level") }
        #expect(PagingMode.fourLevel.isCanonical(0xFFFF_8000_0000_0000))
        #expect(!PagingMode.fourLevel.isCanonical(0x0000_8000_0000_0000))
        #expect(PagingMode.fiveLevel.isCanonical(0x00FF_FFFF_FFFF_F000))
        #expect(!PagingMode.fiveLevel.isCanonical(0x0100_0000_0000_0000))
    }
}

/// The seeds' tables, entry by entry.
@Suite struct PagingSeedTests {
    /// gopher-os rt0_32: identity 0-8 MiB and PAGE_OFFSET (0xFFFF800000000000)..+8 MiB with
    /// 2 MiB pages, PML4[511] pointing back at the PML4; PML4[0] and PML4[256] share one PDPT.
    @Test func gopherOS() throws {
        var b = try PageTableBuilder(mode: .fourLevel, maxPageSize: PageSize.size2M, recursiveSlot: 511)
        try b.add(MappingSpec.parse("0+8M", as: .identity))
        try b.add(MappingSpec.parse("0xFFFF_8000_0000_0000+8M", as: .higherHalf))
        let t = try b.build(base: 0x10_0000)
        #expect(t.tableCount == 3)
        #expect(t.bytes.count == 3 * 4096)
        #expect(t.cr3 == 0x10_0000)
        var expected: [Int: UInt64] = [
            0: 0x10_1003,                   // PML4[0]   -> PDPT at 0x101000, P|RW
            256: 0x10_1003,                 // PML4[256] -> the same PDPT
            511: 0x10_0003,                 // PML4[511] -> the PML4 itself, P|RW (no XD: nothing needs NXE)
        ]
        for i in 0..<512 { #expect(t.entry(table: 0, index: i) == (expected[i] ?? 0), "PML4[\(i)]") }
        expected = [0: 0x10_2003]           // PDPT[0] -> PD at 0x102000
        for i in 0..<512 { #expect(t.entry(table: 1, index: i) == (expected[i] ?? 0), "PDPT[\(i)]") }
        // PD[i] = i * 2 MiB | P|RW|PS (0x83), rwx so no XD.
        expected = [0: 0x83, 1: 0x20_0083, 2: 0x40_0083, 3: 0x60_0083]
        for i in 0..<512 { #expect(t.entry(table: 2, index: i) == (expected[i] ?? 0), "PD[\(i)]") }
        let walk = try PageTableWalker.walkDetailed(bytes: t.bytes, mode: .fourLevel, base: 0x10_0000)
        #expect(walk.recursiveSlots == [511])
        #expect(walk.mappings == b.mappings)
    }

    /// Jinue's setup32: identity 0-2 MiB (image read-only), 12 MiB at 16 MiB read/write, the
    /// image at 0xC0000000 read-only except its data segment, whose copy lives elsewhere.
    @Test func jinue() throws {
        var b = try PageTableBuilder(mode: .bits32)
        for spec in ["0+1M:rw", "0x100000+0x1A000:rx", "0x11A000+0xE6000:rw", "0x1000000+12M:rw"] {
            try b.add(MappingSpec.parse(spec, as: .identity))
        }
        for spec in ["0xC0000000=0x100000+0x1A000:rx", "0xC001A000=0x140000+0x3000:rw", "0xC001D000=0x11D000+0x13000:rw"] {
            try b.add(MappingSpec.parse(spec, as: .map))
        }
        let t = try b.build(base: 0x20_0000)
        // PD, the PT for 0-4 MiB, the PT for 0xC0000000-0xC03FFFFF.
        #expect(t.tableCount == 3)
        var pd: [Int: UInt64] = [
            0: 0x20_1003,      // PD[0] -> PT at 0x201000, P|RW (RW: the union of its pages)
            4: 0x100_0083,     // 16 MiB: 4 MiB pages, P|RW|PS
            5: 0x140_0083,
            6: 0x180_0083,
            768: 0x20_2003,    // PD[768] (0xC0000000 >> 22) -> PT at 0x202000
        ]
        for i in 0..<1024 { #expect(t.entry(table: 0, index: i) == (pd[i] ?? 0), "PD[\(i)]") }
        // PT 0: pages 0-0xFF rw (0x3), 0x100-0x119 read-only (0x1), 0x11A-0x1FF rw.
        for i in 0..<1024 {
            let page = UInt64(i) << 12
            let want: UInt64 = i < 0x100 ? page | 3 : i < 0x11A ? page | 1 : i < 0x200 ? page | 3 : 0
            #expect(t.entry(table: 1, index: i) == want, "PT0[\(i)]")
        }
        // PT 768: 0x1A read-only pages of the image, 3 data pages at 0x140000, then 0x13 pages rw.
        for i in 0..<1024 {
            let want: UInt64
            switch i {
            case 0..<0x1A: want = (0x100000 + UInt64(i) << 12) | 1
            case 0x1A..<0x1D: want = (0x140000 + UInt64(i - 0x1A) << 12) | 3
            case 0x1D..<0x30: want = (0x100000 + UInt64(i) << 12) | 3
            default: want = 0
            }
            #expect(t.entry(table: 2, index: i) == want, "PT768[\(i)]")
        }
        pd = [:]
        let walked = try PageTableWalker.walk(bytes: t.bytes, mode: .bits32, base: 0x20_0000)
        #expect(walked == Mapping.coalesced(b.mappings.map { var m = $0; m.flags = m.flags.effective(in: .bits32); return m }))
    }
}

/// Seeded random mappings in every mode: build, walk, the same mappings out.
@Suite struct PagingRoundTripTests {
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Sizes stay within a few thousand pages of `cap`, so a debug build walks them quickly.
    static func randomMapping(mode: PagingMode, cap: UInt64, rng: inout SplitMix64) -> Mapping {
        // A physical start 4 KiB off the page grid forces 4 KiB pages: keep such mappings small.
        let misaligned = Bool.random(using: &rng)
        let units = [PageSize.size4K, PageSize.size2M, mode == .bits32 ? PageSize.size4M : PageSize.size1G]
            .filter { $0 <= (misaligned ? PageSize.size2M : cap * 512) }
        let unit = units.randomElement(using: &rng)!
        let pages = UInt64.random(in: 1...(unit == PageSize.size4K ? 1200 : 3), using: &rng)
        let size = pages * unit + (Bool.random(using: &rng) ? UInt64.random(in: 0...600, using: &rng) * 4096 : 0)
        let vaSpace: UInt64 = mode == .bits32 || mode == .pae ? 1 << 32 : 1 << UInt64(mode.virtualBits - 1)
        var va = UInt64.random(in: 0..<max(1, (vaSpace - size) / unit), using: &rng) * unit
        if mode == .fourLevel || mode == .fiveLevel, Bool.random(using: &rng) { va = mode.canonicalize(va | vaSpace) }
        let paSpace: UInt64 = mode == .bits32 ? 1 << 32 : 1 << 40
        var pa = UInt64.random(in: 0..<max(1, (paSpace - size) / unit), using: &rng) * unit
        if misaligned && pa >= 0x1000 { pa -= 0x1000 }
        let flags = MappingFlags(writable: .random(using: &rng), executable: .random(using: &rng), user: .random(using: &rng),
                                 global: .random(using: &rng), cache: CacheMode.allCases.randomElement(using: &rng)!)
        return Mapping(virtualStart: va, physicalStart: pa, size: size, flags: flags)
    }

    @Test(arguments: PagingMode.allCases)
    func roundTrip(mode: PagingMode) throws {
        var rng = SplitMix64(state: 0x6B69_6D61_6765 &+ UInt64(mode.levels))
        for round in 0..<12 {
            let caps = mode.pageSizes
            let cap = caps.randomElement(using: &rng)!
            var b = try PageTableBuilder(mode: mode, maxPageSize: cap, recursiveSlot: mode == .pae || round % 2 == 0 ? nil : mode.entries(atDepth: 0) - 2)
            var added = 0
            while added < 6 {
                let m = Self.randomMapping(mode: mode, cap: cap, rng: &rng)
                if (try? b.add(m)) != nil { added += 1 }
            }
            let base = UInt64.random(in: 0x100...0x8000, using: &rng) << 12
            let t = try b.build(base: base)
            let walk = try PageTableWalker.walkDetailed(bytes: t.bytes, mode: mode, base: base)
            let want = Mapping.coalesced(b.mappings.map { var m = $0; m.flags = m.flags.effective(in: mode); return m })
            #expect(walk.mappings == want, "mode \(mode.rawValue) round \(round)")
            #expect(walk.recursiveSlots == (b.recursiveSlot.map { [$0] } ?? []))
            for r in walk.runs { #expect(r.pageSize <= cap) }
            // The builder's runs (the summary's lines) are what the CPU's walk finds.
            #expect(walk.runs == t.runs.map { var r = $0; r.flags = r.flags.effective(in: mode); return r })
        }
    }
}

/// Table counts from x86-paging.md §6 (one table per distinct VA block a level touches).
@Suite struct PagingTableCountTests {
    static func count(_ mode: PagingMode, _ specs: [(String, MappingSpec.Kind)], page: UInt64? = nil) throws -> Int {
        var b = try PageTableBuilder(mode: mode, maxPageSize: page)
        for (s, k) in specs { try b.add(MappingSpec.parse(s, as: k)) }
        return try b.build(base: 0x100_0000).tableCount
    }

    @Test func countsMatchTheReference() throws {
        #expect(try Self.count(.fourLevel, [("0+8M", .identity)], page: PageSize.size4K) == 7)
        #expect(try Self.count(.fourLevel, [("0+4G", .identity)]) == 6)
        #expect(try Self.count(.fourLevel, [("0+4G", .identity)], page: PageSize.size1G) == 2)
        #expect(try Self.count(.fiveLevel, [("0+4G", .identity)], page: PageSize.size1G) == 3)
        #expect(try Self.count(.fourLevel, [("0xFFFF_FFFF_8000_0000=0+128M", .map)]) == 3)
        #expect(try Self.count(.fourLevel, [("0xFFFF_FFFF_8000_0000=0+128M", .map)], page: PageSize.size4K) == 67)
        #expect(try Self.count(.bits32, [("0+4G", .identity)]) == 1)
        #expect(try Self.count(.bits32, [("0+4G", .identity)], page: PageSize.size4K) == 1025)
        #expect(try Self.count(.pae, [("0+4G", .identity)]) == 5)  // the PDPT's page + 4 PDs
        #expect(try Self.count(.bits32, [("0+16M", .identity)], page: PageSize.size4K) == 5)
        // Identity 0-8 MiB plus the same memory at 0xFFFFFFFF80000000: the PD is shared, the
        // PDPT indices differ (0 vs 510), so two PDPTs: 4 tables.
        #expect(try Self.count(.fourLevel, [("0+8M", .identity), ("0xFFFF_FFFF_8000_0000+8M", .higherHalf)]) == 4)
    }

    @Test func largestPageThatFits() throws {
        // 0x1FF000..+0x402000: a 4K page up to 2 MiB, a 2 MiB page, then 4K pages.
        var b = try PageTableBuilder(mode: .fourLevel)
        try b.add(Mapping(virtualStart: 0x1F_F000, physicalStart: 0x1F_F000, size: 0x20_2000))
        let t = try b.build(base: 0x100_0000)
        #expect(t.runs.map(\.pageSize) == [PageSize.size4K, PageSize.size2M, PageSize.size4K])
        #expect(t.runs.map(\.size) == [0x1000, 0x20_0000, 0x1000])
        // Virtual 2 MiB-aligned but physical not: 4K pages only.
        var c = try PageTableBuilder(mode: .fourLevel)
        try c.add(Mapping(virtualStart: 0x40_0000, physicalStart: 0x40_1000, size: 0x40_0000))
        #expect(try c.build(base: 0).runs.map(\.pageSize) == [PageSize.size4K])
        // 1 GiB pages only when asked for.
        var d = try PageTableBuilder(mode: .fourLevel)
        try d.add(Mapping(virtualStart: 0, physicalStart: 0, size: 1 << 30))
        #expect(try d.build(base: 0).runs.map(\.pageSize) == [PageSize.size2M])
    }

    @Test func intermediateEntriesGrantTheUnion() throws {
        // A read-only NX page and a user-writable executable page under the same PD entry: the
        // PDE must be RW|US and not XD; the leaves restrict.
        var b = try PageTableBuilder(mode: .fourLevel)
        try b.add(Mapping(virtualStart: 0x1000, physicalStart: 0x1000, size: 0x1000, flags: MappingFlags(writable: false, executable: false)))
        var pde = try PageTableBuilder(mode: .fourLevel)
        try pde.add(Mapping(virtualStart: 0x1000, physicalStart: 0x1000, size: 0x1000, flags: MappingFlags(writable: false, executable: false)))
        let alone = try pde.build(base: 0)
        // Alone: PML4[0], PDPT[0], PD[0] are P|XD only (0x8000000000001001 + table address).
        #expect(alone.entry(table: 0, index: 0) == 0x8000_0000_0000_1001)
        #expect(alone.entry(table: 3, index: 1) == 0x8000_0000_0000_1001)
        try b.add(Mapping(virtualStart: 0x2000, physicalStart: 0x5000, size: 0x1000, flags: MappingFlags(writable: true, executable: true, user: true)))
        let t = try b.build(base: 0)
        #expect(t.entry(table: 0, index: 0) == 0x1007)       // PML4[0] -> PDPT at 0x1000, P|RW|US
        #expect(t.entry(table: 2, index: 0) == 0x3007)       // PD[0] -> PT at 0x3000, P|RW|US
        #expect(t.entry(table: 3, index: 1) == 0x8000_0000_0000_1001)  // the read-only NX leaf
        #expect(t.entry(table: 3, index: 2) == 0x5007)       // the user rwx leaf
    }
}

@Suite struct PagingWalkerTests {
    static func gopher() throws -> PageTables {
        var b = try PageTableBuilder(mode: .fourLevel, recursiveSlot: 511)
        try b.add(MappingSpec.parse("0+8M", as: .identity))
        try b.add(MappingSpec.parse("0xFFFF800000000000+8M", as: .higherHalf))
        return try b.build(base: 0x10_0000)
    }

    @Test func pointerOutsideTheBlobNamesTheEntry() throws {
        let t = try Self.gopher()
        let error = #expect(throws: PagingError.self) { try PageTableWalker.walk(bytes: t.bytes, mode: .fourLevel, base: 0x20_0000) }
        let message = error?.description ?? ""
        #expect(message.contains("PML4[0] at 0x200000 = 0x0000000000101003 points to a table at 0x101000, outside the blob (0x200000-0x203000)"), "\(message)")
    }

    @Test func reservedBitsAndShortBlobs() throws {
        var bytes = try Self.gopher().bytes
        bytes[0] |= 0x80  // PS in a PML4E
        let error = #expect(throws: PagingError.self) { try PageTableWalker.walk(bytes: bytes, mode: .fourLevel, base: 0x10_0000) }
        #expect(error?.description.contains("PML4[0] at 0x100000 = 0x0000000000101083 has reserved bits 0x80 set") == true, "\(String(describing: error))")
        #expect(throws: PagingError.self) { try PageTableWalker.walk(bytes: [UInt8](repeating: 0, count: 100), mode: .fourLevel, base: 0) }
        #expect(throws: PagingError.self) { try PageTableWalker.walk(bytes: try Self.gopher().bytes, mode: .fourLevel, base: 0x10_0800) }
    }

    @Test(arguments: [true, false])
    func fanOutThroughSharedTablesIsRefused(withPages: Bool) throws {
        // Every entry of each level pointing at the one table below: 512^4 reads, with or
        // without a page at the end. Only the entries read are bounded, not the pages mapped,
        // so the leafless set (which maps nothing) must stop as soon as the leafy one.
        var bytes = [UInt8](repeating: 0, count: 4 * 4096)
        for t in 0..<3 { for i in 0..<512 { bytes.storeLE(UInt64((t + 1) * 0x1000 + 3), at: t * 4096 + i * 8) } }
        if withPages { for i in 0..<512 { bytes.storeLE(UInt64(i * 0x1000 + 3), at: 3 * 4096 + i * 8) } }
        let limit = PageTableWalker.entryLimit(blobBytes: bytes.count, mode: .fourLevel)
        #expect(limit == (1 << 22) + 16 * 2048)
        let error = #expect(throws: PagingError.self) { try PageTableWalker.walk(bytes: bytes, mode: .fourLevel, base: 0) }
        #expect(error?.description.contains("walking the tables reads more than \(limit) entries, though the blob holds 2048") == true,
                "\(String(describing: error))")
    }

    @Test func limitIsNotReachedByTablesWithoutSharing() throws {
        // 4 GiB in 4 KiB pages: a million leaves, each table read once.
        var b = try PageTableBuilder(mode: .fourLevel, maxPageSize: PageSize.size4K)
        try b.add(Mapping(virtualStart: 0, physicalStart: 0, size: 4 << 30))
        let blob = try b.build(base: 0x100_0000)
        let walk = try PageTableWalker.walkDetailed(bytes: blob.bytes, mode: .fourLevel, base: 0x100_0000)
        #expect(walk.runs.reduce(0) { $0 + $1.size } == 4 << 30)
    }

    @Test func refusalsOfTheBuilderAndEncoder() throws {
        let empty = try PageTableBuilder(mode: .pae)
        let none = #expect(throws: PagingError.self) { try empty.build(base: 0) }
        #expect(none?.description.contains("no mappings were given") == true)
        // PS in a PAE PT entry does not exist (bit 7 is PAT there): refused when encoding.
        let ps = #expect(throws: PagingError.self) { try PageTableEntry(pageSize: true).encode(mode: .pae, depth: 2) }
        #expect(ps?.description.contains("PS=1 is not allowed in a PT entry in mode pae") == true)
    }

    @Test func tablesSharedInALoopAreRefused() throws {
        // Every PML4, PDPT and PD entry pointing at one table: 512^4 leaves if walked naively.
        var bytes = [UInt8](repeating: 0, count: 8192)
        for i in 0..<512 { bytes.storeLE(UInt64(0x1003), at: i * 8) }
        for i in 0..<512 { bytes.storeLE(UInt64(0x1003), at: 4096 + i * 8) }
        let error = #expect(throws: PagingError.self) { try PageTableWalker.walk(bytes: bytes, mode: .fourLevel, base: 0) }
        #expect(error?.description.contains("which is already used as a PDPT, as a PD") == true, "\(String(describing: error))")
    }
}

@Suite struct PagingRecursiveSlotTests {
    @Test func recursiveEntryGetsXDOnlyWhenNXEIsNeededAnyway() throws {
        var b = try PageTableBuilder(mode: .fourLevel, recursiveSlot: 510)
        try b.add(MappingSpec.parse("0+2M:rx", as: .identity))
        #expect(try b.build(base: 0x1000).entry(table: 0, index: 510) == 0x1003)
        try b.add(MappingSpec.parse("0x200000+2M:rw", as: .identity))
        // 0x1000 + P|RW, + XD (bit 63): the rw mapping already needs EFER.NXE.
        #expect(try b.build(base: 0x1000).entry(table: 0, index: 510) == 0x8000_0000_0000_1003)
        // Mode 32: PD[1023] -> the PD, P|RW; the PD shows up at 0xFFFFF000.
        var c = try PageTableBuilder(mode: .bits32, recursiveSlot: 1023)
        try c.add(MappingSpec.parse("0+4M:rw", as: .identity))
        #expect(try c.build(base: 0x9000).entry(table: 0, index: 1023) == 0x9003)
        #expect(throws: PagingError.self) { try c.add(MappingSpec.parse("0xFFFFF000+4K", as: .identity)) }
    }
}
