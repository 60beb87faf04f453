/// The pack-time half of the multiboot information: what is known before boot (the boot loader
/// name, the module's string, the ELF section headers, the EGA text framebuffer) written into the
/// image, and a fill table telling handoff_multiboot.inc where to put what only the loader knows
/// (memory sizes, memory map, command line, initrd, ACPI RSDP, SMBIOS).
struct MultibootInfoTemplate: Sendable, Equatable {
    /// The fill table at the start of the handoff data (PLAN_HANDOFF_DATA), MBT_* in the stub.
    struct Fill: Sendable, Equatable {
        var info: UInt32 = 0
        var cursor: UInt32 = 0
        var module: UInt32 = 0
        var moduleString: UInt32 = 0
        var cmdlineCapacity: UInt32 = 0
        var areaEnd: UInt32 = 0
        /// MB2: where the framebuffer tag goes, the pack-time EGA one's place (the last pack-time
        /// tag) or the cursor; under UEFI the setup writes the GOP's tag there instead.
        var framebufferTag: UInt32 = 0
        var flags: UInt32 = 0
    }
    /// Fill flags: the kernel requires a UEFI-only tag (12, 17); a BIOS boot stops with a message.
    static let flagNeedsUEFI: UInt32 = 1
    static let fillTableSize = 32
    static let fillLayout = BinaryLayout<Fill>(
        cName: "kimage_multiboot_fill", nasmPrefix: "MBT_", size: fillTableSize, sizeName: "MBT_SIZE", [
        .field("info", at: 0x00, \.info, "physical address of the MBI / MBI2"),
        .field("cursor", at: 0x04, \.cursor, "first free byte after the pack-time part (8-aligned)"),
        .field("module", at: 0x08, \.module, "MB1: the module entry mods_addr points at"),
        .field("module_string", at: 0x0C, \.moduleString, "the initrd's module string"),
        .field("cmdline_capacity", at: 0x10, \.cmdlineCapacity, "bytes for the command line, NUL included"),
        .field("area_end", at: 0x14, \.areaEnd, "end of the room reserved for the information"),
        .field("framebuffer_tag", at: 0x18, \.framebufferTag, "MB2: where the framebuffer tag goes (GOP's replaces EGA's under UEFI)"),
        .field("flags", at: 0x1C, \.flags, "MBT_F_*"),
    ])
    static let constants: [LayoutConstant] = [
        LayoutConstant("MBT_F_NEEDS_UEFI", UInt64(flagNeedsUEFI), "the kernel requires tag 12 or 17: stop a BIOS boot"),
    ]
    static let loaderName = "kimage " + KImageVersion.string
    static let moduleString = "initrd"
    /// The memory map the stub can copy: boot_params holds at most 128 E820 entries.
    static let maxMemoryMapEntries = 128

    /// The kernel's section headers for MBI syms (flag 5) / the MBI2 ELF sections tag.
    struct SectionHeaders: Sendable, Equatable {
        let headers: [[UInt8]]
        let entrySize: Int
        let stringTableIndex: UInt32
        let is64: Bool
        /// Sections a loader carries (no address, bytes in the file): GRUB loads them and
        /// patches their sh_addr to where they landed.
        let carried: [ELFSection]

        init?(of kernel: ELFHeaders) {
            let raw = kernel.bytes
            let is64 = kernel.elfClass == .elf64
            let t = kernel.header
            guard t.shoff != 0, t.shnum > 0, t.shnum < 0xFF00,
                  t.shentsize == t.sectionHeaderSize, t.shstrndx < t.shnum else { return nil }
            headers = (0..<Int(t.shnum)).map { i in
                let at = Int(t.shoff) + i * Int(t.shentsize)
                return Array(raw[at..<at + Int(t.shentsize)])
            }
            entrySize = Int(t.shentsize)
            stringTableIndex = UInt32(t.shstrndx)
            self.is64 = is64
            carried = kernel.sections.filter { $0.index != 0 && $0.address == 0 && $0.size > 0 && $0.holdsFileBytes }
        }

        /// The headers with each carried section's sh_addr set to where it is at boot.
        func patched(_ addresses: [Int: UInt64]) -> [UInt8] {
            let shAddr = ELFLayouts.sectionHeader(is64: is64)[\ELFSectionHeaderFields.address]
            var out: [UInt8] = []
            for (i, h) in headers.enumerated() {
                var h = h
                if let a = addresses[i] { shAddr.store(a, into: &h) }
                out += h
            }
            return out
        }
    }

    let handoff: Handoff
    let framebuffer: Bool
    let sections: SectionHeaders?
    let cmdlineCapacity: Int
    /// The lowest physical address the kernel is loaded at (MBI2 tag 21).
    var loadBase: UInt64 = 0
    /// The image has the EFI stub: room for what a UEFI boot adds (MB2 tags 12, 17, the GOP's
    /// framebuffer tag).
    var efi = false
    /// MB2: the kernel requires a UEFI-only information tag.
    var needsUEFI = false

