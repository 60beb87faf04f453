@testable import KImageKit

/// Structure-aware ELF fuzzing (issue 12): the fuzzer's bytes choose header, program header,
/// section header and symbol fields (class, counts, offsets, sizes, addresses, mostly near their
/// boundaries or at the offsets of real tables), which `FieldELF` assembles into a file; then
/// the ELF reader, page tables from the segments, pack's layout and inspect run over it. Byte
/// flips rarely get past the header checks; fields do, so the code behind them is reached.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzELFFields(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var fields = FieldReader(UnsafeBufferPointer(start: data, count: size))
    let bytes = FieldELF.make(&fields)
    let file = FileBytes(bytes: bytes, name: "fuzz.elf")
    guard let elf = try? ELFFile(file: file) else { return 0 }
    _ = try? elf.symbols()
    _ = try? elf.definedSymbols(named: ["_start", "runtime.throw", "kern.Panic"])
    try? elf.forEachSymbolEntry { e in _ = e.hasName; _ = e.shownName }
    for s in elf.sections { _ = s.shownName; _ = s.hasName(".text") }
    _ = elf.section(named: RedirectTable.defaultSectionName)
    if let resolver = try? SymbolResolver(elf: elf, names: ["runtime.throw"]) {
        _ = try? resolver.suggestions(for: "runtime.thorw")
    }
    if let mappings = try? Mapping.fromLoadSegments(of: elf), var builder = try? PageTableBuilder(mode: .fourLevel) {
        if (try? builder.add(mappings)) != nil, let tables = try? builder.build(base: 0x10_0000) {
            _ = try? PageTableWalker.walk(bytes: tables.bytes, mode: .fourLevel, base: 0x10_0000)
        }
    }
    let options = PackOptions(kernelPath: "fuzz.elf", outputPath: "/nonexistent/fuzz.img")
    if let layout = try? BootImageLayout.make(kernel: elf, loaderSize: nil, options: options) {
        _ = layout.protectedModeHead()
    }
    if let report = try? Inspector.inspect(file: file, mode: nil, base: nil) {
        _ = report.text(style: .ascii)
        _ = report.json()
    }
    return 0
}

/// The fuzzer's bytes as a stream of choices; zeros once they run out.
struct FieldReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var at = 0
    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func byte() -> UInt8 {
        guard at < bytes.count else { return 0 }
        defer { at += 1 }
        return bytes[at]
    }
    mutating func raw(_ width: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<width { v |= UInt64(byte()) << (8 * UInt64(i)) }
        return v
    }
    /// One of `likely` (by the next byte), or now and then a raw value of `width` bytes.
    mutating func pick(_ likely: [UInt64], width: Int) -> UInt64 {
        let b = Int(byte())
        if b >= 240 || likely.isEmpty { return raw(width) }
        return likely[b % likely.count]
    }
}

/// An ELF32 or ELF64 file from field choices: the header, then code, the section name table, a
/// string table, a symbol table and a redirect table, then the program and section headers.
enum FieldELF {
    static let addresses: [UInt64] = [0, 0x1000, 0x10_0000, 0x20_0000, 0x20_1000, 0xFFFF_F000, 1 << 32, (1 << 47) - 0x1000,
                                      1 << 47, (1 << 57) - 0x1000, 0xFFFF_8000_0000_0000, 0xFFFF_FFFF_8000_0000, 0xFFFF_FFFF_FFFF_F000]
    static let sizes: [UInt64] = [0, 1, 0x10, 0x100, 0xFFF, 0x1000, 0x20_0000, 0xFFFF_FFFF, 1 << 32, 1 << 46, 0xFFFF_FFFF_FFFF_F000, .max]

