/// Builds the tables for a set of mappings in one paging mode. Each mapping is split greedily
/// into the largest pages that the alignment of both its virtual and physical address and the
/// remaining length allow, capped by `maxPageSize`.
public struct PageTableBuilder: Sendable {
    public let mode: PagingMode
    public let maxPageSize: UInt64
    /// A top-level slot that points back at the top table (gopher-os: PML4[511]).
    public let recursiveSlot: Int?
    /// The mappings as added, in order (identical and agreeing overlaps included).
    public private(set) var declared: [Mapping] = []

    /// `maxPageSize` defaults to the mode's largest page below 1 GiB (4M in mode 32, else 2M).
    public init(mode: PagingMode, maxPageSize: UInt64? = nil, recursiveSlot: Int? = nil) throws {
        let cap = maxPageSize ?? mode.defaultMaxPageSize
        guard mode.pageSizes.contains(cap) else {
            throw KImageError.paging(.pageSizeNotInMode(size: cap, mode: mode))
        }
        if let slot = recursiveSlot {
            if mode == .pae { throw KImageError.paging(.recursiveSlotUnsupported(mode: mode)) }
            guard slot >= 0 && slot < mode.entries(atDepth: 0) else {
                throw KImageError.paging(.invalidRecursiveSlot(slot: slot, mode: mode))
            }
        }
        self.mode = mode
        self.maxPageSize = cap
        self.recursiveSlot = recursiveSlot
    }

    /// The mappings the tables will hold: sorted, agreeing overlaps and neighbours joined.
    public var mappings: [Mapping] { Mapping.coalesced(declared) }

    /// The virtual range (start, last byte) the recursive slot takes, if any.
    public var recursiveWindow: (start: UInt64, last: UInt64)? {
        guard let slot = recursiveSlot else { return nil }
        let start = mode.canonicalize(UInt64(slot) << UInt64(mode.shift(atDepth: 0)))
        return (start, start &+ (mode.coverage(atDepth: 0) - 1))
    }

    /// Adds a mapping after checking it on its own and against the mappings already added.
    public mutating func add(_ m: Mapping) throws {
        func fail(_ e: PagingError) -> KImageError { .paging(e) }
        guard m.size > 0 else { throw fail(.emptyMapping(m)) }
        for (field, value) in [("virtual start", m.virtualStart), ("physical start", m.physicalStart), ("size", m.size)]
        where value & 0xFFF != 0 {
            throw fail(.unalignedMapping(m, field: field, value: value))
        }
        if m.size - 1 > UInt64.max - m.virtualStart { throw fail(.rangeWraps(m)) }
        if m.size - 1 > UInt64.max - m.physicalStart || m.physicalStart &+ (m.size - 1) >= mode.physicalLimit {
            throw fail(.physicalBeyondReach(m, mode: mode))
        }
        switch mode {
        case .bits32, .pae:
            if m.virtualLast >> 32 != 0 { throw fail(.virtualBeyondReach(m, mode: mode)) }
        case .fourLevel, .fiveLevel:
            if !mode.isCanonical(m.virtualStart) { throw fail(.nonCanonical(m, mode: mode, address: m.virtualStart)) }
            let lowEnd: UInt64 = 1 << UInt64(mode.virtualBits - 1)
            // Starting in the low half and ending at or above its end crosses the hole.
            if m.virtualStart < lowEnd && m.virtualLast >= lowEnd {
                throw fail(.nonCanonical(m, mode: mode, address: lowEnd))
            }
        }
        if let slot = recursiveSlot, let window = recursiveWindow,
           m.virtualStart <= window.last && window.start <= m.virtualLast {
            throw fail(.overlapsRecursiveSlot(m, slot: slot, table: mode.tableNames[0],
                                              windowStart: window.start, windowEnd: window.last &+ 1))
        }
        for e in declared where e.overlaps(m) {
            if e.delta == m.delta && e.flags == m.flags { continue }
            let at = max(e.virtualStart, m.virtualStart)
            let detail: String
            if e.delta != m.delta {
                detail = "one maps it to physical \(hex(at &- e.delta)), the other to \(hex(at &- m.delta))"
            } else {
                detail = "flags \(e.flags) versus \(m.flags)"
            }
            throw fail(.conflictingMappings(existing: e, new: m, at: at, detail: detail))
        }
        declared.append(m)
    }

    public mutating func add(_ mappings: [Mapping]) throws {
        for m in mappings { try add(m) }
    }

