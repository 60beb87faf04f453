/// Where redirect may write in a kernel file: only inside the section (or symbol) a patch fills,
/// never over the ELF header, the program or section header tables, or another section's bytes.
/// A table section at sh_offset 0 or a `.text` that claims file offset 0 would otherwise turn
/// the kernel into a file that is no longer an ELF, with exit 0.
struct PatchBounds {
    /// A section's region has no label: its name is read only for a message, from `sections`
    /// (names can be megabytes long).
    private struct Region { let label: String?; let range: Range<UInt64>; let sectionIndex: Int? }
    private let regions: [Region]
    private let kernel: String
    private let sections: [ELFSection]

    private func name(_ r: Region) -> String {
        r.label ?? "section \(r.sectionIndex.map { sections[$0].shownName } ?? "")"
    }

    init(elf: ELFHeaders) {
        kernel = elf.path
        sections = elf.sections
        var regions = [Region(label: "the ELF header", range: 0..<elf.header.headerSize, sectionIndex: nil)]
        // The tables as the sections and segments were read: extended numbering counts too.
        let t = elf.header
        let ph = UInt64(elf.segments.count) &* t.programHeaderSize
        if ph > 0, t.phoff <= UInt64.max - ph {
            regions.append(Region(label: "the program header table", range: t.phoff..<(t.phoff + ph), sectionIndex: nil))
        }
        let sh = UInt64(elf.sections.count) &* t.sectionHeaderSize
        if t.shoff != 0, sh > 0, t.shoff <= UInt64.max - sh {
            regions.append(Region(label: "the section header table", range: t.shoff..<(t.shoff + sh), sectionIndex: nil))
        }
        for s in elf.sections where s.index != 0 && s.holdsFileBytes && s.size > 0 && s.offset <= UInt64.max - s.size {
            regions.append(Region(label: nil, range: s.offset..<(s.offset + s.size), sectionIndex: s.index))
        }
        self.regions = regions
    }

    /// Throws when `size` bytes at file `offset`, written as `what`, would leave `owner` (the
    /// section they belong to; nil when the file names none) or touch anything listed above.
    func check(_ what: String, offset: UInt64, size: UInt64, owner: ELFSection?) throws {
        guard size > 0 else { return }
        let (end, overflow) = offset.addingReportingOverflow(size)
        let range = offset..<(overflow ? UInt64.max : end)
        if let owner, owner.holdsFileBytes,
           overflow || offset < owner.offset || end > owner.offset &+ owner.size {
            throw RedirectError.patchOutsideItsPlace(kernel: kernel, what: what, start: offset, end: range.upperBound,
                                                     overwrites: "bytes outside section \(owner.shownName) (file offset \(hex(owner.offset))..\(hex(owner.offset &+ owner.size)))")
        }
        for r in regions where r.sectionIndex == nil || r.sectionIndex != owner?.index {
            if r.range.overlaps(range) {
                throw RedirectError.patchOutsideItsPlace(kernel: kernel, what: what, start: offset, end: range.upperBound,
                                                         overwrites: "\(name(r)) (file offset \(hex(r.range.lowerBound))..\(hex(r.range.upperBound)))")
            }
        }
    }
}
