/// What a walk of a table blob found.
public struct PageTableWalk: Sendable {
    /// Contiguous runs of equal leaf pages with their effective flags, by virtual address.
    public var runs: [LeafRun] = []
    /// Top-level slots that point back at the top table (recursive mappings), not walked.
    public var recursiveSlots: [Int] = []
    /// Tables reached from the top (each counted once).
    public var tablesReached: Int = 0

    /// The mappings: runs joined across page sizes.
    public var mappings: [Mapping] { Mapping.coalesced(runs.map(\.mapping)) }
}
