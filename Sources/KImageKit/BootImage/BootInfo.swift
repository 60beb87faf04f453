/// The boot info kimage's 32-bit setup hands to the kernel (layout version 2), described for
/// kernels by templates/include/kimage/bootinfo.h and bootinfo.inc. kimage writes a template
/// with everything known at pack time into the image; the stub fills in what only the boot
/// loader knows (boot_params, initrd, E820 map, command line, loader type) before the entry.
package struct BootInfo: Sendable, Equatable, Codable {
    /// At offset 0 of the boot info: "KIMG".
    package static let magic: UInt32 = 0x474D_494B
    /// In eax (ELF32) or rsi (ELF64) at the kernel's entry point.
    package static let entryMagic: UInt32 = 0x6B69_6D67
    /// 2: version 1's fields unchanged, plus the UEFI extension after the command line buffer.
    package static let version: UInt32 = 2
    package static let e820EntriesOffset = 0xC0
    package static let e820MaxEntries = 128
    package static let e820EntrySize = 24
    package static let cmdlineBufferOffset = 0xCC0

    /// Where the boot info lives (physical).
    package var address: UInt64 = 0
    package var pagingMode: BootPagingMode = .none
    package var image: UInt64 = 0
    package var imageSize: UInt64 = 0
    package var kernelStart: UInt64 = 0
    package var kernelEnd: UInt64 = 0
    package var kernelELF: UInt64 = 0
    package var kernelELFSize: UInt64 = 0
    package var loaderELF: UInt64 = 0
    package var loaderELFSize: UInt64 = 0
    package var pageTables: UInt64 = 0
    package var pageTablesSize: UInt64 = 0
    package var cr3: UInt64 = 0
    package var firstFree: UInt64 = 0
    package var entry: UInt64 = 0
    package var stackTop: UInt64 = 0
    /// Bytes of the command line buffer, NUL included (the header's cmdline_size + 1).
    package var cmdlineCapacity: UInt32 = 2048

    package init() {}

    /// Bytes the boot info occupies: header, E820 array, command line buffer, UEFI extension.
    package var size: Int { extensionOffset + UEFIExtension.size }

    /// Offset of the UEFI extension (version 2): right after the command line buffer.
    package var extensionOffset: Int { Self.cmdlineBufferOffset + Int(cmdlineCapacity) }

    package var cmdlineAddress: UInt64 { address + UInt64(Self.cmdlineBufferOffset) }
    package var e820Address: UInt64 { address + UInt64(Self.e820EntriesOffset) }

    /// Reads back the pack-time fields of a template at `offset` of `raw` (the inverse of
    /// `encode()`, for `inspect`); nil without the "KIMG" magic or when it runs past `raw`.
    package init?(decodingTemplate raw: UnsafeRawBufferPointer, at offset: Int) {
        guard let info = Self.layout.decode(raw, at: offset, into: BootInfo()) else { return nil }
        self = info
    }

    /// The template kimage writes into the image; runtime fields stay zero for the stub to fill.
    package func encode() -> [UInt8] {
        var b = [UInt8](repeating: 0, count: size)
        Self.layout.encode(self, into: &b)
        return b
    }
}

