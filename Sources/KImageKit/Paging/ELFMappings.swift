extension Mapping {
    /// A mapping per PT_LOAD segment with memory: p_vaddr onto p_paddr, widened to whole 4 KiB
    /// pages, writable and executable as p_flags say.
    public static func fromLoadSegments(of elf: ELFFile) throws -> [Mapping] {
        var out: [Mapping] = []
        for s in elf.loadSegments where s.memorySize > 0 {
            guard s.virtualAddress & 0xFFF == s.physicalAddress & 0xFFF else {
                throw KImageError.paging(.segmentMisaligned(path: elf.path, segment: s.index,
                                                            virtualAddress: s.virtualAddress, physicalAddress: s.physicalAddress))
            }
            let pageOffset = s.virtualAddress & 0xFFF
            let start = s.virtualAddress - pageOffset
            let end = (s.virtualAddress &+ s.memorySize &+ 0xFFF) & ~UInt64(0xFFF)
            out.append(Mapping(virtualStart: start, physicalStart: s.physicalAddress - pageOffset,
                               size: end &- start,
                               flags: MappingFlags(writable: s.isWritable, executable: s.isExecutable)))
        }
        guard !out.isEmpty else { throw KImageError.paging(.noLoadSegments(path: elf.path)) }
        return out
    }
}
