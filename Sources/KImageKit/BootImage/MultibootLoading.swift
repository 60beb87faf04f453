/// Where a multiboot kernel's bytes go and where it is entered, decided the way GRUB 2.06
/// (grub-core/loader/multiboot_elfxx.c, multiboot_mbi2.c) and QEMU (hw/i386/multiboot.c) decide:
/// the header's address fields (MB1 flag 16, MB2 address tag) win over the ELF program headers;
/// the header's entry address wins over e_entry; an e_entry inside a segment's virtual range is
/// translated to its physical address (GRUB), one inside a physical range is taken as is (QEMU).
struct MultibootLoading {
    /// The ranges to load (address-field loading gives one synthetic segment).
    let segments: [ELFSegment]
    let entry: UInt64
    /// How the entry was found, for pack's report.
    let entryReason: String
    /// The header asks for the EGA text console's framebuffer information.
    let wantsFramebuffer: Bool
    /// The section headers for syms / the ELF sections tag (none with address-field loading:
    /// GRUB gives no ELF sections then).
    let sections: MultibootInfoTemplate.SectionHeaders?
    /// The lowest physical address loaded, for the MBI2 load base tag (21).
    let loadBase: UInt64
    /// Where a relocatable (MB2 tag 10) kernel goes and why, for pack's report; nil otherwise.
    let relocation: String?
    /// MB2: the header requires an information tag only a UEFI boot gives (12, 17).
    var needsUEFI = false

    init?(handoff: Handoff, kernel: ELFHeaders, head: [UInt8], efi: Bool = true) throws {
        guard let header = try HeaderRequests(handoff: handoff, path: kernel.path, head: head, efi: efi) else { return nil }
        needsUEFI = header.needsUEFI
        var placed: [ELFSegment]
        if let a = header.address {
            placed = [try Self.addressFieldSegment(a, kernel: kernel, handoff: handoff)]
            sections = nil
        } else {
            placed = kernel.loadSegments.filter { $0.memorySize > 0 }
            sections = MultibootInfoTemplate.SectionHeaders(of: kernel)
            for s in sections?.carried ?? [] { try kernel.file.load(offset: s.offset, count: s.size) }
        }
        wantsFramebuffer = header.framebuffer

        var (entry, entryReason) = try Self.entry(of: kernel, placed: placed, override: header.entryOverride, handoff: handoff)
        let linkBase = placed.map(\.physicalAddress).min() ?? 0
        var relocation: String?
        if let tag = header.relocatable, !placed.isEmpty {
            let base = try Self.relocatableBase(tag, linkBase: linkBase, size: placed.map { $0.physicalAddress &+ $0.memorySize }.max()! &- linkBase,
                                                path: kernel.path, handoff: handoff)
            relocation = base.reason
            if base.address != linkBase {
                // GRUB (multiboot_mbi2.c): every segment and the entry move by load base - link base.
                let delta = base.address &- linkBase
                placed = placed.map {
                    ELFSegment(index: $0.index, type: $0.type, flags: $0.flags, offset: $0.offset, virtualAddress: $0.virtualAddress,
                               physicalAddress: $0.physicalAddress &+ delta, fileSize: $0.fileSize, memorySize: $0.memorySize,
                               alignment: $0.alignment)
                }
                entry = entry &+ delta
                entryReason += ", moved with the image by \(hex(delta))"
            }
        }
        segments = placed
        loadBase = placed.map(\.physicalAddress).min() ?? 0
        self.relocation = relocation
        self.entry = entry
        self.entryReason = entryReason
        guard entry < 1 << 32 else {
            throw BootImageError.entryNotInSegment(path: kernel.path, entry: entry, handoff: handoff)
        }
    }

    /// The header's address fields (MB1 flag 16, MB2 tag 2), all as written.
    struct AddressFields {
        let headerOffset: Int
        let headerAddr: UInt32
        let loadAddr: UInt32
        let loadEnd: UInt32
        let bssEnd: UInt32
    }

    /// What the kernel's multiboot header asks of the loader, read from either header kind.
    struct HeaderRequests {
        var address: AddressFields?
        var entryOverride: (address: UInt64, reason: String)?
        var framebuffer = false
        var relocatable: Multiboot2Header.Tag?
        var needsUEFI = false

