/// The memory type a leaf selects through PWT/PCD (PAT=0), for the power-up PAT
/// (WB, WT, UC-, UC): write-back index 0, write-through index 1 (PWT), uncached index 3 (PCD|PWT).
package enum CacheMode: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
    case writeBack = "wb"
    case writeThrough = "wt"
    case uncached = "uc"

    /// (PWT, PCD) for this mode.
    package var bits: (writeThrough: Bool, cacheDisable: Bool) {
        switch self {
        case .writeBack: return (false, false)
        case .writeThrough: return (true, false)
        case .uncached: return (true, true)
        }
    }

    /// The mode PWT/PCD select; PCD=1 with PWT=0 (UC-) reads back as uncached.
    package init(writeThrough: Bool, cacheDisable: Bool) {
        if cacheDisable { self = .uncached } else if writeThrough { self = .writeThrough } else { self = .writeBack }
    }
}
