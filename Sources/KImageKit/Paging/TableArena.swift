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
        guard depths.count > 1 else { return }
        let canonical = findIdenticalTables()
        guard canonical.enumerated().contains(where: { $0.offset != $0.element }) else { return }
        compact(keeping: canonical)
    }

    private var addressMask: UInt64 { (mode.physicalLimit - 1) & ~UInt64(0xFFF) }

    /// For each table, the first table with the same content (itself when none); pointers to a
    /// duplicate are redirected to its first as the walk goes up, so parents compare equal too.
    private mutating func findIdenticalTables() -> [Int] {
        let n = depths.count
        var canonical = Array(0..<n)
        // Candidates are bucketed by a few entries first, so that the common case (every table
        // different, e.g. a 4 GiB identity map's 2048 PTs) never hashes whole tables.
        struct Probe: Hashable { let a: UInt64, b: UInt64, c: UInt64 }
        let deepest = depths.max() ?? 0
        for d in stride(from: deepest, through: 1, by: -1) {
            var buckets: [Probe: [Int]] = [:]
            for t in 0..<n where depths[t] == d {
                redirectChildren(of: t, canonical)
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
        redirectChildren(of: 0, canonical)
        return canonical
    }

    /// Points table t's entries at the canonical copy of each child.
    private mutating func redirectChildren(of t: Int, _ canonical: [Int]) {
        let offset = childOffset[t]
        guard offset >= 0 else { return }
        let mask = addressMask
        for k in 0..<perTable {
            let c = Int(children[offset + k])
            if c >= 0 && canonical[c] != c {
                children[offset + k] = Int32(canonical[c])
                let i = t * perTable + k
                entries[i] = entries[i] & ~mask | (base + UInt64(canonical[c]) * 4096)
            }
        }
    }

    /// Drops every table that is not its own canonical copy and renumbers the rest in order.
    private mutating func compact(keeping canonical: [Int]) {
        let n = depths.count, mask = addressMask
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
                    newEntries.append(entries[i] & ~mask | (base + UInt64(moved) * 4096))
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