    /// The pack-time part, for a template at physical `base`; its size does not depend on the addresses.
    func encode(base: UInt64, sectionAddresses: [Int: UInt64]) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: Self.fillTableSize)
        func at(_ offset: Int) -> UInt32 { Self.physical(base, offset) }
        let moduleStringAt = b.count
        b += Array(Self.moduleString.utf8) + [0]
        Self.align8(&b)
        let part = handoff == .multiboot
            ? encodeMultiboot1(into: &b, base: base, moduleStringAt: moduleStringAt, sectionAddresses: sectionAddresses)
            : encodeMultiboot2(into: &b, sectionAddresses: sectionAddresses)
        let cursor = b.count
        b += [UInt8](repeating: 0, count: (part.reserve + 7) & ~7)
        let fill = Fill(info: at(part.info), cursor: at(cursor), module: part.module == 0 ? 0 : at(part.module), moduleString: at(moduleStringAt),
                        cmdlineCapacity: UInt32(cmdlineCapacity), areaEnd: at(b.count),
                        framebufferTag: handoff == .multiboot2 ? at(part.framebufferTag) : 0,
                        flags: needsUEFI ? Self.flagNeedsUEFI : 0)
        Self.fillLayout.encode(fill, into: &b, at: 0)
        return b
    }

    /// Where one handoff's pack-time part put the information (offsets into the template), and
    /// the bytes the stub needs after it for what only the loader knows.
    struct EncodedPart {
        var info: Int
        var module = 0
        var framebufferTag = 0
        var reserve: Int
    }

    /// The 32-bit physical address of `offset` in a template at `base` (multiboot addresses are u32).
    private static func physical(_ base: UInt64, _ offset: Int) -> UInt32 { UInt32(truncatingIfNeeded: base + UInt64(offset)) }

    private static func align8(_ b: inout [UInt8]) { b += [UInt8](repeating: 0, count: (8 - b.count % 8) % 8) }

    private static var e820Room: Int { maxMemoryMapEntries * MultibootInfo.mmapEntrySize }

    /// MB1: the boot loader name, the MBI, its one module entry and the section headers (syms).
    private func encodeMultiboot1(into b: inout [UInt8], base: UInt64, moduleStringAt: Int,
                                  sectionAddresses: [Int: UInt64]) -> EncodedPart {
        func at(_ offset: Int) -> UInt32 { Self.physical(base, offset) }
        let nameAt = b.count
        b += Array(Self.loaderName.utf8) + [0]
        Self.align8(&b)
        var mbi = MultibootInfo()
        mbi.flags = MultibootInfo.flagMemory | MultibootInfo.flagCmdline | MultibootInfo.flagModules
            | MultibootInfo.flagMemoryMap | MultibootInfo.flagBootLoaderName
        mbi.bootLoaderName = at(nameAt)
        if framebuffer {
            mbi.flags |= MultibootInfo.flagFramebuffer
            mbi.setEGAText()
        }
        let info = b.count
        b += [UInt8](repeating: 0, count: MultibootInfo.size)
        Self.align8(&b)
        let module = b.count
        b += [UInt8](repeating: 0, count: MultibootInfo.moduleSize)
        b.storeLE(at(moduleStringAt), at: module + 8)
        mbi.modsAddr = at(module)
        if let sections {
            mbi.flags |= MultibootInfo.flagELFSections
            let shAt = b.count
            b += sections.patched(sectionAddresses)
            Self.align8(&b)
            mbi.symsNum = UInt32(sections.headers.count)
            mbi.symsSize = UInt32(sections.entrySize)
            mbi.symsAddr = at(shAt)
            mbi.symsShndx = sections.stringTableIndex
        }
        MultibootInfo.layout.encode(mbi, into: &b, at: info)
        // The stub writes the command line, then the memory map.
        return EncodedPart(info: info, module: module, reserve: cmdlineCapacity + 8 + Self.e820Room)
    }

    /// MB2: the fixed header and the pack-time tags (load base, loader name, ELF sections, the
    /// EGA text framebuffer); the stub appends the rest.
    private func encodeMultiboot2(into b: inout [UInt8], sectionAddresses: [Int: UInt64]) -> EncodedPart {
        let info = b.count
        b += [UInt8](repeating: 0, count: Multiboot2Info.headerSize)
        // GRUB 2.06 gives the load base first, to every kernel (the spec: to relocatable ones).
        var base: [UInt8] = []
        base.appendLE(UInt32(truncatingIfNeeded: loadBase))
        b += Multiboot2Info.tag(Multiboot2Info.tagLoadBase, base)
        b += Multiboot2Info.tag(Multiboot2Info.tagBootLoaderName, Array(Self.loaderName.utf8) + [0])
        var elf: [UInt8] = []
        elf.appendLE(UInt32(sections?.headers.count ?? 0))
        elf.appendLE(UInt32(sections?.entrySize ?? 0))
        elf.appendLE(sections?.stringTableIndex ?? 0)
        elf += sections?.patched(sectionAddresses) ?? []
        b += Multiboot2Info.tag(Multiboot2Info.tagELFSections, elf)
        let framebufferTag = b.count
        if framebuffer {
            // The tag's body has the MBI's framebuffer fields in the same order (MBI offset 88 on).
            var ega = MultibootInfo()
            ega.setEGAText()
            let fields = MultibootInfo.layout.encode(ega)
            let from = MultibootInfo.layout[\MultibootInfo.framebufferAddr].offset
            var body = Array(fields[from..<from + 22])
            body += [0, 0]
            b += Multiboot2Info.tag(Multiboot2Info.tagFramebuffer, body)
        }
        // Command line, module, basic memory, memory map, ACPI old and new, SMBIOS, end.
        var reserve = 16 + cmdlineCapacity + 24 + Self.moduleString.utf8.count + 16 + 16 + Self.e820Room + 32 + 48 + 48 + 8
        if efi {
            // GRUB 2.06 on EFI: the GOP framebuffer (40 bytes where EGA text took 32 or
            // nothing), the system table (16), the EFI memory map.
            reserve += 40 + 16 + Multiboot2Info.efiMemoryMapTagRoom
        }
        return EncodedPart(info: info, framebufferTag: framebufferTag, reserve: reserve)
    }
}
