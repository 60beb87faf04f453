extension Mapping {
    /// A mapping per PT_LOAD segment with memory: p_vaddr onto p_paddr, widened to whole 4 KiB
    /// pages, writable and executable as p_flags say (`pagetables --from-elf`; `pack` uses the
    /// same function, so both map a kernel the same way).
    package static func fromLoadSegments(of elf: ELFFile) throws -> [Mapping] {
        let segments = elf.loadSegments.filter { $0.memorySize > 0 }
        guard !segments.isEmpty else { throw PagingError.noLoadSegments(path: elf.path) }
        try BootImageLayout.checkDisjoint(segments, path: elf.path, space: "virtual", start: \.virtualAddress)
        return try fromLoadSegments(segments, path: elf.path)
    }

    /// Each segment (byte ranges disjoint: the caller checked) at its vaddr with its own rights,
    /// widened to whole 4 KiB pages; a page two segments share gets both their rights (the ELF
    /// does not allow W^X there), like a loader mapping the page once.
    static func fromLoadSegments(_ segments: [ELFSegment], path: String) throws -> [Mapping] {
        var ranges: [Mapping] = []
        var previous: ELFSegment?
        for s in segments.sorted(by: { $0.virtualAddress < $1.virtualAddress }) {
            defer { previous = s }
            guard s.virtualAddress & 0xFFF == s.physicalAddress & 0xFFF else {
                throw PagingError.segmentMisaligned(path: path, segment: s.index,
                                                    virtualAddress: s.virtualAddress, physicalAddress: s.physicalAddress)
            }
            let vStart = s.virtualAddress & ~0xFFF
            // Wrapping: a segment that ends at 2^64 ends at page 0 and still has its true size.
            let vEnd = (s.virtualAddress &+ s.memorySize &+ 0xFFF) & ~0xFFF
            let next = Mapping(virtualStart: vStart, physicalStart: s.physicalAddress & ~0xFFF, size: vEnd &- vStart,
                               flags: MappingFlags(writable: s.isWritable, executable: s.isExecutable))
            if let last = ranges.last, last.virtualEnd > next.virtualStart {
                ranges.removeLast()
                ranges += try splitSharedPage(last, next, path: path, first: previous?.index ?? 0, second: s.index)
            } else {
                ranges.append(next)
            }
        }
        return joined(ranges)
    }

    /// `last` and `next` overlap in the page they share: that page gets both their rights. Byte
    /// ranges are disjoint, so only the boundary page is shared; it must be one physical page.
    static func splitSharedPage(_ last: Mapping, _ next: Mapping, path: String, first: Int, second: Int) throws -> [Mapping] {
        let shared = Mapping(virtualStart: next.virtualStart,
                             physicalStart: last.physicalStart + (next.virtualStart - last.virtualStart),
                             size: last.virtualEnd - next.virtualStart,
                             flags: MappingFlags(writable: last.flags.writable || next.flags.writable,
                                                 executable: last.flags.executable || next.flags.executable))
        guard shared.physicalStart == next.physicalStart else {
            throw BootImageError.segmentsOverlap(
                path: path, space: "virtual page", first: first, firstStart: last.virtualStart, firstEnd: last.virtualEnd,
                second: second, secondStart: next.virtualStart, secondEnd: next.virtualEnd)
        }
        var before = last
        before.size = next.virtualStart - last.virtualStart
        var after = next
        after.size -= shared.size
        after.virtualStart += shared.size
        after.physicalStart += shared.size
        return [before, shared, after].filter { $0.size > 0 }
    }

    /// Neighbours with the same rights, contiguous in both spaces, as one mapping.
    static func joined(_ ranges: [Mapping]) -> [Mapping] {
        var out: [Mapping] = []
        for m in ranges {
            if var last = out.last, last.virtualEnd == m.virtualStart, last.physicalEnd == m.physicalStart, last.flags == m.flags {
                last.size += m.size
                out[out.count - 1] = last
            } else {
                out.append(m)
            }
        }
        return out
    }
}
