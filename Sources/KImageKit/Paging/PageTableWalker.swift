/// Reads a table blob (built for physical `base`) back into mappings, the way the CPU walks it:
/// rights are ANDed down the walk (execute-disable ORed), the leaf gives the page, its size,
/// caching and G. Pointers must land on a page of the blob.
package enum PageTableWalker {
    /// How many entries a walk may read: each table once is `raw.count / entrySize`; sharing
    /// multiplies that, and tables shared to a depth of four can ask for 2^36 reads (with no
    /// page mapped at all), so sharing is allowed a factor of 16 plus a fixed 2^22.
    package static func entryLimit(blobBytes: Int, mode: PagingMode) -> Int {
        (1 << 22) + 16 * (blobBytes / mode.entrySize)
    }

    package static func walk(bytes: [UInt8], mode: PagingMode, base: UInt64) throws -> [Mapping] {
        try walkDetailed(bytes: bytes, mode: mode, base: base).mappings
    }

    package static func walkDetailed(bytes: [UInt8], mode: PagingMode, base: UInt64) throws -> PageTableWalk {
        try bytes.withUnsafeBytes { try walkDetailed(raw: $0, mode: mode, base: base) }
    }

    package static func walkDetailed(raw: UnsafeRawBufferPointer, mode: PagingMode, base: UInt64) throws -> PageTableWalk {
        let topSize = mode.entries(atDepth: 0) * mode.entrySize
        guard raw.count >= topSize else {
            throw PagingError.blobTooSmall(size: raw.count, needed: topSize, mode: mode)
        }
        guard base & 0xFFF == 0 else { throw PagingError.unalignedWalkBase(base) }
        var state = State(raw: raw, mode: mode, base: base, entryLimit: entryLimit(blobBytes: raw.count, mode: mode))
        try state.visit(tableOffset: 0, depth: 0, va: 0, path: "", writable: true, user: true, noExecute: false)
        var walk = PageTableWalk()
        walk.runs = state.runs
        walk.recursiveSlots = state.recursive
        walk.tablesReached = state.reached.count
        return walk
    }

    private struct State {
        let raw: UnsafeRawBufferPointer
        let mode: PagingMode
        let base: UInt64
        var runs: [LeafRun] = []
        var recursive: [Int] = []
        /// Table offset -> the depth it was first reached at.
        var reached: [Int: Int] = [:]
        var entriesRead = 0
        let entryLimit: Int

        init(raw: UnsafeRawBufferPointer, mode: PagingMode, base: UInt64, entryLimit: Int) {
            self.raw = raw
            self.mode = mode
            self.base = base
            self.entryLimit = entryLimit
        }

        func load(_ offset: Int) -> UInt64 {
            mode.entrySize == 8 ? raw.loadLE(UInt64.self, at: offset)! : UInt64(raw.loadLE(UInt32.self, at: offset)!)
        }

        mutating func visit(tableOffset: Int, depth: Int, va: UInt64, path: String,
                            writable: Bool, user: Bool, noExecute: Bool) throws {
            // Sharing a table between entries of one level is fine (gopher-os shares a PDPT);
            // one table at two levels is a loop, which no table set the CPU can use needs.
            if let first = reached[tableOffset], first != depth {
                throw PagingError.tableAtTwoLevels(entry: path, address: base + UInt64(tableOffset),
                                                   first: mode.tableNames[first], second: mode.tableNames[depth])
            }
            reached[tableOffset] = depth
            let name = mode.tableNames[depth]
            let shift = UInt64(mode.shift(atDepth: depth))
            let isPTLevel = depth == mode.levels - 1
            entriesRead += mode.entries(atDepth: depth)
            if entriesRead > entryLimit {
                throw PagingError.walkTooLong(limit: entryLimit, blobEntries: raw.count / mode.entrySize)
            }
            for i in 0..<mode.entries(atDepth: depth) {
                let offset = tableOffset + i * mode.entrySize
                let value = load(offset)
                guard value & PageTableEntry.bitP != 0 else { continue }
                // Names are built only for errors and for the path below: formatting one per
                // entry would dominate a walk of a million entries.
                func entryName() -> String { "\(name)[\(i)] at \(hex(base + UInt64(offset)))" }
                let e: PageTableEntry
                do {
                    e = try PageTableEntry.decode(value, mode: mode, depth: depth)
                } catch PagingError.reservedBitsSet(_, let value, let bits) {
                    throw PagingError.reservedBitsSet(entry: entryName(), value: value, bits: bits)
                }
                let entryVA = va | (UInt64(i) << shift)
                let w = writable && e.writable, u = user && e.user, nx = noExecute || e.noExecute
                if isPTLevel || e.pageSize {
                    let size = mode.coverage(atDepth: depth)
                    let flags = MappingFlags(writable: w, executable: !nx, user: u, global: e.global,
                                             cache: CacheMode(writeThrough: e.writeThrough, cacheDisable: e.cacheDisable))
                    let v = mode.canonicalize(entryVA)
                    if let last = runs.last, last.continues(va: v, pa: e.address, pageSize: size, flags: flags) {
                        runs[runs.count - 1].size += size
                    } else {
                        runs.append(LeafRun(virtualStart: v, physicalStart: e.address, size: size, pageSize: size, flags: flags))
                    }
                    continue
                }
                let target = e.address
                let blobEnd = base + UInt64(raw.count)
                // A table is a whole page of the blob.
                guard target >= base, raw.count >= 4096, target - base <= UInt64(raw.count - 4096) else {
                    throw PagingError.pointerOutsideBlob(entry: entryName(), value: value, target: target, blobStart: base, blobEnd: blobEnd)
                }
                if depth == 0 && target == base && mode != .pae {
                    // A recursive slot: the top table mapped into its own window.
                    recursive.append(i)
                    continue
                }
                try visit(tableOffset: Int(target - base), depth: depth + 1, va: entryVA,
                          path: entryName(), writable: w, user: u, noExecute: nx)
            }
        }
    }
}
