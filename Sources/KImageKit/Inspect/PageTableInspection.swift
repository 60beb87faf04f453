/// What `kimage inspect` shows of a page-table blob: the walked mappings as a table, the virtual
/// address space as a diagram in the style of Emerald's layout (unmapped gaps and the
/// non-canonical hole shown and sized), and how many tables the walk used.
package struct PageTableInspection: Sendable {
    package let path: String
    package let fileSize: Int
    package let mode: PagingMode
    package let base: UInt64
    /// Runs of equal leaf pages, by virtual address.
    package let runs: [LeafRun]
    /// The runs joined across page sizes.
    package let mappings: [Mapping]
    package let recursiveSlots: [Int]
    package let tablesReached: Int
    package private(set) var warnings: [String] = []

    package init(file: FileBytes, mode: PagingMode, base: UInt64) throws {
        path = file.path
        fileSize = file.count
        self.mode = mode
        self.base = base
        let walk = try PageTableWalker.walkDetailed(raw: file.bytes, mode: mode, base: base)
        runs = walk.runs
        mappings = walk.mappings
        recursiveSlots = walk.recursiveSlots
        tablesReached = walk.tablesReached
        var warnings: [String] = []
        if file.count % 4096 != 0 {
            warnings.append("the blob is \(file.count) bytes, not a whole number of 4 KiB tables: it may be cut short or hold something else after the tables")
        }
        if runs.isEmpty {
            warnings.append("no present entry maps anything: the tables map no memory (wrong --mode, or not a table blob?)")
        }
        self.warnings = warnings
    }

    var bits: Int { mode.virtualBits > 32 ? 64 : 32 }

    static func modeName(_ mode: PagingMode) -> String {
        switch mode {
        case .bits32: return "32-bit"
        case .pae: return "PAE"
        case .fourLevel: return "4-level"
        case .fiveLevel: return "5-level"
        }
    }
    package var tableBytes: UInt64 { UInt64(tablesReached) * 4096 }

    /// Rows a listing (runs, mappings, diagram regions) shows, text or JSON: 8 KiB of shared
    /// tables can describe 262,144 runs, 178 MB of JSON (issue 12). The counts stay whole.
    package static let listedRows = 4096

    /// Where each recursive slot's window lies in the virtual space.
    package var recursiveWindows: [(slot: Int, start: UInt64, size: UInt64)] {
        recursiveSlots.map { slot in
            let size = mode.coverage(atDepth: 0)
            return (slot, mode.canonicalize(UInt64(slot) << UInt64(mode.shift(atDepth: 0))), size)
        }
    }

    /// One row of the address-space diagram, top (high) to bottom.
    package struct SpaceRegion: Sendable, Equatable {
        package enum Kind: String, Sendable { case mapped, unmapped, nonCanonical = "non-canonical", recursive }
        package let kind: Kind
        package let start: UInt64
        /// One past the last byte; nil for the end of a 64-bit space (2^64).
        package let end: UInt64?
        package let mapping: Mapping?
        package let pageSizes: [UInt64]
        package let slot: Int?
    }

    /// The page sizes of the runs inside each mapping (by its start), in one pass over both,
    /// which are sorted by address: 512 x 512 alternating 1 GiB runs cost 262,144 steps, not
    /// a filter of every run per mapping (issue 12).
    func pageSizesByMapping() -> [UInt64: [UInt64]] {
        let ordered = runs.sorted { $0.virtualStart < $1.virtualStart }
        var result: [UInt64: [UInt64]] = [:]
        var r = 0
        for m in mappings.sorted(by: { $0.virtualStart < $1.virtualStart }) {
            while r < ordered.count && ordered[r].virtualStart < m.virtualStart { r += 1 }
            var sizes = Set<UInt64>()
            while r < ordered.count && ordered[r].virtualStart &- m.virtualStart < m.size {
                sizes.insert(ordered[r].pageSize)
                r += 1
            }
            result[m.virtualStart] = sizes.sorted()
        }
        return result
    }

    /// The whole virtual space, low to high, every byte in exactly one region.
    package func space() -> [SpaceRegion] {
        let sizesByMapping = pageSizesByMapping()
        var items: [(UInt64, UInt64, SpaceRegion.Kind, Mapping?, Int?)] = mappings.map { ($0.virtualStart, $0.size, .mapped, $0, nil) }
        for w in recursiveWindows { items.append((w.start, w.size, .recursive, nil, w.slot)) }
        if mode.virtualBits > 32 {
            let half = UInt64(1) << UInt64(mode.virtualBits - 1)
            items.append((half, (0 &- half) &- half, .nonCanonical, nil, nil))
        }
        items.sort { $0.0 < $1.0 }
        let spaceEnd: UInt64? = mode.virtualBits > 32 ? nil : 1 << 32
        var out: [SpaceRegion] = []
        var cursor: UInt64 = 0
        var done = false
        for (start, size, kind, mapping, slot) in items where !done {
            if start > cursor {
                out.append(SpaceRegion(kind: .unmapped, start: cursor, end: start, mapping: nil, pageSizes: [], slot: nil))
            }
            let end = start &+ size
            let sizes = mapping.flatMap { sizesByMapping[$0.virtualStart] } ?? []
            out.append(SpaceRegion(kind: kind, start: start, end: end == 0 ? nil : end, mapping: mapping, pageSizes: sizes, slot: slot))
            if end == 0 { done = true } else { cursor = end }
        }
        if !done, spaceEnd.map({ cursor < $0 }) ?? true {
            out.append(SpaceRegion(kind: .unmapped, start: cursor, end: spaceEnd, mapping: nil, pageSizes: [], slot: nil))
        }
        return out
    }

    // MARK: Text

    package func text(style: BoxDiagram.Style = .ascii) -> String {
        var out = "\(path): page tables, \(Self.modeName(mode)) paging (\(mode.tableNames.joined(separator: " > "))), \(sizeText(fileSize))\n"
        out += "base:     \(hex(base)) (the physical address the tables were built for)\n"
        out += "tables:   \(tablesReached) reached from \(mode.tableNames[0]) at \(hex(base)), \(tableBytes) bytes (\(HumanSize.text(tableBytes))) of the blob's \(HumanSize.text(UInt64(fileSize)))\n"
        for w in recursiveWindows {
            out += "recursive: \(mode.tableNames[0])[\(w.slot)] points at itself; tables appear at \(fullHex(w.start, bits: bits)) (\(HumanSize.text(w.size)))\n"
        }
        let mapped = mappings.reduce(UInt64(0)) { $0 &+ $1.size }
        out += "mapped:   \(HumanSize.text(mapped)) in \(mappings.count) \(mappings.count == 1 ? "mapping" : "mappings"), \(runs.count) runs of equal pages\n"
        if !runs.isEmpty {
            out += "\n"
            let w = bits / 4 + 2
            // One leading space: with 64-bit ranges and every flag the row is exactly 100 columns.
            out += trimmedRight(" " + padded("virtual", 2 * w + 1) + " " + padded("physical", 2 * w + 1) + " page flags") + "\n"
            for r in runs.prefix(Self.listedRows) {
                let v = fullHex(r.virtualStart, bits: bits) + "-" + hexEnd(start: r.virtualStart, size: r.size, digits: bits / 4)
                let p = fullHex(r.physicalStart, bits: bits) + "-" + fullHex(r.physicalStart &+ r.size, bits: bits)
                out += " " + v + " " + p + " " + padded(PageSize.name(r.pageSize), 4) + " " + r.flags.effective(in: mode).description + "\n"
            }
            if runs.count > Self.listedRows {
                out += " ... \(runs.count - Self.listedRows) more runs not listed (inspect lists at most \(Self.listedRows))\n"
            }
        }
        out += "\nvirtual address space (address increases upward):\n\n"
        out += diagram().render(style)
        if !warnings.isEmpty {
            out += "\n" + warningText(warnings)
        }
        return out
    }

    func boundary(_ address: UInt64?) -> String {
        guard let address else { return "0x1" + String(repeating: "0", count: 16) + " (16 EiB)" }
        if bits == 32 && address == 1 << 32 { return "0x100000000 (4 GiB)" }
        // Upper-half addresses read best as a distance below the top, as Linux's mm.rst writes
        // them (0xffffffff80000000 is -2 GiB).
        if bits == 64 && address >> 63 != 0 { return fullHex(address, bits: bits) + " (-" + HumanSize.text(0 &- address) + ")" }
        return fullHex(address, bits: bits) + " (" + HumanSize.text(address) + ")"
    }

    package func diagram() -> BoxDiagram {
        let all = space()
        // The lowest `listedRows` regions, then one box for the rest.
        let regions = all.prefix(Self.listedRows).reversed()
        var d = BoxDiagram(top: .init(right: boundary(all.last?.end)))
        if all.count > Self.listedRows, let above = all.dropFirst(Self.listedRows).first {
            d.append(.init(["\(all.count - Self.listedRows) more regions not drawn  \(HumanSize.text(from: above.start, to: all.last?.end))"], isGap: true),
                     then: .init(right: boundary(above.start)))
        }
        for r in regions {
            let size = HumanSize.text(from: r.start, to: r.end)
            var lines: [String]
            switch r.kind {
            case .mapped:
                let m = r.mapping!
                let pages = r.pageSizes.map { PageSize.name($0) }.joined(separator: "+")
                lines = ["\(m.flags.effective(in: mode).description)  \(size)  (\(pages) pages)",
                         "-> phys \(fullHex(m.physicalStart, bits: bits))-\(fullHex(m.physicalStart &+ m.size, bits: bits))"]
                if m.virtualStart == m.physicalStart { lines[1] += " (identity)" }
            case .unmapped: lines = ["unmapped  \(size)"]
            case .nonCanonical: lines = ["non-canonical hole  \(size)"]
            case .recursive: lines = ["recursive slot \(mode.tableNames[0])[\(r.slot!)]  \(size)", "the tables themselves"]
            }
            d.append(.init(lines, isGap: r.kind == .unmapped || r.kind == .nonCanonical), then: .init(right: boundary(r.start)))
        }
        return d
    }

    // MARK: JSON

    package func json() -> JSONValue {
        func flags(_ f: MappingFlags) -> JSONValue {
            let e = f.effective(in: mode)
            return .object([("writable", .bool(e.writable)), ("executable", .bool(e.executable)), ("user", .bool(e.user)),
                            ("global", .bool(e.global)), ("cache", .string(e.cache.rawValue))])
        }
        let space = self.space()
        // Present only when a listing was cut: how many rows each left out.
        let omitted: [(String, JSONValue)] = [("runs", runs.count), ("mappings", mappings.count), ("space", space.count)]
            .filter { $0.1 > Self.listedRows }.map { ($0.0, .int($0.1 - Self.listedRows)) }
        return .object([
            ("mode", .string(mode.rawValue)),
            ("base", .address(base)),
            ("tablesReached", .int(tablesReached)),
            ("tableBytes", .address(tableBytes)),
            ("recursiveSlots", .array(recursiveSlots.map { .int($0) })),
            ("runs", .array(runs.prefix(Self.listedRows).map { r in
                .object([("virtual", .address(r.virtualStart)), ("physical", .address(r.physicalStart)),
                         ("size", .address(r.size)), ("pageSize", .string(PageSize.name(r.pageSize))), ("flags", flags(r.flags))])
            })),
            ("mappings", .array(mappings.prefix(Self.listedRows).map { m in
                .object([("virtual", .address(m.virtualStart)), ("physical", .address(m.physicalStart)),
                         ("size", .address(m.size)), ("flags", flags(m.flags))])
            })),
            ("space", .array(space.prefix(Self.listedRows).map { r in
                .object([("kind", .string(r.kind.rawValue)), ("start", .address(r.start)),
                         ("end", r.end.map { .address($0) } ?? .string("0x10000000000000000"))])
            })),
        ] + (omitted.isEmpty ? [] : [("notListed", .object(omitted))]))
    }
}
