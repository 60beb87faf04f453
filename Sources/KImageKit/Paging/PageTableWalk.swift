/// What a walk of a table blob found.
package struct PageTableWalk: Sendable {
    /// Contiguous runs of equal leaf pages with their effective flags, by virtual address.
    package var runs: [LeafRun] = []
    /// Top-level slots that point back at the top table (recursive mappings), not walked.
    package var recursiveSlots: [Int] = []
    /// Tables reached from the top (each counted once).
    package var tablesReached: Int = 0

    /// The mappings: runs joined across page sizes.
    package var mappings: [Mapping] { Mapping.coalesced(runs.map(\.mapping)) }
}