        /// nil for the handoffs without a multiboot header; throws when the header is missing or
        /// asks for what kimage cannot give.
        init?(handoff: Handoff, path: String, head: [UInt8], efi: Bool) throws {
            switch handoff {
            case .kimage, .linux:
                return nil
            case .multiboot:
                guard let h = MultibootHeader.find(in: head) else { throw BootImageError.handoffNeedsHeader(path: path, handoff: handoff) }
                if let first = h.unsupportedRequests.first {
                    throw BootImageError.multibootRequestUnsupported(path: path, handoff: handoff, what: first.what, fix: first.fix)
                }
                framebuffer = h.hasVideoFields && h.value(.modeType) == 1
                if h.hasAddressFields {
                    address = AddressFields(headerOffset: h.fileOffset, headerAddr: h.value(.headerAddr), loadAddr: h.value(.loadAddr),
                                            loadEnd: h.value(.loadEndAddr), bssEnd: h.value(.bssEndAddr))
                    entryOverride = (UInt64(h.value(.entryAddr)), "the header's entry_addr (flag bit 16)")
                }
            case .multiboot2:
                guard let h = Multiboot2Header.find(in: head) else { throw BootImageError.handoffNeedsHeader(path: path, handoff: handoff) }
                if let first = h.unsupportedRequests(efi: efi).first {
                    throw BootImageError.multibootRequestUnsupported(path: path, handoff: handoff, what: first.what, fix: first.fix)
                }
                needsUEFI = !h.requiredUEFITags.isEmpty
                framebuffer = h.tag(1)?.words.contains(Multiboot2Info.tagFramebuffer) == true || h.tag(5) != nil
                    || (h.tag(4).map { $0.word(0) & 2 != 0 } ?? false)
                if let t = h.tag(2) {
                    address = AddressFields(headerOffset: h.fileOffset, headerAddr: t.word(0), loadAddr: t.word(1), loadEnd: t.word(2),
                                            bssEnd: t.word(3))
                }
                if let t = h.tag(3) {
                    entryOverride = (UInt64(t.word(0)), "the header's entry address tag")
                }
                relocatable = h.tag(10)
            }
        }
    }

    /// The one segment address-field loading gives: the header's address fields tie file offsets
    /// to physical addresses, the header at header_addr, so file offset (header offset -
    /// (header_addr - load_addr)) is loaded at load_addr.
    static func addressFieldSegment(_ a: AddressFields, kernel: ELFHeaders, handoff: Handoff) throws -> ELFSegment {
        let path = kernel.path
        let fileSize = UInt64(kernel.bytes.count)
        let fromStart = a.loadAddr == 0xFFFF_FFFF
        let loadAddr = fromStart ? UInt64(a.headerAddr) &- UInt64(a.headerOffset) : UInt64(a.loadAddr)
        guard UInt64(a.headerAddr) >= loadAddr, UInt64(a.headerAddr) - loadAddr <= UInt64(a.headerOffset) else {
            throw BootImageError.multibootRequestUnsupported(
                path: path, handoff: handoff,
                what: "load_addr \(hex(loadAddr)) and header_addr \(hex(UInt64(a.headerAddr))) put the file's start before offset 0 (the header is at file offset \(hex(UInt64(a.headerOffset))))",
                fix: "make header_addr - load_addr at most the header's file offset")
        }
        let fileStart = UInt64(a.headerOffset) - (UInt64(a.headerAddr) - loadAddr)
        let loadEnd = a.loadEnd == 0 ? loadAddr + (fileSize - fileStart) : UInt64(a.loadEnd)
        guard loadEnd >= loadAddr, fileStart + (loadEnd - loadAddr) <= fileSize else {
            throw BootImageError.multibootRequestUnsupported(
                path: path, handoff: handoff,
                what: "load_end_addr \(hex(loadEnd)) asks for \(hex(loadEnd &- loadAddr)) bytes from file offset \(hex(fileStart)), past the file's end (\(fileSize) bytes) or before load_addr",
                fix: "set load_end_addr between load_addr and load_addr + the bytes left in the file, or 0 for the whole file")
        }
        let bssEnd = a.bssEnd == 0 ? loadEnd : UInt64(a.bssEnd)
        guard bssEnd >= loadEnd else {
            throw BootImageError.multibootRequestUnsupported(
                path: path, handoff: handoff, what: "bss_end_addr \(hex(bssEnd)) lies below load_end_addr \(hex(loadEnd))",
                fix: "set bss_end_addr to the end of the bss, or 0 for none")
        }
        try kernel.file.load(offset: fileStart, count: loadEnd - loadAddr)
        return ELFSegment(index: 0, type: ELFSegment.typeLoad, flags: ELFSegment.flagR | ELFSegment.flagW | ELFSegment.flagX,
                          offset: fileStart, virtualAddress: loadAddr, physicalAddress: loadAddr,
                          fileSize: loadEnd - loadAddr, memorySize: bssEnd - loadAddr, alignment: 1)
    }

