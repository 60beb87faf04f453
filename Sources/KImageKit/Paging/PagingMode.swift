/// The four x86 paging modes. Levels are numbered by depth: 0 is the table CR3 points at, the
/// last is the page table (PT) whose entries map 4 KiB pages.
package enum PagingMode: String, Sendable, Equatable, Hashable, CaseIterable, Codable {
    case bits32 = "32"
    case pae = "pae"
    case fourLevel = "4level"
    case fiveLevel = "5level"

    /// Parses the CLI spelling: 32, pae, 4level, 5level.
    package init(parsing text: String) throws {
        let t = text.lowercased()
        switch t {
        case "32", "32bit", "32-bit", "ia32": self = .bits32
        case "pae": self = .pae
        case "4level", "4-level", "long", "ia32e", "x86_64", "x86-64": self = .fourLevel
        case "5level", "5-level", "la57": self = .fiveLevel
        default: throw PagingError.unknownMode(text)
        }
    }

    package var levels: Int {
        switch self {
        case .bits32: return 2
        case .pae: return 3
        case .fourLevel: return 4
        case .fiveLevel: return 5
        }
    }

    /// Bytes per entry: 4 in 32-bit paging, 8 otherwise.
    package var entrySize: Int { self == .bits32 ? 4 : 8 }

    /// Entries in a 4 KiB table slot (the PAE PDPT uses only the first 4).
    package var entriesPerTable: Int { 4096 / entrySize }

    /// Entries the CPU uses in the table at `depth` (PAE PDPT: 4).
    package func entries(atDepth depth: Int) -> Int {
        self == .pae && depth == 0 ? 4 : entriesPerTable
    }

    /// The lowest virtual-address bit that indexes the table at `depth`.
    package func shift(atDepth depth: Int) -> Int {
        12 + (levels - 1 - depth) * (self == .bits32 ? 10 : 9)
    }

    /// How much address space one entry of the table at `depth` covers.
    package func coverage(atDepth depth: Int) -> UInt64 { 1 << UInt64(shift(atDepth: depth)) }

    /// The depth whose leaf entries map pages of `pageSize`, nil when this mode has no such page.
    package func leafDepth(forPageSize pageSize: UInt64) -> Int? {
        guard pageSizes.contains(pageSize) else { return nil }
        return (0..<levels).first { coverage(atDepth: $0) == pageSize }
    }

    /// Every page size the mode can map, smallest first (1 GiB needs CPUID Page1GB, 4 MiB CR4.PSE).
    package var pageSizes: [UInt64] {
        switch self {
        case .bits32: return [PageSize.size4K, PageSize.size4M]
        case .pae: return [PageSize.size4K, PageSize.size2M]
        case .fourLevel, .fiveLevel: return [PageSize.size4K, PageSize.size2M, PageSize.size1G]
        }
    }

    /// The largest page the builder uses unless told otherwise: 1 GiB pages only on request,
    /// since not every CPU has them (CPUID 80000001h EDX[26]).
    package var defaultMaxPageSize: UInt64 {
        self == .bits32 ? PageSize.size4M : PageSize.size2M
    }

    /// Table names by depth, as the SDM calls them.
    package var tableNames: [String] {
        switch self {
        case .bits32: return ["PD", "PT"]
        case .pae: return ["PDPT", "PD", "PT"]
        case .fourLevel: return ["PML4", "PDPT", "PD", "PT"]
        case .fiveLevel: return ["PML5", "PML4", "PDPT", "PD", "PT"]
        }
    }

    /// Linear-address bits: 32, 32, 48, 57.
    package var virtualBits: Int {
        switch self {
        case .bits32, .pae: return 32
        case .fourLevel: return 48
        case .fiveLevel: return 57
        }
    }

    /// Physical-address bits an entry can hold: 32 in mode 32 (no PSE-36), else 52 (MAXPHYADDR's
    /// architectural limit; a given CPU may have fewer, QEMU's qemu64 has 40).
    package var physicalBits: Int { self == .bits32 ? 32 : 52 }

    /// One past the highest physical address an entry can hold.
    package var physicalLimit: UInt64 { 1 << UInt64(physicalBits) }

    /// Whether the mode has the execute-disable bit (63, with EFER.NXE).
    package var hasNoExecute: Bool { self != .bits32 }

    /// Whether `address` is a valid linear address: below 4 GiB in 32-bit and PAE paging,
    /// bits 63:47 (63:56 for LA57) all equal in long mode.
    package func isCanonical(_ address: UInt64) -> Bool {
        switch self {
        case .bits32, .pae:
            return address >> 32 == 0
        case .fourLevel, .fiveLevel:
            let top = Int64(bitPattern: address) >> Int64(virtualBits - 1)
            return top == 0 || top == -1
        }
    }

    /// Whether every address from `first` to `last` is: both ends are, and the range stays in one
    /// half (a range from the low half to the high one crosses the non-canonical hole).
    package func isCanonical(first: UInt64, last: UInt64) -> Bool {
        isCanonical(first) && isCanonical(last) && first >> 63 == last >> 63
    }

    /// The canonical-address rule of the long modes, for messages that refuse an address.
    package var canonicalRule: String {
        self == .fiveLevel
            ? "bits 63:56 must all equal bit 56: the low half ends 0x00FFFFFFFFFFFFFF, the high half starts 0xFF00000000000000"
            : "bits 63:47 must all equal bit 47: the low half ends 0x00007FFFFFFFFFFF, the high half starts 0xFFFF800000000000"
    }

    /// Sign-extends an address assembled from table indices (long mode), or returns it as is.
    package func canonicalize(_ address: UInt64) -> UInt64 {
        switch self {
        case .bits32, .pae: return address
        case .fourLevel, .fiveLevel:
            let unused = UInt64(64 - virtualBits)
            return UInt64(bitPattern: Int64(bitPattern: address << unused) >> Int64(unused))
        }
    }

    /// The index of `address` in the table at `depth`.
    @inline(__always)
    package func index(of address: UInt64, atDepth depth: Int) -> Int {
        Int((address >> UInt64(shift(atDepth: depth))) & UInt64(entries(atDepth: depth) - 1))
    }
}
