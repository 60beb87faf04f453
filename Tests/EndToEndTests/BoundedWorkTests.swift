import Foundation
import Testing
import KImageKit
import TestSupport

/// Small files that asked for unbounded work (issue 12): each is built in code and run under a
/// memory and a time cap. Every run must end normally (no signal, no cap hit), explain a failure,
/// and leave its inputs as they were. Release-build timings are in the README's "When things go
/// wrong"; the caps here are generous for a debug build on a loaded 2-core machine.
@Suite(.serialized) struct BoundedWorkTests {
    static let text: UInt64 = 0x200000

    @discardableResult
    func expectBounded(_ dir: TemporaryDirectory, _ arguments: [String], status: Int32? = nil, _ needles: [String] = [],
                       sourceLocation: SourceLocation = #_sourceLocation) throws -> CappedRun {
        let before = TreeSnapshot(dir.path)
        let r = try kimageCapped(arguments, cwd: dir.path, seconds: 60)
        // KIMAGE_PRINT_TIMINGS=1 prints each run's time (the numbers in the README come from it).
        if ProcessInfo.processInfo.environment["KIMAGE_PRINT_TIMINGS"] != nil { print("timing: \(r.summary.prefix { $0 != "\n" })") }
        #expect(r.endedNormally, "\(r.summary)", sourceLocation: sourceLocation)
        #expect(r.failureIsExplained, "\(r.summary)", sourceLocation: sourceLocation)
        if let status { #expect(r.result.status == status, "\(r.summary)", sourceLocation: sourceLocation) }
        for n in needles { #expect(r.result.stderr.contains(n), "`\(n)` not in: \(r.summary)", sourceLocation: sourceLocation) }
        #expect(TreeSnapshot(dir.path) == before, "the run changed its directory: \(r.summary)", sourceLocation: sourceLocation)
        return r
    }

    /// A kernel with `.text` (index 1) at 2 MiB in one LOAD segment, and a section name table.
    static func kernel(_ b: inout HostileELF.Builder, names: [UInt8] = [0] + Array(".text\0.shstrtab\0.symtab\0.strtab\0.goredirectstbl\0".utf8)) {
        let code = b.append([UInt8](repeating: 0xF4, count: 0x100))
        b.segments.append(.init(flags: 7, offset: code, virtualAddress: text, physicalAddress: text, fileSize: 0x100, memorySize: 0x100))
        b.sections.append(.init(name: 1, type: 1, flags: 6, address: text, offset: code, size: 0x100))
        let shstr = b.append(names)
        b.sections.append(.init(name: 7, type: 3, offset: shstr, size: UInt64(names.count)))
        b.sectionNameTable = 2
    }

    /// A two-slot .goredirectstbl (section name offset 33 in `kernel`'s names).
    static func redirectTable(_ b: inout HostileELF.Builder) {
        let t = b.append([UInt8](repeating: 0, count: 32))
        b.sections.append(.init(name: 33, type: 1, flags: 3, address: 0x300000, offset: t, size: 32))
    }

    /// A symbol table (sections 3 and 4) over `strings`, with `symbols` (Elf64_Sym entries).
    static func symbols(_ b: inout HostileELF.Builder, strings: [UInt8], symbols: [[UInt8]]) {
        var table = [UInt8](repeating: 0, count: 24)
        for s in symbols { table += s }
        let sym = b.append(table), str = b.append(strings)
        b.sections.append(.init(name: 17, type: 2, offset: sym, size: UInt64(table.count), link: 4, info: 1, entrySize: 24))
        b.sections.append(.init(name: 25, type: 3, offset: str, size: UInt64(strings.count)))
    }

    func write(_ dir: TemporaryDirectory, _ name: String, _ bytes: [UInt8]) throws -> String {
        try Data(bytes).write(to: URL(fileURLWithPath: dir.file(name)))
        return name
    }

    // 30,000 section headers naming one 1 MB string: names stay offsets (ELFStringTable).
    @Test func sectionsSharingOneHugeName() throws {
        let dir = try TemporaryDirectory("kimage-bounded")
        var b = HostileELF.Builder(entry: Self.text)
        var names: [UInt8] = [0] + Array(".text\0.shstrtab\0".utf8)
        let huge = UInt32(names.count)
        names += [UInt8](repeating: 0x61, count: 1 << 20) + [0]
        Self.kernel(&b, names: names)
        for _ in 0..<30_000 { b.sections.append(.init(name: huge, type: 1, offset: 0x1000, size: 0)) }
        let k = try write(dir, "k.elf", b.bytes())
        try dir.write("m.txt", "a b\n")
        try expectBounded(dir, ["inspect", k], status: 0)
        // JSON lists every section, each name cut at the shown limit.
        let json = try expectBounded(dir, ["inspect", k, "--json"], status: 0)
        #expect(json.result.stdout.contains("\"" + String(repeating: "a", count: ELFStringTable.shownLimit) + "…\""))
        #expect(json.result.stdout.utf8.count < 30_000 * (ELFStringTable.shownLimit + 400))
        let out = try TemporaryDirectory("kimage-bounded-out")
        try expectBounded(dir, ["pack", "--kernel", k, "-o", out.file("k.img")], status: 0)
        try expectBounded(dir, ["redirect", k, "--manifest", "m.txt", "--dry-run"], status: 1)
        try expectBounded(dir, ["pagetables", "--mode", "4level", "--kernel", k, "--format", "summary"], status: 0)
    }

    // A 64 TiB segment whose vaddr and paddr are never 2 MiB-aligned together wanted 128 GiB of
    // 4 KiB page tables; so did --identity 0+4T --page-size 4K. Both meet the table limit.
    @Test func pageTablesBeyondTheLimitAreRefused() throws {
        let dir = try TemporaryDirectory("kimage-bounded")
        let k = try write(dir, "k.elf", HostileELF.elf64([.init(flags: 6, virtualAddress: 0x201000, physicalAddress: 0x200000,
                                                                 memorySize: 64 << 40)], entry: 0x201000))
        let limit = "need more than 64 MiB of page tables, kimage's limit for one table set (16384 tables)"
        try expectBounded(dir, ["pagetables", "--mode", "4level", "--kernel", k, "--format", "summary"], status: 1, [limit])
        try expectBounded(dir, ["pack", "--kernel", k, "-o", "k.img"], status: 1)
        try expectBounded(dir, ["pagetables", "--mode", "4level", "--identity", "0+0x40000000000", "--page-size", "4K", "--format", "summary"],
                          status: 1, [limit, "allow larger pages (--page-size 2M or 1G)"])
        // With the pages the mapping allows, the same 4 TiB is 8 MiB of tables.
        try expectBounded(dir, ["pagetables", "--mode", "4level", "--identity", "0+0x40000000000", "--page-size", "2M", "--format", "summary"], status: 0)
    }

    // 300,000 definitions of a redirect's source: deduplicated by hash, listed ten at a time.
    @Test func manyDefinitionsAreCountedNotListed() throws {
        let dir = try TemporaryDirectory("kimage-bounded")
        var b = HostileELF.Builder(entry: Self.text)
        Self.kernel(&b)
        let strings: [UInt8] = [0] + Array("runtime.throw\0kern.Panic\0".utf8)
        var syms = (0..<300_000).map { HostileELF.Builder.symbol(name: 1, value: Self.text + UInt64($0) * 16) }
        syms += (0..<1000).map { _ in HostileELF.Builder.symbol(name: 1, value: Self.text) }   // repeats: one definition
        syms.append(HostileELF.Builder.symbol(name: 15, value: Self.text + 0x80))
        Self.symbols(&b, strings: strings, symbols: syms)
        Self.redirectTable(&b)
        let k = try write(dir, "k.elf", b.bytes())
        try dir.write("m.txt", "runtime.throw kern.Panic\n")
        let r = try expectBounded(dir, ["redirect", k, "--manifest", "m.txt", "--dry-run", "--allow-spare"], status: 1,
                                  ["defines runtime.throw (the redirect's source, from m.txt:1) 300000 times: ", "; and 299990 more; expected exactly one definition"])
        #expect(r.result.stderr.utf8.count < 4096, "\(r.result.stderr.utf8.count) bytes of error")
    }

    // 100,000 symbols sharing one 2.4 MB name, which the redirect table names: inspect decodes
    // a name only when it becomes an address's best symbol, and shows it cut.
    @Test func symbolsSharingOneHugeNameInInspect() throws {
        let dir = try TemporaryDirectory("kimage-bounded")
        var b = HostileELF.Builder(entry: Self.text)
        Self.kernel(&b)
        let strings: [UInt8] = [0] + [UInt8](repeating: 0x78, count: 2_400_000) + [0]
        Self.symbols(&b, strings: strings, symbols: (0..<100_000).map { _ in HostileELF.Builder.symbol(name: 1, value: Self.text) })
        var table: [UInt8] = []
        for _ in 0..<64 { HostileELF.Builder.le(Self.text, 8, &table); HostileELF.Builder.le(Self.text + 0x10, 8, &table) }
        let t = b.append(table)
        b.sections.append(.init(name: 33, type: 1, flags: 3, address: 0x300000, offset: t, size: UInt64(table.count)))
        let k = try write(dir, "k.elf", b.bytes())
        let r = try expectBounded(dir, ["inspect", k], status: 0)
        #expect(r.result.stdout.contains("100000 symbols") || r.result.stdout.contains("100000"), "\(r.result.stdout.prefix(2000))")
        #expect(r.result.stdout.utf8.count < 2_000_000)
        try expectBounded(dir, ["inspect", k, "--json"], status: 0)
    }

    // A missing 240 KB name among 10,000 symbols of about 240 KB each: the closest-names search
    // skips names past its length bound instead of comparing every pair of bytes.
    @Test func closestNamesSearchIsBounded() throws {
        let dir = try TemporaryDirectory("kimage-bounded")
        var b = HostileELF.Builder(entry: Self.text)
        Self.kernel(&b)
        let long = 250_000
        var strings: [UInt8] = [0] + Array("kern.Panic\0".utf8)
        let base = UInt32(strings.count)
        strings += [UInt8](repeating: 0x79, count: long) + [0]
        var syms = (0..<10_000).map { HostileELF.Builder.symbol(name: base + UInt32($0), value: Self.text + UInt64($0 % 16) * 16) }
        syms.append(HostileELF.Builder.symbol(name: 1, value: Self.text + 0x80))
        Self.symbols(&b, strings: strings, symbols: syms)
        Self.redirectTable(&b)
        let k = try write(dir, "k.elf", b.bytes())
        try dir.write("m.txt", String(repeating: "y", count: 240_000) + "z kern.Panic\n")
        try expectBounded(dir, ["redirect", k, "--manifest", "m.txt", "--dry-run", "--allow-spare"], status: 1, ["has no symbol yyyy"])
        // A short missing name still gets its suggestion among the same symbols.
        try dir.write("m2.txt", "kern.Panik kern.Panic\n")
        try expectBounded(dir, ["redirect", k, "--manifest", "m2.txt", "--dry-run", "--allow-spare"], status: 1, ["closest names in the kernel: kern.Panic"])
    }

    // 8 KiB of tables: every PML4 entry points at one PDPT of 512 1 GiB pages with alternating XD,
    // 262,144 runs. Page sizes per mapping are found in one pass, not by filtering all runs.
    @Test func sharedTablesOfAlternatingPagesInspectQuickly() throws {
        let dir = try TemporaryDirectory("kimage-bounded")
        var blob: [UInt8] = []
        for _ in 0..<512 { HostileELF.Builder.le(0x1000 | 0x3, 8, &blob) }
        for i in 0..<512 { HostileELF.Builder.le(UInt64(i) << 30 | 0x83 | (i % 2 == 1 ? 1 << 63 : 0), 8, &blob) }
        let t = try write(dir, "t.bin", blob)
        let text = try expectBounded(dir, ["inspect", t, "--mode", "4level", "--base", "0"], status: 0)
        #expect(text.result.stdout.contains("262144 runs of equal pages"))
        #expect(text.result.stdout.contains(" ... \(262_144 - PageTableInspection.listedRows) more runs not listed (inspect lists at most 4096)"))
        let json = try expectBounded(dir, ["inspect", t, "--mode", "4level", "--base", "0", "--json"], status: 0)
        #expect(json.result.stdout.contains("\"notListed\": {\"runs\": \(262_144 - 4096)"), "\(json.result.stdout.suffix(300))")
    }

    // 200,000 LOAD segments (extended numbering) sharing one page of file bytes, a page apart:
    // 200,000 mappings for the page-table builder's overlap check.
    @Test func manySegmentsArePackedOrRefusedQuickly() throws {
        let dir = try TemporaryDirectory("kimage-bounded")
        var b = HostileELF.Builder(entry: Self.text)
        let code = b.append([UInt8](repeating: 0xF4, count: 0x10))
        b.segments = (0..<200_000).map { i in
            .init(flags: 5, offset: code, virtualAddress: Self.text + UInt64(i) * 0x2000, physicalAddress: Self.text + UInt64(i) * 0x2000,
                  fileSize: 0x10, memorySize: 0x1000)
        }
        let k = try write(dir, "k.elf", b.bytes())
        let out = try TemporaryDirectory("kimage-bounded-out")
        let pack = try expectBounded(dir, ["pack", "--kernel", k, "-o", out.file("k.img")], status: 0)
        #expect(pack.result.stdout.contains("  ... \(200_000 - PageTableInspection.listedRows) more segments not listed (pack lists at most 4096)"))
        try expectBounded(dir, ["inspect", k])
        try expectBounded(dir, ["pagetables", "--mode", "4level", "--kernel", k, "--format", "summary"])
    }

    // A kimage.toml array of 30,000 manifests: 60,000 arguments for the argument parser, whose
    // work grows with their square. Refused with the limit, at the file's line.
    @Test func aLongConfigArrayIsRefused() throws {
        let dir = try TemporaryDirectory("kimage-bounded")
        try dir.write("m.txt", "a b\n")
        let list = (0..<30_000).map { _ in "\"m.txt\"" }.joined(separator: ", ")
        try dir.write("kimage.toml", "[sources]\nmanifest = [\(list)]\n")
        try expectBounded(dir, ["count"], status: 1,
                          ["kimage.toml:2: [sources] manifest is an array of 30000 values; expected at most \(KImageConfig.maxArrayValues) values"])
        let fine = (0..<KImageConfig.maxArrayValues).map { "\"m\($0).txt\"" }.joined(separator: ", ")
        for i in 0..<KImageConfig.maxArrayValues { try dir.write("m\(i).txt", "a\(i) b\n") }
        try dir.write("kimage.toml", "[sources]\nmanifest = [\(fine)]\n")
        let r = try expectBounded(dir, ["count"], status: 0)
        #expect(r.result.stdout == "\(KImageConfig.maxArrayValues)\n")
    }
}