    static func make(_ f: inout FieldReader) -> [UInt8] {
        let is64 = f.byte() & 1 == 0
        let w = is64 ? 8 : 4
        let ehsize = is64 ? 64 : 52, phentsize = is64 ? 56 : 32, shentsize = is64 ? 64 : 40, symsize = is64 ? 24 : 16
        let phnum = Int(f.byte() % 8), shnum = Int(f.byte() % 10), symnum = Int(f.byte() % 32)

        // The blobs, at fixed offsets the field choices can name.
        var out = [UInt8](repeating: 0, count: 0x1000)
        let code = UInt64(out.count)
        out += [UInt8](repeating: 0xF4, count: 0x100)
        let names: [UInt8] = [0] + Array(".text\0.shstrtab\0.symtab\0.strtab\0.goredirectstbl\0.data\0.bss\0".utf8)
        let shstr = UInt64(out.count)
        out += names
        let strings: [UInt8] = [0] + Array("_start\0runtime.throw\0kern.Panic\0".utf8) + [UInt8](repeating: 0x73, count: 300) + [0]
        let str = UInt64(out.count)
        out += strings
        while out.count % 8 != 0 { out.append(0) }
        let sym = UInt64(out.count)
        out += [UInt8](repeating: 0, count: symsize)
        for _ in 0..<symnum {
            let name = f.pick([1, 8, 22, 33, UInt64(strings.count - 1), UInt64(strings.count)], width: 4)
            let value = f.pick(addresses + [0x20_0000, 0x20_0010, 0x20_0020], width: w)
            let size = f.pick([0, 16, 0x100, .max], width: w)
            let info = UInt64(f.byte()), shndx = f.pick([0, 1, 1, 2, 3, 0xFFF1, 0xFFF2, 0xFFFF], width: 2)
            if is64 {
                put(&out, name, 4); put(&out, info, 1); put(&out, 0, 1); put(&out, shndx, 2); put(&out, value, 8); put(&out, size, 8)
            } else {
                put(&out, name, 4); put(&out, value, 4); put(&out, size, 4); put(&out, info, 1); put(&out, 0, 1); put(&out, shndx, 2)
            }
        }
        let symEnd = UInt64(out.count)
        let table = UInt64(out.count)
        for _ in 0..<Int(f.byte() % 5) * 2 { put(&out, f.pick(addresses + [0x20_0010, 0x20_0020], width: w), w) }
        let tableEnd = UInt64(out.count)
        while out.count % 8 != 0 { out.append(0) }
        let end = UInt64(out.count)
        let offsets: [UInt64] = [code, shstr, str, sym, table, 0, 0x40, end, end - 1, end + 0x1000, 1 << 32]

        let phoff = UInt64(out.count)
        for _ in 0..<phnum {
            let type = f.pick([1, 1, 1, 4, 6, 7, 0x6474_E551], width: 4)
            let flags = UInt64(f.byte() & 7)
            let offset = f.pick(offsets, width: w)
            let vaddr = f.pick(addresses, width: w)
            let paddr = f.byte() & 1 == 0 ? vaddr : f.pick(addresses, width: w)
            let filesz = f.pick([0, 0x10, 0x100] + sizes, width: w)
            let memsz = f.byte() & 1 == 0 ? filesz : f.pick(sizes, width: w)
            let align = f.pick([0, 1, 0x1000, 0x20_0000, 3], width: w)
            if is64 {
                put(&out, type, 4); put(&out, flags, 4); put(&out, offset, 8); put(&out, vaddr, 8); put(&out, paddr, 8)
                put(&out, filesz, 8); put(&out, memsz, 8); put(&out, align, 8)
            } else {
                put(&out, type, 4); put(&out, offset, 4); put(&out, vaddr, 4); put(&out, paddr, 4)
                put(&out, filesz, 4); put(&out, memsz, 4); put(&out, flags, 4); put(&out, align, 4)
            }
        }
        let shoff = UInt64(out.count)
        // Section 0, then .text, .shstrtab, .symtab, .strtab, .goredirectstbl as a linker writes
        // them, each field replaceable by a choice; then sections made of choices only.
        let real: [(name: UInt64, type: UInt64, flags: UInt64, addr: UInt64, offset: UInt64, size: UInt64, link: UInt64, entsize: UInt64)] = [
            (0, 0, 0, 0, 0, 0, 0, 0),
            (1, 1, 6, 0x20_0000, code, 0x100, 0, 0),
            (7, 3, 0, 0, shstr, UInt64(names.count), 0, 0),
            (17, 2, 0, 0, sym, symEnd - sym, 4, UInt64(symsize)),
            (25, 3, 0, 0, str, UInt64(strings.count), 0, 0),
            (33, 1, 3, 0x30_0000, table, tableEnd - table, 0, 0),
        ]
        let count = min(shnum, real.count) + max(0, shnum - real.count)
        for i in 0..<count {
            var s = real[min(i, real.count - 1)]
            if i >= real.count || f.byte() < 64 {
                s.name = f.pick([0, 1, 7, 17, 25, 33, 49, UInt64(names.count), 0xFFFF_FFFF], width: 4)
                s.type = f.pick([0, 1, 2, 3, 7, 8, 11], width: 4)
                s.flags = UInt64(f.byte() & 7)
                s.addr = f.pick(addresses, width: w)
                s.offset = f.pick(offsets, width: w)
                s.size = f.pick(sizes, width: w)
                s.link = f.pick([0, 1, 2, 3, 4, 9, 0xFFFF], width: 4)
                s.entsize = f.pick([0, UInt64(symsize), 1], width: w)
            }
            put(&out, s.name, 4); put(&out, s.type, 4); put(&out, s.flags, w); put(&out, s.addr, w); put(&out, s.offset, w)
            put(&out, s.size, w); put(&out, s.link, 4); put(&out, i == 3 ? 1 : 0, 4); put(&out, 1, w); put(&out, s.entsize, w)
        }

        var h: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, is64 ? 2 : 1, 1, 1, 0] + [UInt8](repeating: 0, count: 8)
        put(&h, f.pick([2, 2, 2, 1, 3], width: 2), 2); put(&h, is64 ? 62 : 3, 2); put(&h, 1, 4)
        put(&h, f.pick([0x20_0000, 0x20_0010] + addresses, width: w), w)
        put(&h, f.pick([phoff, phoff, 0, end, 0xFFFF_FFFF], width: w), w)
        put(&h, f.pick([shoff, shoff, 0, end, 0xFFFF_FFFF], width: w), w)
        put(&h, 0, 4); put(&h, UInt64(ehsize), 2); put(&h, UInt64(phentsize), 2)
        put(&h, f.pick([UInt64(phnum), UInt64(phnum), 0xFFFF, 0], width: 2), 2)
        put(&h, UInt64(shentsize), 2)
        put(&h, f.pick([UInt64(count), UInt64(count), 0, 0xFFFF], width: 2), 2)
        put(&h, f.pick([2, 2, 0, 1, 3, 0xFFFF, UInt64(count)], width: 2), 2)
        out.replaceSubrange(0..<ehsize, with: h)
        return out
    }

    static func put(_ b: inout [UInt8], _ v: UInt64, _ width: Int) {
        for i in 0..<width { b.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
    }
}