    /// The physical entry address and how it was found, before any relocation.
    static func entry(of kernel: ELFHeaders, placed: [ELFSegment], override: (address: UInt64, reason: String)?,
                      handoff: Handoff) throws -> (address: UInt64, reason: String) {
        if let override { return override }
        if let s = kernel.segments.first(where: { kernel.entry >= $0.virtualAddress && kernel.entry - $0.virtualAddress < $0.memorySize }) {
            // GRUB: the first program header whose virtual range holds e_entry, whatever its type.
            let reason = s.virtualAddress == s.physicalAddress ? "e_entry" : "e_entry \(hex(kernel.entry)) translated through segment \(s.index) to its physical address"
            return (kernel.entry - s.virtualAddress + s.physicalAddress, reason)
        }
        if placed.contains(where: { kernel.entry >= $0.physicalAddress && kernel.entry - $0.physicalAddress < $0.memorySize }) {
            return (kernel.entry, "e_entry, a physical address")
        }
        throw BootImageError.entryNotInSegment(path: kernel.path, entry: kernel.entry, handoff: handoff)
    }

    /// Where a relocatable kernel (MB2 tag 10: min_addr, max_addr, align, preference) is loaded.
    /// GRUB 2.06 takes the lowest or highest free RAM in [min_addr, max_addr]; the RAM a machine
    /// has is not known at pack time, so kimage keeps the link address when the tag allows it
    /// (the preference is not honoured) and else takes the lowest aligned address the tag allows
    /// from 1 MiB on; the setup's RAM check stops the boot when that memory is missing.
    static func relocatableBase(_ tag: Multiboot2Header.Tag, linkBase: UInt64, size: UInt64, path: String,
                                handoff: Handoff) throws -> (address: UInt64, reason: String) {
        let minAddr = UInt64(tag.word(0)), maxAddr = UInt64(tag.word(1)), align = max(UInt64(tag.word(2)), 1)
        let range = "tag 10 (relocatable) allows \(hex(minAddr))..\(hex(maxAddr)), align \(hex(align))"
        // GRUB's own check: the image must fit between min_addr and max_addr.
        guard size <= maxAddr, minAddr <= maxAddr - size else {
            throw BootImageError.multibootRequestUnsupported(
                path: path, handoff: handoff, what: "\(range), which cannot hold the image's \(hex(size)) bytes",
                fix: "widen min_addr..max_addr to at least the image's size")
        }
        if linkBase >= 0x10_0000, linkBase >= minAddr, linkBase % align == 0, linkBase + size <= maxAddr {
            return (linkBase, "loaded at its link address \(hex(linkBase)): \(range)")
        }
        let low = max(minAddr, 0x10_0000)
        let (rounded, overflow) = low.addingReportingOverflow(align - 1)
        let candidate = rounded / align * align
        guard !overflow, candidate + size <= maxAddr else {
            throw BootImageError.multibootRequestUnsupported(
                path: path, handoff: handoff, what: "\(range); no aligned address from 1 MiB on leaves room for the image's \(hex(size)) bytes below max_addr",
                fix: "lower min_addr or align, or raise max_addr")
        }
        return (candidate, "moved from its link address \(hex(linkBase)) to \(hex(candidate)), the lowest address that \(range)")
    }
}
