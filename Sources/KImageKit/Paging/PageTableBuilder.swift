/// Builds the tables for a set of mappings in one paging mode. Each mapping is split greedily
/// into the largest pages that the alignment of both its virtual and physical address and the
/// remaining length allow, capped by `maxPageSize`.
package struct PageTableBuilder: Sendable {
    package let mode: PagingMode
    package let maxPageSize: UInt64
    /// A top-level slot that points back at the top table (gopher-os: PML4[511]).
    package let recursiveSlot: Int?
    /// The most table bytes one build may produce (64 MiB, 16,384 tables): 32 GiB mapped with
    /// 4 KiB pages, far more with large ones. An 8 KiB ELF or a short --identity otherwise asks
    /// for 128 GiB of tables (issue 12); the limit is checked as tables are made, so a refused
    /// build costs at most this much.
    package static let tableBytesLimit: UInt64 = 64 << 20

    /// The mappings as added, in order (identical and agreeing overlaps included).
    package private(set) var declared: [Mapping] = []

    /// `maxPageSize` defaults to the mode's largest page below 1 GiB (4M in mode 32, else 2M).
    package init(mode: PagingMode, maxPageSize: UInt64? = nil, recursiveSlot: Int? = nil) throws {
        let cap = maxPageSize ?? mode.defaultMaxPageSize
        guard mode.pageSizes.contains(cap) else {
            throw PagingError.pageSizeNotInMode(size: cap, mode: mode)
        }
        if let slot = recursiveSlot {
            if mode == .pae { throw PagingError.recursiveSlotUnsupported(mode: mode) }
            guard slot >= 0 && slot < mode.entries(atDepth: 0) else {
                throw PagingError.invalidRecursiveSlot(slot: slot, mode: mode)
            }
        }
        self.mode = mode
        self.maxPageSize = cap
        self.recursiveSlot = recursiveSlot
    }

    /// The mappings the tables will hold: sorted, agreeing overlaps and neighbours joined.
    package var mappings: [Mapping] { Mapping.coalesced(declared) }

    /// The virtual range (start, last byte) the recursive slot takes, if any.
    package var recursiveWindow: (start: UInt64, last: UInt64)? {
        guard let slot = recursiveSlot else { return nil }
        let start = mode.canonicalize(UInt64(slot) << UInt64(mode.shift(atDepth: 0)))
        return (start, start &+ (mode.coverage(atDepth: 0) - 1))
    }

    /// Adds a mapping after checking it on its own and against the mappings already added.
    package mutating func add(_ m: Mapping) throws {
        try check(m)
        for e in declared where e.overlaps(m) {
            if e.delta == m.delta && e.flags == m.flags { continue }
            throw conflict(e, m)
        }
        declared.append(m)
    }

    /// Adds many mappings (an ELF's segments): each checked on its own, then all against each
    /// other in one sorted sweep, so 200,000 segments cost n log n, not n^2 (issue 12).
    package mutating func add(_ mappings: [Mapping]) throws {
        for m in mappings { try check(m) }
        let all = declared + mappings
        // Mappings that translate alike with the same flags may overlap: each such group is
        // joined into disjoint ranges; then any overlap left is between groups, a conflict.
        struct Key: Hashable { let delta: UInt64; let flags: MappingFlags }
        var ranges: [(first: UInt64, last: UInt64, key: Key)] = []
        for (key, group) in Dictionary(grouping: all, by: { Key(delta: $0.delta, flags: $0.flags) }) {
            for m in group.sorted(by: { $0.virtualStart < $1.virtualStart }) {
                if let r = ranges.last, r.key == key, m.virtualStart <= r.last {
                    ranges[ranges.count - 1].last = max(r.last, m.virtualLast)
                } else {
                    ranges.append((m.virtualStart, m.virtualLast, key))
                }
            }
        }
        ranges.sort { $0.first < $1.first }
        var widest: (first: UInt64, last: UInt64, key: Key)?
        for r in ranges {
            if let w = widest, r.first <= w.last {
                // The two first-declared mappings that meet at r.first, in declaration order.
                let a = all.firstIndex { Key(delta: $0.delta, flags: $0.flags) == w.key && $0.virtualStart <= r.first && r.first <= $0.virtualLast }!
                let b = all.firstIndex { Key(delta: $0.delta, flags: $0.flags) == r.key && $0.virtualStart <= r.first && r.first <= $0.virtualLast }!
                throw conflict(all[min(a, b)], all[max(a, b)])
            }
            if widest == nil || r.last > widest!.last { widest = r }
        }
        declared = all
    }

    private func conflict(_ e: Mapping, _ m: Mapping) -> PagingError {
        let at = max(e.virtualStart, m.virtualStart)
        let detail: String
        if e.delta != m.delta {
            detail = "one maps it to physical \(hex(at &- e.delta)), the other to \(hex(at &- m.delta))"
        } else {
            detail = "flags \(e.flags) versus \(m.flags)"
        }
        return .conflictingMappings(existing: e, new: m, at: at, detail: detail)
    }

    /// The checks of one mapping on its own: alignment, reach, canonical form, the recursive slot.
    private func check(_ m: Mapping) throws {
        guard m.size > 0 else { throw PagingError.emptyMapping(m) }
        for (field, value) in [("virtual start", m.virtualStart), ("physical start", m.physicalStart), ("size", m.size)]
        where value & 0xFFF != 0 {
            throw PagingError.unalignedMapping(m, field: field, value: value)
        }
        if m.size - 1 > UInt64.max - m.virtualStart { throw PagingError.rangeWraps(m) }
        if m.size - 1 > UInt64.max - m.physicalStart || m.physicalStart &+ (m.size - 1) >= mode.physicalLimit {
            throw PagingError.physicalBeyondReach(m, mode: mode)
        }
        switch mode {
        case .bits32, .pae:
            if m.virtualLast >> 32 != 0 { throw PagingError.virtualBeyondReach(m, mode: mode) }
        case .fourLevel, .fiveLevel:
            if !mode.isCanonical(m.virtualStart) { throw PagingError.nonCanonical(m, mode: mode, address: m.virtualStart) }
            let lowEnd: UInt64 = 1 << UInt64(mode.virtualBits - 1)
            // Starting in the low half and ending at or above its end crosses the hole.
            if m.virtualStart < lowEnd && m.virtualLast >= lowEnd {
                throw PagingError.nonCanonical(m, mode: mode, address: lowEnd)
            }
        }
        if let slot = recursiveSlot, let window = recursiveWindow,
           m.virtualStart <= window.last && window.start <= m.virtualLast {
            throw PagingError.overlapsRecursiveSlot(m, slot: slot, table: mode.tableNames[0],
                                                    windowStart: window.start, windowEnd: window.last &+ 1)
        }
    }

    /// Lays the tables out page-aligned from physical `base`, the top-level table first (PAE:
    /// the 32-byte PDPT at the start of the first page), then the others in the order the
    /// mappings (sorted by virtual address) first need them.
    package func build(base: UInt64) throws -> PageTables {
        guard !declared.isEmpty else { throw PagingError.noMappings }
        guard base & 0xFFF == 0 else { throw PagingError.unalignedBase(base, mode: mode) }
        let limit: UInt64 = mode == .pae ? 1 << 32 : mode.physicalLimit
        // Before any table address is computed from it: base + n * 4096 must not wrap past 2^64.
        guard base < limit else {
            throw PagingError.baseBeyondReach(base: base, end: base, mode: mode, limit: mode == .pae ? min(limit, mode.physicalLimit) : mode.physicalLimit)
        }
        let mappings = self.mappings
        var arena = TableArena(mode: mode, base: base)
        let tableLimit = Int(Self.tableBytesLimit / 4096)
        arena.reserve(estimatedTables: min(estimateTables(mappings), tableLimit))
        var runs: [LeafRun] = []
        // (page size, depth of its leaf entries), largest first.
        let sizes = mode.pageSizes.filter { $0 <= maxPageSize }.reversed().map { ($0, mode.leafDepth(forPageSize: $0)!) }
        for m in mappings {
            try place(m, sizes: sizes, tableLimit: tableLimit, arena: &arena, runs: &runs)
        }
        arena.shareIdenticalTables()
        if let slot = recursiveSlot {
            // P|R/W, as gopher-os writes it; XD too when some mapping already needs EFER.NXE (a
            // kernel without NXE would fault on XD). G and bit 7 stay clear: bit 7 is reserved
            // in a PML4E and PAT in the leaf role [x86-paging.md §5].
            let usesXD = mode.hasNoExecute && mappings.contains { !$0.flags.executable }
            arena.entries[slot] = base | PageTableEntry.bitP | PageTableEntry.bitRW | (usesXD ? PageTableEntry.bitXD : 0)
        }
        let count = arena.depths.count
        let (end, wrapped) = base.addingReportingOverflow(UInt64(count) * 4096)
        if wrapped || end > mode.physicalLimit || end < base {
            throw PagingError.baseBeyondReach(base: base, end: end, mode: mode, limit: mode == .pae ? min(limit, mode.physicalLimit) : mode.physicalLimit)
        }
        return PageTables(mode: mode, base: base, bytes: arena.serialize(), tableDepths: arena.depths,
                          runs: runs, mappings: mappings, recursiveSlot: recursiveSlot,
                          maxPageSize: maxPageSize)
    }

    /// Leaf entry bits by depth for one mapping's flags; a page's entry is its template | its
    /// physical address.
    private func leafTemplates(_ flags: MappingFlags, sizes: [(UInt64, Int)]) throws -> [UInt64] {
        var templates = [UInt64](repeating: 0, count: mode.levels)
        let cache = flags.cache.bits
        for (size, depth) in sizes {
            let entry = PageTableEntry(writable: flags.writable, user: flags.user,
                                       writeThrough: cache.writeThrough, cacheDisable: cache.cacheDisable,
                                       pageSize: size != PageSize.size4K, global: flags.global,
                                       noExecute: mode.hasNoExecute && !flags.executable)
            templates[depth] = try entry.encode(mode: mode, depth: depth)
        }
        return templates
    }

    /// Writes one mapping's leaves, the largest page that fits at each step (`sizes` is (page
    /// size, leaf depth), largest first, ending with 4K), and extends or appends its runs.
    private func place(_ m: Mapping, sizes: [(UInt64, Int)], tableLimit: Int,
                       arena: inout TableArena, runs: inout [LeafRun]) throws {
        let flags = m.flags
        // Bits the pointer entries above this mapping's leaves must grant ("the leaf decides").
        let grant = (flags.writable ? PageTableEntry.bitRW : 0) | (flags.user ? PageTableEntry.bitUS : 0)
        let newPointer = PageTableEntry.bitP | grant | (mode.hasNoExecute && !flags.executable ? PageTableEntry.bitXD : 0)
        let templates = try leafTemplates(flags, sizes: sizes)
        var va = m.virtualStart, pa = m.physicalStart, left = m.size
        var cachedDepth = -1, cachedBlock: UInt64 = 0, cachedTable = 0
        while left > 0 {
            var choice = sizes.count - 1
            for k in 0..<sizes.count where (va | pa) & (sizes[k].0 - 1) == 0 && left >= sizes[k].0 {
                choice = k
                break
            }
            let (size, depth) = sizes[choice]
            let block = depth == 0 ? 0 : va >> UInt64(mode.shift(atDepth: depth - 1))
            if depth != cachedDepth || block != cachedBlock {
                cachedTable = arena.descend(to: depth, for: va, newPointer: newPointer, grant: grant,
                                            executable: flags.executable)
                if arena.depths.count > tableLimit {
                    throw PagingError.tablesTooLarge(limit: Self.tableBytesLimit, mode: mode, largestPage: maxPageSize)
                }
                cachedDepth = depth
                cachedBlock = block
            }
            let count = runLength(va: va, pa: pa, left: left, choice: choice, sizes: sizes)
            let start = cachedTable * arena.perTable + mode.index(of: va, atDepth: depth)
            let template = templates[depth]
            arena.entries.withUnsafeMutableBufferPointer { e in
                var address = pa
                for k in 0..<Int(count) {
                    e[start + k] = template | address
                    address &+= size
                }
            }
            let bytes = count * size
            if let last = runs.last, last.continues(va: va, pa: pa, pageSize: size, flags: flags) {
                runs[runs.count - 1].size += bytes
            } else {
                runs.append(LeafRun(virtualStart: va, physicalStart: pa, size: bytes, pageSize: size, flags: flags))
            }
            va &+= bytes
            pa &+= bytes
            left -= bytes
        }
    }

    /// Pages of `sizes[choice]` in a row from va: up to the end of this table, of the mapping, and
    /// of the stretch before the next larger page could start (va and pa both aligned).
    private func runLength(va: UInt64, pa: UInt64, left: UInt64, choice: Int, sizes: [(UInt64, Int)]) -> UInt64 {
        let (size, depth) = sizes[choice]
        let first = mode.index(of: va, atDepth: depth)
        var count = UInt64(min(mode.entries(atDepth: depth) - first, Int(min(left / size, 1 << 20))))
        if choice > 0 {
            let larger = sizes[choice - 1].0
            if (va &- pa) & (larger - 1) == 0 {
                let toAlignment = ((larger - (va & (larger - 1))) & (larger - 1)) / size
                if toAlignment > 0 { count = min(count, toAlignment) }
            }
        }
        return count
    }

    /// A rough upper bound on the tables, so the arena allocates once for large identity maps.
    private func estimateTables(_ mappings: [Mapping]) -> Int {
        var n = 1
        for m in mappings {
            for depth in 1..<mode.levels {
                n += Int(min(m.size / mode.coverage(atDepth: depth - 1), 1 << 20)) + 2
            }
        }
        return min(n, 1 << 21)
    }
}