    /// Lays the tables out page-aligned from physical `base`, the top-level table first (PAE:
    /// the 32-byte PDPT at the start of the first page), then the others in the order the
    /// mappings (sorted by virtual address) first need them.
    public func build(base: UInt64) throws -> PageTables {
        guard !declared.isEmpty else { throw KImageError.paging(.noMappings) }
        guard base & 0xFFF == 0 else { throw KImageError.paging(.unalignedBase(base, mode: mode)) }
        let mappings = self.mappings
        var arena = TableArena(mode: mode, base: base)
        arena.reserve(estimatedTables: estimateTables(mappings))
        var runs: [LeafRun] = []
        // (page size, depth of its leaf entries), largest first.
        let sizes = mode.pageSizes.filter { $0 <= maxPageSize }.reversed().map { ($0, mode.leafDepth(forPageSize: $0)!) }
        let hasNX = mode.hasNoExecute
        for m in mappings {
            let flags = m.flags
            // Bits the pointer entries above this mapping's leaves must grant ("the leaf decides").
            let grant = (flags.writable ? PageTableEntry.bitRW : 0) | (flags.user ? PageTableEntry.bitUS : 0)
            let newPointer = PageTableEntry.bitP | grant | (hasNX && !flags.executable ? PageTableEntry.bitXD : 0)
            // Leaf bits by depth; a page's entry is its template | its physical address.
            var templates = [UInt64](repeating: 0, count: mode.levels)
            for (size, depth) in sizes {
                let cache = flags.cache.bits
                let entry = PageTableEntry(writable: flags.writable, user: flags.user,
                                           writeThrough: cache.writeThrough, cacheDisable: cache.cacheDisable,
                                           pageSize: size != PageSize.size4K, global: flags.global,
                                           noExecute: hasNX && !flags.executable)
                templates[depth] = try entry.encode(mode: mode, depth: depth)
            }
            var va = m.virtualStart, pa = m.physicalStart, left = m.size
            var cachedDepth = -1, cachedBlock: UInt64 = 0, cachedTable = 0
            while left > 0 {
                // The largest page that fits; sizes ends with 4K, which always does.
                var choice = sizes.count - 1
                for k in 0..<sizes.count where (va | pa) & (sizes[k].0 - 1) == 0 && left >= sizes[k].0 {
                    choice = k
                    break
                }
                let (size, depth) = sizes[choice]
                let table: Int
                let block = depth == 0 ? 0 : va >> UInt64(mode.shift(atDepth: depth - 1))
                if depth == cachedDepth && block == cachedBlock {
                    table = cachedTable
                } else {
                    table = arena.descend(to: depth, for: va, newPointer: newPointer, grant: grant,
                                          executable: flags.executable)
                    cachedDepth = depth
                    cachedBlock = block
                    cachedTable = table
                }
                // Pages of this size in a row: up to the end of this table, of the mapping, and of
                // the stretch before the next larger page could start (va and pa both aligned).
                let first = mode.index(of: va, atDepth: depth)
                var count = UInt64(min(mode.entries(atDepth: depth) - first, Int(min(left / size, 1 << 20))))
                if choice > 0 {
                    let larger = sizes[choice - 1].0
                    if (va &- pa) & (larger - 1) == 0 {
                        let toAlignment = ((larger - (va & (larger - 1))) & (larger - 1)) / size
                        if toAlignment > 0 { count = min(count, toAlignment) }
                    }
                }
                let template = templates[depth]
                let start = table * arena.perTable + first
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
        arena.shareIdenticalTables()
        if let slot = recursiveSlot {
            // P|R/W, as gopher-os writes it; XD too when some mapping already needs EFER.NXE (a
            // kernel without NXE would fault on XD). G and bit 7 stay clear: bit 7 is reserved
            // in a PML4E and PAT in the leaf role [x86-paging.md §5].
            let usesXD = hasNX && mappings.contains { !$0.flags.executable }
            arena.entries[slot] = base | PageTableEntry.bitP | PageTableEntry.bitRW | (usesXD ? PageTableEntry.bitXD : 0)
        }
        let count = arena.depths.count
        let end = base + UInt64(count) * 4096
        let limit: UInt64 = mode == .pae ? 1 << 32 : mode.physicalLimit
        if end > mode.physicalLimit || base >= limit || end < base {
            throw KImageError.paging(.baseBeyondReach(base: base, end: end, mode: mode, limit: mode == .pae ? min(limit, mode.physicalLimit) : mode.physicalLimit))
        }
        return PageTables(mode: mode, base: base, bytes: arena.serialize(), tableDepths: arena.depths,
                          runs: runs, mappings: mappings, recursiveSlot: recursiveSlot,
                          maxPageSize: maxPageSize)
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

/// Tables under construction: every entry as a UInt64 in one flat array (table t, entry i at
/// t * perTable + i) and, for tables above the PT level only, the table each entry leads to.
struct TableArena {
    let mode: PagingMode
    let base: UInt64
    let perTable: Int
    var entries: [UInt64] = []
    /// children[childOffset[t] + i]: the table entry i of table t points at, or -1.
    var children: [Int32] = []
    /// Per table: its slice of `children`, -1 for page tables (they point at no table).
    var childOffset: [Int] = []
    var depths: [Int] = []

    init(mode: PagingMode, base: UInt64) {
        self.mode = mode
        self.base = base
        perTable = mode.entriesPerTable
        _ = newTable(depth: 0)
    }

    mutating func reserve(estimatedTables: Int) {
        entries.reserveCapacity(estimatedTables * perTable)
    }

    @discardableResult
    mutating func newTable(depth: Int) -> Int {
        entries.append(contentsOf: repeatElement(0, count: perTable))
        if depth < mode.levels - 1 {
            childOffset.append(children.count)
            children.append(contentsOf: repeatElement(-1, count: perTable))
        } else {
            childOffset.append(-1)
        }
        depths.append(depth)
        return depths.count - 1
    }

    /// The table at `depth` that maps `va`, creating the tables on the way; pointer entries
    /// passed get `grant` added, and lose XD when an executable mapping passes through.
    @inline(__always)
    mutating func descend(to depth: Int, for va: UInt64, newPointer: UInt64, grant: UInt64, executable: Bool) -> Int {
        var t = 0
        for d in 0..<depth {
            let index = mode.index(of: va, atDepth: d)
            let i = t * perTable + index
            let ci = childOffset[t] + index
            let pdpte = mode == .pae && d == 0
            var c = Int(children[ci])
            if c < 0 {
                c = newTable(depth: d + 1)
                children[ci] = Int32(c)
                let address = base + UInt64(c) * 4096
                entries[i] = (pdpte ? PageTableEntry.bitP : newPointer) | address
            } else if !pdpte {
                entries[i] |= grant
                if executable { entries[i] &= ~PageTableEntry.bitXD }
            }
            t = c
        }
        return t
    }

    /// Replaces tables with identical content by one (deepest level first, so equal subtrees
    /// collapse): gopher-os's PML4[0] and PML4[256] then share one PDPT, as its rt0 does by hand.
    /// Keeps the first of each group, in layout order, and renumbers the rest.
    mutating func shareIdenticalTables() {
        let n = depths.count
        guard n > 1 else { return }
        let addressMask = (mode.physicalLimit - 1) & ~UInt64(0xFFF)
        var canonical = Array(0..<n)
        func redirect(_ t: Int) {
            let offset = childOffset[t]
            guard offset >= 0 else { return }
            for k in 0..<perTable {
                let c = Int(children[offset + k])
                if c >= 0 && canonical[c] != c {
                    children[offset + k] = Int32(canonical[c])
                    let i = t * perTable + k
                    entries[i] = entries[i] & ~addressMask | (base + UInt64(canonical[c]) * 4096)
                }
            }
        }
        // Candidates are bucketed by a few entries first, so that the common case (every table
        // different, e.g. a 4 GiB identity map's 2048 PTs) never hashes whole tables.
        struct Probe: Hashable { let a: UInt64, b: UInt64, c: UInt64 }
        let deepest = depths.max() ?? 0
        for d in stride(from: deepest, through: 1, by: -1) {
            var buckets: [Probe: [Int]] = [:]
            for t in 0..<n where depths[t] == d {
                redirect(t)
                let start = t * perTable
                let probe = Probe(a: entries[start], b: entries[start + perTable / 2], c: entries[start + perTable - 1])
                let slice = entries[start..<start + perTable]
                if let first = buckets[probe]?.first(where: { entries[$0 * perTable..<($0 + 1) * perTable] == slice }) {
                    canonical[t] = first
                } else {
                    buckets[probe, default: []].append(t)
                }
            }
        }
        redirect(0)
        guard canonical.enumerated().contains(where: { $0.offset != $0.element }) else { return }
        var newIndex = [Int](repeating: -1, count: n)
        var kept: [Int] = []
        for t in 0..<n where canonical[t] == t {
            newIndex[t] = kept.count
            kept.append(t)
        }
        var newEntries = [UInt64](), newChildren = [Int32](), newOffsets = [Int](), newDepths = [Int]()
        newEntries.reserveCapacity(kept.count * perTable)
        for t in kept {
            newDepths.append(depths[t])
            let offset = childOffset[t]
            newOffsets.append(offset < 0 ? -1 : newChildren.count)
            for k in 0..<perTable {
                let i = t * perTable + k
                let c = offset < 0 ? -1 : Int(children[offset + k])
                if c >= 0 {
                    let moved = newIndex[c]
                    newChildren.append(Int32(moved))
                    newEntries.append(entries[i] & ~addressMask | (base + UInt64(moved) * 4096))
                } else {
                    if offset >= 0 { newChildren.append(-1) }
                    newEntries.append(entries[i])
                }
            }
        }
        entries = newEntries
        children = newChildren
        childOffset = newOffsets
        depths = newDepths
    }

    /// The tables as little-endian bytes, 4 KiB per table (every byte written once, no memset).
    func serialize() -> [UInt8] {
        let size = mode.entrySize
        return entries.withUnsafeBufferPointer { e in
            [UInt8](unsafeUninitializedCapacity: depths.count * 4096) { buffer, initialized in
                let raw = UnsafeMutableRawBufferPointer(buffer)
                if size == 8 {
                    for i in 0..<e.count { raw.storeBytes(of: e[i].littleEndian, toByteOffset: i * 8, as: UInt64.self) }
                } else {
                    for i in 0..<e.count { raw.storeBytes(of: UInt32(truncatingIfNeeded: e[i]).littleEndian, toByteOffset: i * 4, as: UInt32.self) }
                }
                initialized = depths.count * 4096
            }
        }
    }
}
