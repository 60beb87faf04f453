/// Failures of page-table declaration, building and walking.
package enum PagingError: KImageError, Equatable {
    case unknownMode(String)
    case unknownPageSize(String)
    case pageSizeNotInMode(size: UInt64, mode: PagingMode)
    case invalidNumber(text: String, detail: String)
    case ambiguousNumber(String)
    case invalidMappingSpec(option: String, text: String, expected: String)
    case invalidFlags(text: String, detail: String)
    case emptyMapping(Mapping)
    case unalignedMapping(Mapping, field: String, value: UInt64)
    case rangeWraps(Mapping)
    case nonCanonical(Mapping, mode: PagingMode, address: UInt64)
    case virtualBeyondReach(Mapping, mode: PagingMode)
    case physicalBeyondReach(Mapping, mode: PagingMode)
    case conflictingMappings(existing: Mapping, new: Mapping, at: UInt64, detail: String)
    case overlapsRecursiveSlot(Mapping, slot: Int, table: String, windowStart: UInt64, windowEnd: UInt64)
    case invalidRecursiveSlot(slot: Int, mode: PagingMode)
    case recursiveSlotUnsupported(mode: PagingMode)
    case noMappings
    case unalignedBase(UInt64, mode: PagingMode)
    case baseBeyondReach(base: UInt64, end: UInt64, mode: PagingMode, limit: UInt64)
    case unencodableEntry(table: String, detail: String)
    case reservedBitsSet(entry: String, value: UInt64, bits: UInt64)
    case blobTooSmall(size: Int, needed: Int, mode: PagingMode)
    case unalignedWalkBase(UInt64)
    case pointerOutsideBlob(entry: String, value: UInt64, target: UInt64, blobStart: UInt64, blobEnd: UInt64)
    case walkTooLong(limit: Int, blobEntries: Int)
    case tablesTooLarge(limit: UInt64, mode: PagingMode, largestPage: UInt64)
    case tableAtTwoLevels(entry: String, address: UInt64, first: String, second: String)
    case segmentMisaligned(path: String, segment: Int, virtualAddress: UInt64, physicalAddress: UInt64)
    case noLoadSegments(path: String)

    package var description: String { optionDescription ?? tableDescription }

    /// The errors in what the user wrote: values, mappings, the recursive slot.
    private var optionDescription: String? {
        switch self {
        case .unknownMode(let text):
            return "unknown paging mode `\(text)`; expected 32, pae, 4level or 5level"
        case .unknownPageSize(let text):
            return "unknown page size `\(text)`; expected 4K, 2M, 4M (mode 32) or 1G (4level, 5level)"
        case .pageSizeNotInMode(let size, let mode):
            let sizes = mode.pageSizes.map(PageSize.name).joined(separator: ", ")
            return "mode \(mode.rawValue) has no \(PageSize.name(size)) pages; use one of \(sizes)"
        case .invalidNumber(let text, let detail):
            return "`\(text)` is not a number: \(detail); write hex with 0x (0xFFFF_8000_0000_0000) or decimal, optionally with a K, M or G suffix (16M)"
        case .ambiguousNumber(let text):
            return "`\(text)` is ambiguous: 4-digit `_` groups look like hex but it has no hex letter; write 0x\(text) for hex, or drop the `_` for decimal"
        case .invalidMappingSpec(let option, let text, let expected):
            return "\(option) `\(text)` is malformed; expected \(expected)"
        case .invalidFlags(let text, let detail):
            return "flags `\(text)` are invalid: \(detail); write r, rw, rx or rwx, then optionally u (user), g (global) and one of uc, wt, wb (e.g. rw,uc)"
        case .emptyMapping(let m):
            return "mapping \(m) has size 0; give it a size of at least 4K"
        case .unalignedMapping(let m, let field, let value):
            return "mapping \(m): \(field) \(hex(value)) is not a multiple of 4 KiB; round it to a 4K boundary (pages are the smallest unit a table can map)"
        case .rangeWraps(let m):
            return "mapping \(m) runs past the end of the 64-bit address space; shorten it"
        case .nonCanonical(let m, let mode, let address):
            // A 4-level range that 57-bit addresses cover whole: the user may have meant LA57.
            let fitsFiveLevel = mode == .fourLevel && PagingMode.fiveLevel.isCanonical(first: m.virtualStart, last: m.virtualLast)
            let fix = fitsFiveLevel
                ? "move or shorten it, or, since it is canonical with 5-level paging (57-bit addresses), use 5-level tables: kimage pack --five-level, kimage pagetables --mode 5level (the CPU needs LA57)"
                : "move or shorten it"
            return "mapping \(m) covers the non-canonical address \(hex(address)) in mode \(mode.rawValue) (\(mode.canonicalRule)); \(fix)"
        case .virtualBeyondReach(let m, let mode):
            return "mapping \(m) reaches beyond 4 GiB of virtual address space, the limit of mode \(mode.rawValue); use 4level for a 64-bit kernel, or shorten it"
        case .physicalBeyondReach(let m, let mode):
            return "mapping \(m) reaches physical \(hex(m.physicalEnd)), beyond the \(mode.physicalBits)-bit physical reach of mode \(mode.rawValue)\(mode == .bits32 ? "; use pae to reach memory above 4 GiB" : ""); shorten it or move it lower"
        case .conflictingMappings(let existing, let new, let at, let detail):
            return "mapping \(new) overlaps \(existing) at virtual \(hex(at)) and disagrees (\(detail)); give them the same physical address and flags, or make the virtual ranges disjoint"
        case .overlapsRecursiveSlot(let m, let slot, let table, let start, let end):
            return "mapping \(m) overlaps the recursive slot \(table)[\(slot)], whose window \(hex(start))-\(hexEnd(start: start, size: end &- start)) shows the tables; move the mapping or pick another --recursive slot"
        case .invalidRecursiveSlot(let slot, let mode):
            return "recursive slot \(slot) does not exist in mode \(mode.rawValue); the \(mode.tableNames[0]) has slots 0-\(mode.entries(atDepth: 0) - 1)"
        case .recursiveSlotUnsupported(let mode):
            return "mode \(mode.rawValue) has no recursive slot: its top table (the 4-entry PDPT) does not have the format of the tables below it; map the tables explicitly with --map, or use 32 or 4level"
        default:
            return nil
        }
    }

    /// The errors in building, encoding or walking tables, and in a kernel's segments.
    private var tableDescription: String {
        switch self {
        case .noMappings:
            return "no mappings were given; add --identity, --map, --higher-half or --from-elf"
        case .unalignedBase(let base, let mode):
            return "base \(hex(base)) is not 4 KiB-aligned; tables in mode \(mode.rawValue) must start on a page boundary: round --base up to a multiple of 0x1000"
        case .baseBeyondReach(let base, let end, let mode, let limit):
            let reach = end > base ? "tables from base \(hex(base)) end at \(hex(end))," : "tables at base \(hex(base)) lie"
            return "\(reach) beyond \(hex(limit)), the highest address mode \(mode.rawValue) can point at\(mode == .pae ? " (CR3 must hold the PDPT below 4 GiB)" : ""); choose a lower --base"
        case .unencodableEntry(let table, let detail):
            return "cannot encode a \(table) entry: \(detail)"
        case .reservedBitsSet(let entry, let value, let bits):
            return "\(entry) = \(hex(value, digits: 16)) has reserved bits \(hex(bits)) set; the CPU would fault on it: this is not a table kimage can read (wrong --mode or --base?)"
        case .blobTooSmall(let size, let needed, let mode):
            return "the table blob has \(size) bytes, fewer than the \(needed) of a \(mode.tableNames[0]); is it a page-table blob?"
        case .unalignedWalkBase(let base):
            return "base \(hex(base)) is not 4 KiB-aligned; give the base the blob was built for"
        case .pointerOutsideBlob(let entry, let value, let target, let start, let end):
            return "\(entry) = \(hex(value, digits: 16)) points to a table at \(hex(target)), outside the blob (\(hex(start))-\(hex(end))); the blob was built for another --base, or is not a table blob"
        case .walkTooLong(let limit, let blobEntries):
            return "walking the tables reads more than \(limit) entries, though the blob holds \(blobEntries): its tables are shared far more than any real table set shares them (is it a page-table blob?)"
        case .tablesTooLarge(let limit, let mode, let largestPage):
            let larger = mode.pageSizes.filter { $0 > largestPage }.map(PageSize.name)
            let hint = larger.isEmpty ? "" : "allow larger pages (--page-size \(larger.joined(separator: " or "))), "
            return "the mappings need more than \(HumanSize.text(limit)) of page tables, kimage's limit for one table set (\(limit / 4096) tables); expected fewer tables: \(hint)map less, or keep each range's virtual and physical addresses aligned alike so large pages fit (pages are \(PageSize.name(largestPage)) at most now)"
        case .tableAtTwoLevels(let entry, let address, let first, let second):
            return "\(entry) points to the table at \(hex(address)), which is already used as a \(first), as a \(second): the tables loop; this is not a table set kimage can read (wrong --mode?)"
        case .segmentMisaligned(let path, let segment, let va, let pa):
            return "\(path): PT_LOAD segment \(segment) has p_vaddr \(hex(va)) and p_paddr \(hex(pa)) at different offsets within a 4 KiB page, so no page can map it; align both to the same page offset in the linker script"
        case .noLoadSegments(let path):
            return "\(path) has no PT_LOAD segment with memory size; expected a linked kernel"
        default:
            return optionDescription ?? ""
        }
    }
}
