/// Everything `kimage redirect` will write, decided and checked before the first byte is written:
/// names resolved, functions checked, the table section checked and encoded, trampolines built.
package struct RedirectPlan: @unchecked Sendable {
    /// One resolved redirect, as printed and written.
    package struct Entry: Sendable, Equatable {
        package let source: String
        package let sourceAddress: UInt64
        package let destination: String
        package let destinationAddress: UInt64
        package let origin: FileLocation
    }

    package let elf: ELFFile
    package let location: RedirectTableLocation
    /// The table's name (section or symbol), empty when there is none.
    package var section: String { location.name }
    /// Sorted by source name: the table's order.
    package let entries: [Entry]
    package let slotCount: Int
    package var spareSlots: Int { slotCount - entries.count }
    package let patchesCode: Bool
    /// The table bytes, then (with `patch`) one trampoline per source.
    package let patches: [BytePatch]
    package let table: RedirectTable

    package init(elf: ELFFile, redirects: [Redirect], section: String = RedirectTable.defaultSectionName,
                patch: Bool = false, allowSpare: Bool = false) throws {
        try self.init(elf: elf, redirects: redirects, table: .section(section), patch: patch, allowSpare: allowSpare)
    }

    /// `table` .none needs `patch`: with neither a table nor trampolines there is nothing to write.
    package init(elf: ELFFile, redirects: [Redirect], table location: RedirectTableLocation,
                patch: Bool = false, allowSpare: Bool = false) throws {
        self.elf = elf
        self.location = location
        self.patchesCode = patch
        try RedirectSources.checkDuplicates(redirects)
        _ = try elf.symbolTableSection() // a stripped kernel says so before anything else

        let tableRange = try Self.tableRange(location, in: elf, patch: patch)
        slotCount = try Self.slotCount(tableRange, redirects: redirects.count, location: location, elfClass: elf.elfClass, allowSpare: allowSpare)
        let resolved = try Self.resolve(redirects, in: elf)
        entries = resolved.map { Entry(source: $0.0.source, sourceAddress: $0.1.value, destination: $0.0.destination,
                                       destinationAddress: $0.2.value, origin: $0.0.origin) }
        table = try RedirectTable(elfClass: elf.elfClass, entries: entries.map { .init(source: $0.sourceAddress, destination: $0.destinationAddress) },
                                  slotCount: slotCount, allowSpare: allowSpare, section: location.name)
        patches = try Self.patches(entries: entries, table: table, tableRange: tableRange, location: location, in: elf, patch: patch)
    }

    /// Where the table's bytes are: a section with file bytes, a data symbol, or nowhere.
    private static func tableRange(_ location: RedirectTableLocation, in elf: ELFFile, patch: Bool) throws -> TableRange? {
        switch location {
        case .section(let section):
            guard let tableSection = elf.section(named: section) else {
                throw RedirectError.tableSectionMissing(kernel: elf.path, section: section)
            }
            guard tableSection.holdsFileBytes else {
                throw RedirectError.tableSectionNoBits(kernel: elf.path, section: section)
            }
            return TableRange(offset: tableSection.offset, size: tableSection.size, address: tableSection.address)
        case .symbol(let name):
            let (offset, size, address) = try tableSymbol(name, in: elf)
            return TableRange(offset: offset, size: size, address: address)
        case .none:
            guard patch else { throw RedirectError.noTableWithoutPatch(kernel: elf.path) }
            return nil
        }
    }

    /// The table's slots: a whole number of entries, as many as redirects (or more, with
    /// `allowSpare`); without a table, one per redirect.
    private static func slotCount(_ range: TableRange?, redirects: Int, location: RedirectTableLocation, elfClass: ELFClass,
                                  allowSpare: Bool) throws -> Int {
        let section = location.name
        let entrySize = RedirectTable.entrySize(for: elfClass)
        var slots = redirects
        if let range {
            guard range.size % UInt64(entrySize) == 0 else {
                throw RedirectError.tableSectionBadSize(section: section, size: range.size, entrySize: entrySize)
            }
            slots = Int(range.size) / entrySize
        }
        if redirects > slots {
            throw RedirectError.tooFewSlots(section: section, slots: slots, needed: redirects)
        }
        if redirects < slots && !allowSpare {
            throw RedirectError.tooManySlots(section: section, slots: slots, needed: redirects)
        }
        return slots
    }

    /// The table's bytes, then (with `patch`) one trampoline per source, each checked to stay in
    /// its place (PatchBounds) and off the table.
    private static func patches(entries: [Entry], table: RedirectTable, tableRange: TableRange?, location: RedirectTableLocation,
                                in elf: ELFFile, patch: Bool) throws -> [BytePatch] {
        let section = location.name
        let trampolineSize = Trampoline.size(for: elf.elfClass)
        var patches: [BytePatch] = []
        let bounds = PatchBounds(elf: elf)
        if let tableRange {
            let owner: ELFSection?
            switch location {
            case .section(let name): owner = elf.section(named: name)
            default: owner = elf.section(containing: tableRange.address, length: max(tableRange.size, 1))
            }
            try bounds.check("the redirect table \(section)", offset: tableRange.offset, size: tableRange.size, owner: owner)
            patches.append(BytePatch(offset: tableRange.offset, bytes: table.encoded()))
        }
        guard patch else { return patches }
        for e in entries {
            guard let offset = elf.fileOffset(ofVirtualAddress: e.sourceAddress, length: UInt64(trampolineSize)) else {
                throw RedirectError.sourceNotInFile(kernel: elf.path, name: e.source, address: e.sourceAddress)
            }
            if let tableRange, (tableRange.offset..<(tableRange.offset + tableRange.size)).overlaps(offset..<(offset + UInt64(trampolineSize))) {
                throw RedirectError.trampolinesOverlap(first: e.source, firstAddress: e.sourceAddress, second: section,
                                                       secondAddress: tableRange.address, length: trampolineSize)
            }
            try bounds.check("the trampoline of \(e.source)", offset: offset, size: UInt64(trampolineSize),
                             owner: elf.section(containing: e.sourceAddress, length: UInt64(trampolineSize)))
            patches.append(BytePatch(offset: offset, bytes: Trampoline.bytes(from: e.sourceAddress, to: e.destinationAddress, elfClass: elf.elfClass)))
        }
        return patches
    }

    /// File offset, size and address of the table's bytes.
    struct TableRange { let offset: UInt64, size: UInt64, address: UInt64 }

    /// A data symbol holding the table (`--table-symbol`): defined once, not a function, its
    /// st_size bytes all in the file inside one PT_LOAD (the boot code reads them where loaded).
    static func tableSymbol(_ name: String, in elf: ELFFile) throws -> (offset: UInt64, size: UInt64, address: UInt64) {
        let kernel = elf.path
        let resolver = try SymbolResolver(elf: elf, names: [name])
        let defs = resolver.definitions[name] ?? []
        guard !defs.isEmpty else {
            throw RedirectError.tableSymbolMissing(kernel: kernel, symbol: name, suggestions: try resolver.suggestions(for: name))
        }
        guard defs.count == 1 else {
            throw RedirectError.tableSymbolAmbiguous(kernel: kernel, symbol: name, count: defs.count, definitions: resolver.describe(defs))
        }
        let s = defs[0]
        guard s.kind == .object || s.kind == .notype, s.sectionIndex < 0xFF00, Int(s.sectionIndex) < elf.sections.count else {
            throw RedirectError.tableSymbolNotData(kernel: kernel, symbol: name, found: resolver.describe(s))
        }
        let section = elf.sections[Int(s.sectionIndex)]
        guard section.holdsFileBytes else {
            throw RedirectError.tableSymbolNoBits(kernel: kernel, symbol: name, found: resolver.describe(s))
        }
        let inSegment = elf.segments.contains { seg in
            seg.isLoad && s.value >= seg.virtualAddress && s.size <= seg.fileSize && s.value - seg.virtualAddress <= seg.fileSize - s.size
        }
        guard s.size > 0, inSegment, let offset = elf.fileOffset(ofVirtualAddress: s.value, length: s.size) else {
            throw RedirectError.tableSymbolNotLoaded(kernel: kernel, symbol: name, found: resolver.describe(s))
        }
        return (offset, s.size, s.value)
    }

    /// Writes the kernel with the plan applied: in place (atomically) or to `destination`.
    /// `sources` are the other files the run read: `-o` naming one of them is refused.
    package func write(to destination: String, sources: [NamedPath] = []) throws {
        if destination != elf.path {
            try DistinctFiles.check(outputs: [NamedPath("-o", "the output", destination)], inputs: sources)
        }
        try elf.write(applying: patches, to: destination)
    }
}