extension BootInfo {
    /// The boot info's one declaration: bootinfo.h, bootinfo.inc, the encoder, the decoder and
    /// inspect all come from it. "pack" fields are written by kimage pack into the template,
    /// "boot" fields by the setup stub from what the boot loader passed.
    package static let layout = BinaryLayout<BootInfo>(
        cName: "kimage_bootinfo", nasmPrefix: "KIMAGE_BI_", size: cmdlineBufferOffset, doc: "Every address is physical.", [
        .constant("magic", at: 0x00, width: 4, UInt64(magic), writer: "pack", "KIMAGE_BOOTINFO_MAGIC"),
        .constant("version", at: 0x04, width: 4, UInt64(version), checked: false, writer: "pack", "KIMAGE_BOOTINFO_VERSION"),
        .derived("size", at: 0x08, width: 4, writer: "pack", "bytes of this structure, buffers included", get: { UInt64($0.size) }),
        .field("paging_mode", at: 0x0C, \.pagingMode, writer: "pack", "KIMAGE_PAGING_*"),
        .field("image", at: 0x10, \.image, writer: "pack", "protected-mode part of the image (after any move)"),
        .field("image_size", at: 0x18, \.imageSize, writer: "pack", ""),
        .field("kernel_start", at: 0x20, \.kernelStart, writer: "pack", "lowest byte of the kernel's segments"),
        .field("kernel_end", at: 0x28, \.kernelEnd, writer: "pack", "one past the highest (bss included)"),
        .field("kernel_elf", at: 0x30, \.kernelELF, writer: "pack", "the whole kernel ELF (kimage pack --embed-elf), else 0"),
        .field("kernel_elf_size", at: 0x38, \.kernelELFSize, writer: "pack", ""),
        .field("loader_elf", at: 0x40, \.loaderELF, writer: "pack", "the loader ELF (kimage pack --loader), else 0"),
        .field("loader_elf_size", at: 0x48, \.loaderELFSize, writer: "pack", ""),
        .runtime("initrd", at: 0x50, width: 8, writer: "boot", "the initrd the boot loader loaded, else 0"),
        .runtime("initrd_size", at: 0x58, width: 8, writer: "boot", ""),
        .field("page_tables", at: 0x60, \.pageTables, writer: "pack", "the tables built at pack time, else 0"),
        .field("page_tables_size", at: 0x68, \.pageTablesSize, writer: "pack", ""),
        .field("cr3", at: 0x70, \.cr3, writer: "pack", "0 when paging is off"),
        .runtime("boot_params", at: 0x78, width: 8, writer: "boot", "the Linux boot_params page (zero page)"),
        .derived("cmdline", at: 0x80, width: 8, writer: "pack", "NUL-terminated copy of the command line (cmdline_buffer)",
                 get: { $0.cmdlineAddress }, set: { $0.address = $1 &- UInt64(cmdlineBufferOffset); return true }),
        .runtime("cmdline_length", at: 0x88, width: 4, writer: "boot", "without the NUL"),
        .field("cmdline_capacity", at: 0x8C, \.cmdlineCapacity, writer: "pack", "buffer bytes, NUL included"),
        .derived("e820", at: 0x90, width: 8, writer: "pack", "address of e820_entries", get: { $0.e820Address }),
        .runtime("e820_count", at: 0x98, width: 4, writer: "boot", ""),
        .constant("e820_entry_size", at: 0x9C, width: 4, UInt64(e820EntrySize), checked: false, writer: "pack",
                  "sizeof(struct kimage_e820_entry) = 24"),
        .field("first_free", at: 0xA0, \.firstFree, writer: "pack",
               "first free address above everything kimage placed (image, kernel, tables, boot info, stack); "
                   + "the loader's boot_params, command line and initrd are elsewhere"),
        .field("entry", at: 0xA8, \.entry, writer: "pack", "the kernel's entry point"),
        .field("stack_top", at: 0xB0, \.stackTop, writer: "pack", "top of the 16 KiB boot stack"),
        .runtime("loader_type", at: 0xB8, width: 4, writer: "boot", "boot_params type_of_loader: QEMU 0xB0, GRUB 0x72"),
        .runtime("flags", at: 0xBC, width: 4, writer: "boot", "KIMAGE_BIF_*"),
        .runtime("e820_entries", at: e820EntriesOffset, width: e820EntrySize, count: e820MaxEntries,
                 cType: "struct kimage_e820_entry", writer: "boot", "from boot_params' E820 table"),
        .runtime("cmdline_buffer", at: cmdlineBufferOffset, width: 1, count: 0, cType: "char", writer: "boot",
                 "cmdline_capacity bytes"),
    ])

