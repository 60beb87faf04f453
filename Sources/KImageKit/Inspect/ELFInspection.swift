/// What `kimage inspect` shows of a kernel ELF: the header summary, the PT_LOAD segments as a
/// box diagram by virtual address with their load (physical) addresses beside them and the
/// sections inside each, the symbol count, the redirect table and W+X segments.
package struct ELFInspection: Sendable {
    package struct LoadSegment: Sendable, Equatable {
        package let segment: ELFSegment
        /// Allocated sections whose addresses fall inside the segment's memory, by address.
        package let sections: [ELFSection]
    }

    package struct RedirectEntry: Sendable, Equatable {
        package let source: UInt64
        package let destination: UInt64
        package let sourceSymbol: String?
        package let destinationSymbol: String?
        /// Whether the bytes at src already are the trampoline to dst (`redirect --patch`); nil
        /// when src has no file bytes to look at.
        package let trampolineInstalled: Bool?

        package init(source: UInt64, destination: UInt64, sourceSymbol: String?, destinationSymbol: String?, trampolineInstalled: Bool?) {
            self.source = source
            self.destination = destination
            self.sourceSymbol = sourceSymbol
            self.destinationSymbol = destinationSymbol
            self.trampolineInstalled = trampolineInstalled
        }
    }

    package struct Redirects: Sendable, Equatable {
        package let section: String
        package let address: UInt64
        package let slots: Int
        package let entries: [RedirectEntry]
    }

    package let path: String
    package let fileSize: Int
    package let elfClass: ELFClass
    package let machine: ELFMachine
    package let type: UInt16
    package let entry: UInt64
    package let entrySection: String?
    package let segments: [ELFSegment]
    /// PT_LOAD segments by virtual address.
    package let loadSegments: [LoadSegment]
    package let sections: [ELFSection]
    /// nil when there is no symbol table or it could not be read (see warnings).
    package let symbolCount: Int?
    package let symbolTable: String?
    package let redirects: Redirects?
    /// The multiboot headers loaders would find, and the handoff `kimage pack --handoff auto` picks.
    package let multibootHeader: MultibootHeader?
    package let multiboot2Header: Multiboot2Header?
    package let handoff: HandoffChoice?
    package private(set) var warnings: [String] = []

    package init(file: ELFFile, redirectSection: String = RedirectTable.defaultSectionName) throws {
        path = file.path
        fileSize = file.bytes.count
        elfClass = file.elfClass
        machine = file.machine
        type = file.type
        entry = file.entry
        entrySection = file.section(containing: file.entry)?.shownName
        segments = file.segments
        sections = file.sections
        loadSegments = Self.loadSegments(of: file)
        var warnings: [String] = []
        let head = Array(file.bytes.prefix(Multiboot2Header.searchLimit))
        multibootHeader = MultibootHeader.find(in: head)
        multiboot2Header = Multiboot2Header.find(in: head)
        handoff = try? HandoffChoice.choose(.auto, kernel: file, head: head)

        // The table, decoded first so the one pass over the symbols can name its addresses.
        let (table, tableSection) = try Self.redirectTable(in: file, section: redirectSection, warnings: &warnings)
        let wanted = Set((table?.entries ?? []).flatMap { [$0.source, $0.destination] })
        let (best, count, tableName) = try Self.symbols(at: wanted, in: file, warnings: &warnings)
        symbolCount = count
        symbolTable = tableName
        if let table, let tableSection {
            redirects = Self.redirects(table, in: tableSection, names: best, file: file, warnings: &warnings)
        } else {
            redirects = nil
        }
        self.warnings = warnings + segmentWarnings()
    }

    /// The PT_LOAD segments by virtual address, each with the allocated sections inside it.
    static func loadSegments(of file: ELFFile) -> [LoadSegment] {
        let loads = file.loadSegments.sorted { ($0.virtualAddress, $0.index) < ($1.virtualAddress, $1.index) }
        return loads.map { s in
            let inside = file.sections.filter { sec in
                sec.isAlloc && sec.address >= s.virtualAddress && sec.address - s.virtualAddress < max(s.memorySize, 1)
                    && !(sec.size == 0 && s.memorySize == 0)
            }.sorted { ($0.address, $0.index) < ($1.address, $1.index) }
            return LoadSegment(segment: s, sections: inside)
        }
    }

    /// The redirect table section, decoded (a NOBITS one as zeros); a table that does not decode
    /// is a warning, not a failure of inspect.
    static func redirectTable(in file: ELFFile, section name: String, warnings: inout [String]) throws -> (RedirectTable?, ELFSection?) {
        guard let sec = file.section(named: name) else { return (nil, nil) }
        let bytes: [UInt8]
        if sec.holdsFileBytes {
            bytes = file.fileBytes(at: sec.offset, count: Int(sec.size)) ?? []
        } else {
            bytes = [UInt8](repeating: 0, count: Int(min(sec.size, 1 << 24)))
        }
        do {
            return (try RedirectTable.decode(bytes, elfClass: file.elfClass, section: name), sec)
        } catch let e as any KImageError {
            warnings.append("redirect table not decoded: \(e.description)")
        }
        return (nil, sec)
    }

    /// One pass over the symbols: the best name for each wanted address, the symbol count and
    /// the symbol table's name (nil counts when there is none).
    static func symbols(at wanted: Set<UInt64>, in file: ELFFile,
                        warnings: inout [String]) throws -> (best: [UInt64: ELFSymbol], count: Int?, table: String?) {
        var best: [UInt64: ELFSymbol] = [:]
        var tableName: String?
        do {
            let symtab = try file.symbolTableSection()
            tableName = symtab.shownName
            var n = 0
            // Names are decoded only when a symbol becomes the best for its address: at most a
            // few times per address, however many symbols share it.
            try file.forEachSymbolEntry { e in
                n += 1
                guard wanted.contains(e.value), e.isDefined, e.kind != .section, e.kind != .file, e.hasName else { return }
                if let old = best[e.value], Self.rank(old) >= Self.rank(kind: e.kind, binding: e.binding) { return }
                best[e.value] = ELFSymbol(index: e.index, name: e.shownName, value: e.value, size: e.size,
                                          kind: e.kind, binding: e.binding, sectionIndex: e.sectionIndex)
            }
            return (best, n, tableName)
        } catch ELFError.noSymbolTable {
            return (best, nil, nil)
        } catch let e as any KImageError {
            warnings.append("symbol table unreadable: \(e.description)")
            return (best, nil, tableName)
        }
    }

    /// The table's entries with their symbols, and whether each trampoline is in place at its source.
    static func redirects(_ table: RedirectTable, in sec: ELFSection, names best: [UInt64: ELFSymbol], file: ELFFile,
                          warnings: inout [String]) -> Redirects {
        let size = Trampoline.size(for: file.elfClass)
        let entries = table.entries.map { e -> RedirectEntry in
            var installed: Bool?
            if let offset = file.fileOffset(ofVirtualAddress: e.source, length: UInt64(size)),
               let code = file.fileBytes(at: offset, count: size) {
                installed = Trampoline.isInstalled(in: code, at: e.source, to: e.destination, elfClass: file.elfClass)
                if installed == false, let other = Trampoline.destination(in: code, at: e.source, elfClass: file.elfClass) {
                    warnings.append("redirect src \(hex(e.source)) holds a trampoline to \(hex(other)), but the table says \(hex(e.destination)): rerun kimage redirect --patch")
                }
            }
            return RedirectEntry(source: e.source, destination: e.destination,
                                 sourceSymbol: best[e.source]?.name, destinationSymbol: best[e.destination]?.name,
                                 trampolineInstalled: installed)
        }
        return Redirects(section: sec.shownName, address: sec.address, slots: table.slots.count, entries: entries)
    }

    /// RWX segments, and an entry point in no executable segment (for the kimage handoff).
    func segmentWarnings() -> [String] {
        var warnings: [String] = []
        for l in loadSegments where l.segment.isWritable && l.segment.isExecutable {
            let s = l.segment
            warnings.append("segment \(s.index) (LOAD \(fullHex(s.virtualAddress, bits: Self.bits(elfClass)))..\(fullHex(s.virtualAddress &+ s.memorySize, bits: Self.bits(elfClass)))) is writable and executable (RWX): give code and data their own PT_LOAD segments (PHDRS in the linker script) so the page tables can keep W^X")
        }
        if !loadSegments.isEmpty && entrySection == nil && handoff?.handoff == .kimage && !loadSegments.contains(where: {
            $0.segment.isExecutable && ((entry >= $0.segment.virtualAddress && entry - $0.segment.virtualAddress < $0.segment.memorySize)
                || (entry >= $0.segment.physicalAddress && entry - $0.segment.physicalAddress < $0.segment.memorySize))
        }) {
            warnings.append("entry point \(hex(entry)) lies in no executable PT_LOAD segment: check ENTRY() in the linker script")
        }
        return warnings
    }

    /// The multiboot headers, every field and tag decoded with what it asks of the loader, and
    /// the handoff pack would choose.
    func handoffText() -> String {
        var out = ""
        if let h = multiboot2Header {
            out += "\nmultiboot2 header at file offset \(hex(UInt64(h.fileOffset))): architecture \(h.architecture) (i386), header_length \(h.headerLength), checksum \(hex(UInt64(h.checksum)))\n"
            for tag in h.tags {
                var fields = ""
                if let kind = Multiboot2Header.Tag.kinds[tag.type], !kind.fields.isEmpty {
                    fields = " " + kind.fields.enumerated().map { "\($0.element) \(hex(UInt64(tag.word($0.offset))))" }.joined(separator: ", ")
                }
                let optional = tag.type == 0 ? "" : tag.isOptional ? " (optional)" : " (required)"
                out += "  tag \(tag.type) \(tag.name)\(optional), size \(tag.size)\(fields)\n      \(Multiboot2Header.meaning(of: tag))\n"
            }
            if let problem = h.tagProblem { out += "  tags end early: \(problem)\n" }
            for r in h.unsupportedRequests { out += "  kimage cannot honour: \(r.what) (\(r.fix))\n" }
            if !h.requiredUEFITags.isEmpty {
                let tags = h.requiredUEFITags.map(String.init).joined(separator: ", ")
                out += "  boots only under UEFI: it requires information tag \(tags), which only a UEFI boot gives (a BIOS boot stops in the setup; --no-efi is refused)\n"
            }
        }
        if let h = multibootHeader {
            out += "\nmultiboot header at file offset \(hex(UInt64(h.fileOffset))):\n"
            for f in h.meaningfulFields {
                out += "  \(f.name) \(hex(UInt64(h.value(f))))\n"
            }
            for m in h.flagMeanings { out += "    flags \(m)\n" }
            for r in h.unsupportedRequests { out += "  kimage cannot honour: \(r.what) (\(r.fix))\n" }
        }
        if let handoff {
            out += "\nhandoff:  kimage pack --handoff auto picks \(handoff.handoff.rawValue):\n          \(handoff.reason)\n"
        }
        return out
    }

    /// Which symbol names an address best: a function, then a global, then anything else.
    static func rank(_ s: ELFSymbol) -> Int { rank(kind: s.kind, binding: s.binding) }

    static func rank(kind: ELFSymbol.Kind, binding: UInt8) -> Int {
        (kind == .function ? 4 : kind == .object ? 2 : 1) + (binding == 1 ? 1 : 0)
    }

    static func bits(_ c: ELFClass) -> Int { c == .elf64 ? 64 : 32 }
    var bits: Int { Self.bits(elfClass) }

    var typeName: String {
        switch type {
        case 1: return "relocatable (REL)"
        case 2: return "executable (EXEC)"
        case 3: return "shared object (DYN)"
        case 4: return "core (CORE)"
        default: return "type \(type)"
        }
    }

    // MARK: Text

    package func text(style: BoxDiagram.Style = .ascii) -> String {
        var out = "\(path): \(elfClass.rawValue) \(machine.rawValue) \(typeName), \(sizeText(fileSize))\n"
        out += "entry:    \(fullHex(entry, bits: bits))\(entrySection.map { " in \($0)" } ?? "")\n"
        if let symbolCount, let symbolTable {
            out += "symbols:  \(symbolCount) in \(symbolTable)\n"
        } else if symbolTable == nil && symbolCount == nil && !warnings.contains(where: { $0.hasPrefix("symbol table") }) {
            out += "symbols:  none (no .symtab or .dynsym: stripped)\n"
        } else {
            out += "symbols:  unreadable (see warnings)\n"
        }
        let others = segments.filter { !$0.isLoad }
        out += "segments: \(loadSegments.count) LOAD"
        if !others.isEmpty {
            out += ", " + others.map { "\($0.typeName) \($0.flagString)" }.joined(separator: ", ")
        }
        out += "\n"
        if !loadSegments.isEmpty {
            out += "\nLOAD segments by virtual address (virtual on the left, physical load address on the right):\n\n"
            out += diagram().render(style)
        }
        let outside = sections.filter { s in s.isAlloc && s.size > 0 && !loadSegments.contains { $0.sections.contains(s) } }
        if !outside.isEmpty {
            out += "\nallocated sections in no LOAD segment: " + outside.map(\.shownName).joined(separator: " ") + "\n"
        }
        if let redirects {
            out += "\n" + redirectText(redirects)
        }
        out += handoffText()
        if !warnings.isEmpty {
            out += "\n" + warningText(warnings)
        }
        return out
    }

    /// The segments, highest address at the top (address increases upward, as in Jinue's
    /// layout.md), gaps between them sized.
    package func diagram() -> BoxDiagram {
        func addr(_ v: UInt64) -> String { fullHex(v, bits: bits) }
        let descending = Array(loadSegments.reversed())
        let top = descending[0].segment
        var d = BoxDiagram(top: .init(left: hexEnd(start: top.virtualAddress, size: top.memorySize, digits: bits / 4),
                                      right: hexEnd(start: top.physicalAddress, size: top.memorySize, digits: bits / 4)))
        d.headerLeft = "virtual"
        d.headerRight = "physical"
        for (i, l) in descending.enumerated() {
            let s = l.segment
            d.append(.init(segmentLines(l)), then: .init(left: addr(s.virtualAddress), right: addr(s.physicalAddress)))
            guard i + 1 < descending.count else { continue }
            let below = descending[i + 1].segment
            let vEnd = below.virtualAddress &+ below.memorySize, pEnd = below.physicalAddress &+ below.memorySize
            if vEnd == s.virtualAddress && pEnd == s.physicalAddress { continue }
            var line: String
            if vEnd <= s.virtualAddress {
                line = vEnd == s.virtualAddress ? "no virtual gap" : "gap \(HumanSize.text(s.virtualAddress - vEnd))"
            } else {
                line = "overlaps the segment above by \(HumanSize.text(vEnd - s.virtualAddress))"
            }
            if pEnd <= s.physicalAddress {
                let pGap = s.physicalAddress - pEnd
                if pGap != s.virtualAddress &- vEnd || vEnd > s.virtualAddress { line += ", physical gap \(HumanSize.text(pGap))" }
            } else {
                line += ", physical overlap \(HumanSize.text(pEnd - s.physicalAddress))"
            }
            d.append(.init([line], isGap: true), then: .init(left: addr(vEnd), right: addr(pEnd)))
        }
        return d
    }

    func segmentLines(_ l: LoadSegment) -> [String] {
        let s = l.segment
        var head = "LOAD \(s.index)  \(s.flagString)  \(HumanSize.text(s.memorySize))"
        if s.fileSize != s.memorySize { head += " (file \(HumanSize.text(s.fileSize)))" }
        if s.isWritable && s.isExecutable { head += "  W+X!" }
        var lines = [head]
        // 24 keeps the widest row (name, offset, size, "(nobits)") inside a 100-column diagram.
        let nameWidth = min(24, l.sections.map(\.shownName.count).max() ?? 0)
        for sec in l.sections {
            let offset = "+" + hex(sec.address - s.virtualAddress)
            var line = "  " + padded(sec.shownName, nameWidth) + "  " + padded(offset, 9) + "  " + HumanSize.text(sec.size)
            if !sec.holdsFileBytes { line += " (nobits)" }
            lines.append(line)
        }
        return lines
    }

    func redirectText(_ r: Redirects) -> String {
        var out = "redirect table \(r.section) at \(fullHex(r.address, bits: bits)): \(r.entries.count) \(r.entries.count == 1 ? "entry" : "entries"), \(r.slots - r.entries.count) spare \(r.slots - r.entries.count == 1 ? "slot" : "slots")\n"
        for (i, e) in r.entries.enumerated() {
            let state: String
            switch e.trampolineInstalled {
            case true?: state = "trampoline installed at src"
            case false?: state = "src not patched: the boot code installs it"
            case nil: state = "src has no file bytes"
            }
            out += "  \(i): \(fullHex(e.source, bits: bits)) -> \(fullHex(e.destination, bits: bits))  \(state)\n"
            for line in wrap("\(e.sourceSymbol ?? "(no symbol)") -> \(e.destinationSymbol ?? "(no symbol)")", width: BoxDiagram.maxWidth - 6) {
                out += "     " + line + "\n"
            }
        }
        return out
    }

    // MARK: JSON

    package func json() -> JSONValue {
        func sectionFlags(_ s: ELFSection) -> String {
            (s.isWritable ? "W" : "") + (s.isAlloc ? "A" : "") + (s.isExecutable ? "X" : "")
        }
        let segs: [JSONValue] = segments.map { s in
            let inside = loadSegments.first { $0.segment.index == s.index }?.sections.map { JSONValue.string($0.shownName) } ?? []
            return .object([
                ("index", .int(s.index)), ("type", .string(s.typeName)), ("flags", .string(s.flagString)),
                ("offset", .address(s.offset)), ("virtual", .address(s.virtualAddress)),
                ("physical", .address(s.physicalAddress)), ("fileSize", .address(s.fileSize)),
                ("memorySize", .address(s.memorySize)), ("align", .address(s.alignment)),
                ("writableExecutable", .bool(s.isLoad && s.isWritable && s.isExecutable)),
                ("sections", .array(inside)),
            ])
        }
        let secs: [JSONValue] = sections.filter { $0.index != 0 }.map { s in
            .object([
                ("index", .int(s.index)), ("name", .string(s.shownName)), ("type", .int(Int(s.type))),
                ("flags", .string(sectionFlags(s))), ("address", .address(s.address)),
                ("offset", .address(s.offset)), ("size", .address(s.size)),
            ])
        }
        var redirectJSON = JSONValue.null
        if let r = redirects {
            redirectJSON = .object([
                ("section", .string(r.section)), ("address", .address(r.address)), ("slots", .int(r.slots)),
                ("entries", .array(r.entries.map { e in
                    .object([
                        ("src", .address(e.source)), ("srcSymbol", .optional(e.sourceSymbol)),
                        ("dst", .address(e.destination)), ("dstSymbol", .optional(e.destinationSymbol)),
                        ("trampolineInstalled", e.trampolineInstalled.map { .bool($0) } ?? .null),
                    ])
                })),
            ])
        }
        return .object([
            ("class", .string(elfClass.rawValue)), ("machine", .string(machine.rawValue)),
            ("type", .int(Int(type))), ("entry", .address(entry)), ("entrySection", .optional(entrySection)),
            ("symbolTable", .optional(symbolTable)), ("symbols", symbolCount.map { .int($0) } ?? .null),
            ("segments", .array(segs)), ("sections", .array(secs)), ("redirects", redirectJSON),
            ("multibootHeader", multibootHeader.map { h in
                .object([("fileOffset", .address(UInt64(h.fileOffset)))] + h.meaningfulFields.map { ($0.name, JSONValue.address(UInt64(h.value($0)))) }
                        + [("cannotHonour", .array(h.unsupportedRequests.map { .string($0.what) }))])
            } ?? .null),
            ("multiboot2Header", multiboot2Header.map { h in
                .object([
                    ("fileOffset", .address(UInt64(h.fileOffset))), ("architecture", .int(Int(h.architecture))),
                    ("headerLength", .int(Int(h.headerLength))),
                    ("tags", .array(h.tags.map { t in
                        .object([("type", .int(Int(t.type))), ("name", .string(t.name)), ("optional", .bool(t.isOptional)),
                                 ("size", .int(Int(t.size))), ("words", .array(t.words.map { .address(UInt64($0)) })),
                                 ("meaning", .string(Multiboot2Header.meaning(of: t)))])
                    })),
                    ("cannotHonour", .array(h.unsupportedRequests.map { .string($0.what) })),
                    ("uefiOnly", .bool(!h.requiredUEFITags.isEmpty)),
                ])
            } ?? .null),
            ("handoff", handoff.map { .object([("handoff", .string($0.handoff.rawValue)), ("reason", .string($0.reason))]) } ?? .null),
        ])
    }
}
