/// Built tables: page-aligned from `base`, the top-level table first.
package struct PageTables: Sendable {
    package let mode: PagingMode
    /// Physical address of the first table.
    package let base: UInt64
    /// Every table, 4 KiB each, little-endian entries.
    package let bytes: [UInt8]
    /// The depth of each table (0 = top), in layout order.
    package let tableDepths: [Int]
    /// Contiguous runs of equal leaf pages, by virtual address.
    package let runs: [LeafRun]
    /// The mappings the tables hold (coalesced).
    package let mappings: [Mapping]
    package let recursiveSlot: Int?
    package let maxPageSize: UInt64

    package init(mode: PagingMode, base: UInt64, bytes: [UInt8], tableDepths: [Int], runs: [LeafRun],
                mappings: [Mapping], recursiveSlot: Int?, maxPageSize: UInt64) {
        self.mode = mode
        self.base = base
        self.bytes = bytes
        self.tableDepths = tableDepths
        self.runs = runs
        self.mappings = mappings
        self.recursiveSlot = recursiveSlot
        self.maxPageSize = maxPageSize
    }

    /// What CR3 must hold: the top table's physical address (PAE: the PDPT's; with PWT/PCD 0).
    package var cr3: UInt64 { base }
    package var tableCount: Int { tableDepths.count }
    package var byteCount: Int { bytes.count }

    /// Physical address of table `t`.
    package func address(ofTable t: Int) -> UInt64 { base + UInt64(t) * 4096 }

    /// Entries the CPU reads in table `t` (4 in the PAE PDPT).
    package func entryCount(ofTable t: Int) -> Int { mode.entries(atDepth: tableDepths[t]) }

    /// The raw value of entry `i` of table `t`.
    package func entry(table t: Int, index i: Int) -> UInt64 {
        let offset = t * 4096 + i * mode.entrySize
        return mode.entrySize == 8 ? bytes.loadLE(UInt64.self, at: offset)! : UInt64(bytes.loadLE(UInt32.self, at: offset)!)
    }

    /// The table entry `i` of table `t` points at, nil for leaves and empty entries.
    package func pointerTarget(table t: Int, index i: Int) -> Int? {
        let raw = entry(table: t, index: i)
        let depth = tableDepths[t]
        guard raw & PageTableEntry.bitP != 0, depth < mode.levels - 1 || (t == 0 && i == recursiveSlot) else { return nil }
        let topOfPAE = mode == .pae && depth == 0
        if !topOfPAE && raw & PageTableEntry.bitPS != 0 && !(t == 0 && i == recursiveSlot) { return nil }
        let address = raw & (mode.physicalLimit - 1) & ~UInt64(0xFFF)
        guard address >= base else { return nil }
        let target = Int((address - base) / 4096)
        return target < tableCount ? target : nil
    }

    /// "PML4[511]"-style name of an entry.
    package func entryName(table t: Int, index i: Int) -> String {
        "\(mode.tableNames[tableDepths[t]])[\(i)]"
    }
}
