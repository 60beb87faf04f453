/// One page-table entry as a typed value, encoded and decoded explicitly for a mode and a depth
/// (0 = the table CR3 points at). Bit positions [SDM Vol. 3A §4.3-4.5]: `fields`.
package struct PageTableEntry: Sendable, Equatable, Hashable {
    package var present: Bool
    package var writable: Bool
    package var user: Bool
    /// PWT.
    package var writeThrough: Bool
    /// PCD.
    package var cacheDisable: Bool
    package var accessed: Bool
    /// D; leaves only (ignored in entries that point at a table).
    package var dirty: Bool
    /// PS: the entry maps a large page instead of pointing at a table.
    package var pageSize: Bool
    /// G; leaves only.
    package var global: Bool
    /// PAT (bit 7 in a 4 KiB PTE, bit 12 in a large leaf).
    package var pat: Bool
    /// XD, bit 63.
    package var noExecute: Bool
    /// The physical address of the page or of the next table.
    package var address: UInt64

    package init(present: Bool = true, writable: Bool = false, user: Bool = false,
                writeThrough: Bool = false, cacheDisable: Bool = false, accessed: Bool = false,
                dirty: Bool = false, pageSize: Bool = false, global: Bool = false, pat: Bool = false,
                noExecute: Bool = false, address: UInt64 = 0) {
        self.present = present
        self.writable = writable
        self.user = user
        self.writeThrough = writeThrough
        self.cacheDisable = cacheDisable
        self.accessed = accessed
        self.dirty = dirty
        self.pageSize = pageSize
        self.global = global
        self.pat = pat
        self.noExecute = noExecute
        self.address = address
    }

    package static let notPresent = PageTableEntry(present: false)

    /// One bit field of an entry: its name as the SDM and the listings write it, position, width.
    package struct Field: Sendable, Equatable {
        package let name: String
        package let bit: Int
        package let width: Int
        package let meaning: String

        package init(_ name: String, bit: Int, width: Int = 1, _ meaning: String) {
            self.name = name
            self.bit = bit
            self.width = width
            self.meaning = meaning
        }

        package var mask: UInt64 { (width >= 64 ? ~UInt64(0) : (UInt64(1) << width) - 1) << bit }
    }

    /// The entry's flag bits, low to high [SDM Vol. 3A Tables 4-4 to 4-20]: the one declaration
    /// behind the masks below (encode, decode, the table builder) and the flag names pagetables'
    /// C and nasm listings print. The address field between them depends on the mode and the
    /// level: `addressMask(mode:role:)`.
    package static let fields: [Field] = [
        Field("P", bit: 0, "present"),
        Field("RW", bit: 1, "writable"),
        Field("US", bit: 2, "user-mode access allowed"),
        Field("PWT", bit: 3, "page-level write-through"),
        Field("PCD", bit: 4, "page-level cache disable"),
        Field("A", bit: 5, "accessed"),
        Field("D", bit: 6, "dirty (leaves only)"),
        Field("PS", bit: 7, "page size: the entry maps a large page; PAT in a 4 KiB PTE"),
        Field("G", bit: 8, "global (leaves only)"),
        Field("PAT", bit: 12, "page attribute table index in a large leaf"),
        Field("XD", bit: 63, "execute disable (PAE, 4- and 5-level paging only)"),
    ]

    /// The declared field `name`; a missing one is a defect of the declaration above.
    static func field(_ name: String) -> Field {
        guard let field = fields.first(where: { $0.name == name }) else { preconditionFailure("PageTableEntry.fields declares no \(name)") }
        return field
    }

    /// Bit masks, from the declaration.
    package static let bitP = field("P").mask
    package static let bitRW = field("RW").mask
    package static let bitUS = field("US").mask
    package static let bitPWT = field("PWT").mask
    package static let bitPCD = field("PCD").mask
    package static let bitA = field("A").mask
    package static let bitD = field("D").mask
    package static let bitPS = field("PS").mask
    package static let bitG = field("G").mask
    package static let bitPATLarge = field("PAT").mask
    package static let bitXD = field("XD").mask

    /// What an entry at `depth` of `mode` is for.
    package enum Role: Sendable, Equatable {
        /// Points at the next table.
        case table
        /// Maps a page of this size (4 KiB in a PT; large with PS=1 above).
        case page(UInt64)
        /// A PAE PDPTE: P, PWT, PCD and the PD address; every other bit is reserved.
        case paePointer
    }

    /// The page size an entry at `depth` maps when it is a leaf.
    static func role(mode: PagingMode, depth: Int, pageSize: Bool) -> Role {
        if mode == .pae && depth == 0 { return .paePointer }
        if depth == mode.levels - 1 { return .page(PageSize.size4K) }
        return pageSize ? .page(mode.coverage(atDepth: depth)) : .table
    }

    /// The address bits an entry's address field holds for `role` in `mode`.
    static func addressMask(mode: PagingMode, role: Role) -> UInt64 {
        let limit = mode.physicalLimit - 1
        switch role {
        case .table, .paePointer: return limit & ~UInt64(0xFFF)
        case .page(let size): return limit & ~(size - 1)
        }
    }

    /// The bits this entry sets, for an entry at `depth` in `mode`. Throws when the entry asks
    /// for something the format cannot hold (a misaligned or out-of-reach address, XD in mode 32,
    /// PS where no large page exists, a large page the mode lacks).
    package func encode(mode: PagingMode, depth: Int) throws -> UInt64 {
        func fail(_ why: String) -> PagingError {
            .unencodableEntry(table: mode.tableNames[depth], detail: why)
        }
        guard depth >= 0 && depth < mode.levels else { throw fail("depth \(depth) does not exist in mode \(mode.rawValue)") }
        guard present else { return 0 }
        if pageSize {
            let isLeafLevel = depth == mode.levels - 1
            let size = mode.coverage(atDepth: depth)
            if isLeafLevel || !mode.pageSizes.contains(size) || (mode == .pae && depth == 0) {
                throw fail("PS=1 is not allowed in a \(mode.tableNames[depth]) entry in mode \(mode.rawValue)")
            }
        }
        let role = Self.role(mode: mode, depth: depth, pageSize: pageSize)
        let mask = Self.addressMask(mode: mode, role: role)
        guard address & ~mask == 0 else {
            throw fail("address \(hex(address)) is not \(role == .table || role == .paePointer ? "a 4 KiB-aligned table address" : "aligned to its page") within \(mode.physicalBits) bits")
        }
        if noExecute && !mode.hasNoExecute { throw fail("mode 32 has no execute-disable bit") }
        var v = Self.bitP | address
        if writeThrough { v |= Self.bitPWT }
        if cacheDisable { v |= Self.bitPCD }
        if role == .paePointer {
            // A PAE PDPTE has only P, PWT, PCD and the address: R/W, U/S, A, PS, XD there are
            // reserved and make the MOV to CR3 raise #GP [SDM Table 4-8].
            return v
        }
        if writable { v |= Self.bitRW }
        if user { v |= Self.bitUS }
        if accessed { v |= Self.bitA }
        if noExecute { v |= Self.bitXD }
        switch role {
        case .table, .paePointer:
            if pat { throw fail("PAT exists only in leaves") }
        case .page(let size):
            if dirty { v |= Self.bitD }
            if global { v |= Self.bitG }
            if size == PageSize.size4K {
                if pat { v |= Self.bitPS }  // bit 7 is PAT in a 4 KiB PTE
            } else {
                v |= Self.bitPS
                if pat { v |= Self.bitPATLarge }
            }
        }
        return v
    }

    /// Decodes `raw` found at `depth` of `mode`; `name` (e.g. "PML4[3]") goes into the error
    /// when a reserved bit is set in a present entry.
    package static func decode(_ raw: UInt64, mode: PagingMode, depth: Int, name: String = "entry") throws -> PageTableEntry {
        guard raw & bitP != 0 else { return .notPresent }
        let (ps, reserved) = checkReserved(raw, mode: mode, depth: depth)
        guard reserved == 0 else {
            throw PagingError.reservedBitsSet(entry: name, value: raw, bits: reserved)
        }
        let role = Self.role(mode: mode, depth: depth, pageSize: ps)
        let address = raw & addressMask(mode: mode, role: role)
        var e = PageTableEntry(address: address)
        e.writeThrough = raw & bitPWT != 0
        e.cacheDisable = raw & bitPCD != 0
        if role == .paePointer {
            // No rights at this level: they come from the PD entries.
            e.writable = true
            e.user = true
            return e
        }
        e.writable = raw & bitRW != 0
        e.user = raw & bitUS != 0
        e.accessed = raw & bitA != 0
        e.noExecute = mode.hasNoExecute && raw & bitXD != 0
        if case .page(let size) = role {
            e.dirty = raw & bitD != 0
            e.global = raw & bitG != 0
            if size == PageSize.size4K {
                e.pat = raw & bitPS != 0
            } else {
                e.pageSize = true
                e.pat = raw & bitPATLarge != 0
            }
        }
        return e
    }

    /// Whether a present entry maps a large page (PS where it means that), and the bits set that
    /// the CPU reserves at this level of this mode [x86-paging.md].
    static func checkReserved(_ raw: UInt64, mode: PagingMode, depth: Int) -> (pageSize: Bool, reserved: UInt64) {
        let isLeafLevel = depth == mode.levels - 1
        var reserved: UInt64 = 0
        var ps = !isLeafLevel && raw & bitPS != 0
        switch mode {
        case .bits32:
            if ps, raw & 0x003F_E000 != 0 {
                // Bits 21:13 of a 4 MiB PDE: PSE-36 address bits or reserved; kimage maps 32 bits.
                reserved |= raw & 0x003F_E000
            }
        case .pae:
            if depth == 0 {
                reserved |= raw & (0x0000_0000_0000_01E6 | 0xFFF0_0000_0000_0000)
                ps = false
            } else {
                reserved |= raw & 0x7FF0_0000_0000_0000
            }
        case .fourLevel, .fiveLevel:
            if depth == 0 || (mode == .fiveLevel && depth == 1) {
                // PS is reserved in PML4Es and PML5Es.
                if ps { reserved |= bitPS; ps = false }
            }
        }
        if ps {
            let size = mode.coverage(atDepth: depth)
            if !mode.pageSizes.contains(size) {
                reserved |= bitPS
            } else {
                // Between PAT (bit 12) and the page address: reserved.
                reserved |= raw & (size - 1) & ~UInt64(0x1FFF)
            }
        }
        return (ps, reserved)
    }
}
