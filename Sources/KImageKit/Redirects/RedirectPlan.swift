/// Everything `kimage redirect` will write, decided and checked before the first byte is written:
/// names resolved, functions checked, the table section checked and encoded, trampolines built.
public struct RedirectPlan: @unchecked Sendable {
    /// One resolved redirect, as printed and written.
    public struct Entry: Sendable, Equatable {
        public let source: String
        public let sourceAddress: UInt64
        public let destination: String
        public let destinationAddress: UInt64
        public let origin: FileLocation
    }

    public let elf: ELFFile
    public let location: RedirectTableLocation
    /// The table's name (section or symbol), empty when there is none.
    public var section: String { location.name }
    /// Sorted by source name: the table's order.
    public let entries: [Entry]
    public let slotCount: Int
    public var spareSlots: Int { slotCount - entries.count }
    public let patchesCode: Bool
    /// The table bytes, then (with `patch`) one trampoline per source.
    public let patches: [BytePatch]
    public let table: RedirectTable

    public init(elf: ELFFile, redirects: [Redirect], section: String = RedirectTable.defaultSectionName,
                patch: Bool = false, allowSpare: Bool = false) throws {
        try self.init(elf: elf, redirects: redirects, table: .section(section), patch: patch, allowSpare: allowSpare)
    }