    /// One entry of the boot info's memory map: boot_params' 20-byte E820 entry padded to 24.
    package static let e820EntryLayout = BinaryLayout<Void>(
        cName: "kimage_e820_entry", nasmPrefix: "KIMAGE_E820_", size: e820EntrySize, sizeName: "KIMAGE_E820_ENTRY_SIZE",
        doc: "E820 types: 1 usable RAM, 2 reserved, 3 ACPI reclaimable, 4 ACPI NVS, 5 unusable.", [
        .runtime("addr", at: 0x00, width: 8, ""),
        .runtime("size", at: 0x08, width: 8, ""),
        .runtime("type", at: 0x10, width: 4, ""),
        .runtime("zero", at: 0x14, width: 4, ""),
    ])
}

/// How the 32-bit setup leaves the CPU at the kernel's entry (KIMAGE_PAGING_* in bootinfo.h).
package enum BootPagingMode: UInt32, Sendable, Equatable, Codable {
    case none = 0
    case bits32 = 1
    case pae = 2
    case fourLevel = 3
    case fiveLevel = 4

    package var pagingMode: PagingMode? {
        switch self {
        case .none: return nil
        case .bits32: return .bits32
        case .pae: return .pae
        case .fourLevel: return .fourLevel
        case .fiveLevel: return .fiveLevel
        }
    }

    package var name: String {
        switch self {
        case .none: return "protected mode, paging off"
        case .bits32: return "32-bit paging (2 levels)"
        case .pae: return "PAE paging"
        case .fourLevel: return "long mode, 4-level paging"
        case .fiveLevel: return "long mode, 5-level paging"
        }
    }
}

extension BootPagingMode {
    /// KIMAGE_PAGING_* in bootinfo.h and bootinfo.inc.
    static let constants: [LayoutConstant] = [
        LayoutConstant("KIMAGE_PAGING_NONE", UInt64(none.rawValue), "protected mode, paging off"),
        LayoutConstant("KIMAGE_PAGING_32BIT", UInt64(bits32.rawValue), "2-level tables, CR4.PSE"),
        LayoutConstant("KIMAGE_PAGING_PAE", UInt64(pae.rawValue)),
        LayoutConstant("KIMAGE_PAGING_4LEVEL", UInt64(fourLevel.rawValue), "long mode"),
        LayoutConstant("KIMAGE_PAGING_5LEVEL", UInt64(fiveLevel.rawValue), "long mode, CR4.LA57"),
    ]
}

extension BootInfo {
    static let constants: [LayoutConstant] = [
        .hex("KIMAGE_ENTRY_MAGIC", UInt64(entryMagic), "eax (ELF32) / rsi (ELF64) at entry"),
        .hex("KIMAGE_BOOTINFO_MAGIC", UInt64(magic), "\"KIMG\" at offset 0 of the boot info"),
        LayoutConstant("KIMAGE_BOOTINFO_VERSION", UInt64(version)),
        LayoutConstant("KIMAGE_BOOTINFO_E820_MAX", UInt64(e820MaxEntries), nasm: "KIMAGE_BI_E820_MAX", "entries in e820_entries"),
    ]

    /// KIMAGE_BIF_*: the boot info's flags, set by the setup stub.
    static let flagConstants: [LayoutConstant] = [
        LayoutConstant("KIMAGE_BIF_CMDLINE_FROM_LOADER", 1, "the boot loader passed a non-empty command line"),
        LayoutConstant("KIMAGE_BIF_CMDLINE_FROM_PACK", 2, "it did not: this is kimage pack --cmdline"),
        LayoutConstant("KIMAGE_BIF_CMDLINE_TRUNCATED", 4, "the loader's line did not fit in cmdline_capacity"),
        LayoutConstant("KIMAGE_BIF_UEFI", UInt64(UEFIExtension.flag), "booted on UEFI: through the EFI stub, or by a loader that left efi_info (GRUB EFI linux); kimage_bootinfo_uefi(bi) is filled"),
    ]
}
