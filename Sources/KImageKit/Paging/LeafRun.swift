/// A run of equal-sized leaf pages mapping contiguous virtual onto contiguous physical memory
/// with one set of flags: a line of the summary.
package struct LeafRun: Sendable, Equatable, Hashable {
    package var virtualStart: UInt64
    package var physicalStart: UInt64
    package var size: UInt64
    package var pageSize: UInt64
    package var flags: MappingFlags

    package init(virtualStart: UInt64, physicalStart: UInt64, size: UInt64, pageSize: UInt64, flags: MappingFlags) {
        self.virtualStart = virtualStart
        self.physicalStart = physicalStart
        self.size = size
        self.pageSize = pageSize
        self.flags = flags
    }

    package var mapping: Mapping {
        Mapping(virtualStart: virtualStart, physicalStart: physicalStart, size: size, flags: flags)
    }

    /// Whether `page` (one leaf) continues this run.
    func continues(va: UInt64, pa: UInt64, pageSize: UInt64, flags: MappingFlags) -> Bool {
        self.pageSize == pageSize && self.flags == flags
            && virtualStart &+ size == va && physicalStart &+ size == pa && va != 0
    }
}