    /// `table` .none needs `patch`: with neither a table nor trampolines there is nothing to write.
    public init(elf: ELFFile, redirects: [Redirect], table location: RedirectTableLocation,
                patch: Bool = false, allowSpare: Bool = false) throws {
        self.elf = elf
        self.location = location
        self.patchesCode = patch
        let kernel = elf.path
        let cls = elf.elfClass
        try RedirectSources.checkDuplicates(redirects)
        _ = try elf.symbolTableSection() // a stripped kernel says so before anything else

        // The table: present, with file bytes, a whole number of entries, the right size.
        let entrySize = RedirectTable.entrySize(for: cls)
        let tableRange: (offset: UInt64, size: UInt64, address: UInt64)?
        switch location {
        case .section(let section):
            guard let tableSection = elf.section(named: section) else {
                throw KImageError.redirect(.tableSectionMissing(kernel: kernel, section: section))
            }
            guard tableSection.holdsFileBytes else {
                throw KImageError.redirect(.tableSectionNoBits(kernel: kernel, section: section))
            }
            tableRange = (tableSection.offset, tableSection.size, tableSection.address)
        case .symbol(let name):
            tableRange = try Self.tableSymbol(name, in: elf)
        case .none:
            guard patch else { throw KImageError.redirect(.noTableWithoutPatch(kernel: kernel)) }
            tableRange = nil
        }
        let section = location.name
        if let tableRange {
            guard tableRange.size % UInt64(entrySize) == 0 else {
                throw KImageError.redirect(.tableSectionBadSize(section: section, size: tableRange.size, entrySize: entrySize))
            }
            slotCount = Int(tableRange.size) / entrySize
        } else {
            slotCount = redirects.count
        }
        if redirects.count > slotCount {
            throw KImageError.redirect(.tooFewSlots(section: section, slots: slotCount, needed: redirects.count))
        }
        if redirects.count < slotCount && !allowSpare {
            throw KImageError.redirect(.tooManySlots(section: section, slots: slotCount, needed: redirects.count))
        }

        // Names: one pass over the symbol table, then one lookup each.
        var names = Set<String>()
        for r in redirects { names.insert(r.source); names.insert(r.destination) }
        let resolver = try SymbolResolver(elf: elf, names: names)
        let trampolineSize = Trampoline.size(for: cls)
        var problems: [RedirectError] = []
        var resolved: [(Redirect, ELFSymbol, ELFSymbol)] = []

        func lookUp(_ name: String, _ role: RedirectError.Role, _ r: Redirect) throws -> ELFSymbol? {
            let defs = resolver.definitions[name] ?? []
            if defs.isEmpty {
                // Each search is a pass over the symbol table: the first few problems get one.
                let search = problems.count < RedirectError.detailedProblems
                problems.append(.symbolNotFound(kernel: kernel, role: role, name: name, origin: r.origin,
                                                suggestions: search ? try resolver.suggestions(for: name) : []))
                return nil
            }
            if defs.count > 1 {
                problems.append(.symbolAmbiguous(kernel: kernel, role: role, name: name, origin: r.origin, count: defs.count, definitions: resolver.describe(defs)))
                return nil
            }
            let s = defs[0]
            if s.kind != .function {
                problems.append(.notAFunction(kernel: kernel, role: role, name: name, origin: r.origin, kind: "\(SymbolResolver.kindName(s.kind)) \(resolver.describe(s))"))
                return nil
            }
            let index = Int(s.sectionIndex)
            guard s.sectionIndex < 0xFF00, index < elf.sections.count, elf.sections[index].isExecutable, elf.sections[index].isAlloc else {
                problems.append(.notInExecutableSection(kernel: kernel, role: role, name: name, origin: r.origin, section: resolver.sectionName(of: s)))
                return nil
            }
            // In a linked kernel a function's address lies in the section it names; one that does
            // not would put a jump (or a trampoline) where no code of that section is.
            let section = elf.sections[index]
            if elf.type != 1, !section.contains(address: s.value) {
                problems.append(.outsideItsSection(kernel: kernel, role: role, name: name, origin: r.origin, address: s.value,
                                                   section: section.shownName, start: section.address, end: section.address &+ section.size))
                return nil
            }
            return s
        }

        for r in redirects.sorted(by: { $0.source.utf8Precedes($1.source) }) {
            let src = try lookUp(r.source, .source, r)
            let dst = try lookUp(r.destination, .destination, r)
            guard let src, let dst else { continue }
            if src.size < UInt64(trampolineSize) {
                let next = problems.count < RedirectError.detailedProblems
                    ? try resolver.firstSymbol(after: src, before: src.value &+ UInt64(trampolineSize)) : nil
                problems.append(.sourceTooSmall(kernel: kernel, name: r.source, address: src.value, size: src.size, needed: trampolineSize,
                                                next: next.map { "\($0.name) at \(hex($0.value))" }, origin: r.origin))
                continue
            }
            if src.value == dst.value {
                problems.append(.redirectToItself(name: r.source, destination: r.destination, address: src.value, origin: r.origin))
                continue
            }
            resolved.append((r, src, dst))
        }
        if let first = problems.first {
            throw KImageError.redirect(problems.count == 1 ? first : .several(problems))
        }

        // Two sources at (nearly) the same address would get overlapping trampolines.
        let byAddress = resolved.sorted { $0.1.value < $1.1.value }
        for (a, b) in zip(byAddress, byAddress.dropFirst()) where b.1.value - a.1.value < UInt64(trampolineSize) {
            throw KImageError.redirect(.trampolinesOverlap(first: a.0.source, firstAddress: a.1.value, second: b.0.source,
                                                           secondAddress: b.1.value, length: trampolineSize))
        }

        entries = resolved.map { Entry(source: $0.0.source, sourceAddress: $0.1.value, destination: $0.0.destination,
                                       destinationAddress: $0.2.value, origin: $0.0.origin) }
        table = try RedirectTable(elfClass: cls, entries: entries.map { .init(source: $0.sourceAddress, destination: $0.destinationAddress) },
                                  slotCount: slotCount, allowSpare: allowSpare, section: section)
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
        if patch {
            for e in entries {
                guard let offset = elf.fileOffset(ofVirtualAddress: e.sourceAddress, length: UInt64(trampolineSize)) else {
                    throw KImageError.redirect(.sourceNotInFile(kernel: kernel, name: e.source, address: e.sourceAddress))
                }
                if let tableRange, (tableRange.offset..<(tableRange.offset + tableRange.size)).overlaps(offset..<(offset + UInt64(trampolineSize))) {
                    throw KImageError.redirect(.trampolinesOverlap(first: e.source, firstAddress: e.sourceAddress, second: section,
                                                                   secondAddress: tableRange.address, length: trampolineSize))
                }
                try bounds.check("the trampoline of \(e.source)", offset: offset, size: UInt64(trampolineSize),
                                 owner: elf.section(containing: e.sourceAddress, length: UInt64(trampolineSize)))
                patches.append(BytePatch(offset: offset, bytes: Trampoline.bytes(from: e.sourceAddress, to: e.destinationAddress, elfClass: cls)))
            }
        }
        self.patches = patches
    }