extension RedirectPlan {
    private var addressDigits: Int { elf.elfClass == .elf64 ? 16 : 8 }

    /// A line per redirect: `runtime.throw 0x... -> kernel/kfmt.Panic 0x...`.
    package var lines: [String] {
        entries.map { "\($0.source) \(hex($0.sourceAddress, digits: addressDigits)) -> \($0.destination) \(hex($0.destinationAddress, digits: addressDigits))" }
    }

    /// `redirect --json`'s schema number: it goes up when a key changes meaning or goes away.
    package static let jsonSchemaVersion = 1

    /// The plan for tools; `output` is nil for --dry-run. Addresses are zero-padded to the
    /// class's width, as in the text lines.
    package func json(output: String?) -> String {
        JSONValue.object([
            ("schema", .int(RedirectPlan.jsonSchemaVersion)),
            ("kernel", .string(elf.path)),
            ("output", .optional(output)),
            ("class", .string(elf.elfClass.rawValue)),
            ("section", location.isSection ? .string(section) : .null),
            ("tableSymbol", location.isSymbol ? .string(section) : .null),
            ("slots", .int(slotCount)),
            ("spareSlots", .int(spareSlots)),
            ("patched", .bool(patchesCode)),
            ("redirects", .array(entries.map { e in
                .row([("src", .string(e.source)), ("srcAddress", .string(hex(e.sourceAddress, digits: addressDigits))),
                      ("dst", .string(e.destination)), ("dstAddress", .string(hex(e.destinationAddress, digits: addressDigits))),
                      ("file", .string(e.origin.file)), ("line", .int(e.origin.line))])
            })),
        ]).rendered()
    }
}