    /// A data symbol holding the table (`--table-symbol`): defined once, not a function, its
    /// st_size bytes all in the file inside one PT_LOAD (the boot code reads them where loaded).
    static func tableSymbol(_ name: String, in elf: ELFFile) throws -> (offset: UInt64, size: UInt64, address: UInt64) {
        let kernel = elf.path
        let resolver = try SymbolResolver(elf: elf, names: [name])
        let defs = resolver.definitions[name] ?? []
        guard !defs.isEmpty else {
            throw KImageError.redirect(.tableSymbolMissing(kernel: kernel, symbol: name, suggestions: try resolver.suggestions(for: name)))
        }
        guard defs.count == 1 else {
            throw KImageError.redirect(.tableSymbolAmbiguous(kernel: kernel, symbol: name, count: defs.count, definitions: resolver.describe(defs)))
        }
        let s = defs[0]
        guard s.kind == .object || s.kind == .notype, s.sectionIndex < 0xFF00, Int(s.sectionIndex) < elf.sections.count else {
            throw KImageError.redirect(.tableSymbolNotData(kernel: kernel, symbol: name, found: resolver.describe(s)))
        }
        let section = elf.sections[Int(s.sectionIndex)]
        guard section.holdsFileBytes else {
            throw KImageError.redirect(.tableSymbolNoBits(kernel: kernel, symbol: name, found: resolver.describe(s)))
        }
        let inSegment = elf.segments.contains { seg in
            seg.isLoad && s.value >= seg.virtualAddress && s.size <= seg.fileSize && s.value - seg.virtualAddress <= seg.fileSize - s.size
        }
        guard s.size > 0, inSegment, let offset = elf.fileOffset(ofVirtualAddress: s.value, length: s.size) else {
            throw KImageError.redirect(.tableSymbolNotLoaded(kernel: kernel, symbol: name, found: resolver.describe(s)))
        }
        return (offset, s.size, s.value)
    }

    /// Writes the kernel with the plan applied: in place (atomically) or to `destination`.
    /// `sources` are the other files the run read: `-o` naming one of them is refused.
    public func write(to destination: String, sources: [NamedPath] = []) throws {
        if destination != elf.path {
            try DistinctFiles.check(outputs: [NamedPath("-o", "the output", destination)], inputs: sources)
        }
        try elf.write(applying: patches, to: destination)
    }
}

extension RedirectPlan {
    private var addressDigits: Int { elf.elfClass == .elf64 ? 16 : 8 }

    /// A line per redirect: `runtime.throw 0x... -> kernel/kfmt.Panic 0x...`.
    public var lines: [String] {
        entries.map { "\($0.source) \(hex($0.sourceAddress, digits: addressDigits)) -> \($0.destination) \(hex($0.destinationAddress, digits: addressDigits))" }
    }

    /// `redirect --json`'s schema number: it goes up when a key changes meaning or goes away.
    public static let jsonSchemaVersion = 1

    /// The plan for tools; `output` is nil for --dry-run. Addresses are zero-padded to the
    /// class's width, as in the text lines.
    public func json(output: String?) -> String {
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
