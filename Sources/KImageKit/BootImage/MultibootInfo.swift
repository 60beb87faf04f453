/// The Multiboot 1 information structure (MBI) the kernel finds at ebx (Multiboot Specification
/// 0.6.96 §3.3), laid out as GRUB 2.06 writes it (include/multiboot.h: 120 bytes, framebuffer
/// colour info at 112). kimage pack writes what it knows; the setup fills the runtime fields.
package struct MultibootInfo: Sendable, Equatable {
    package var flags: UInt32 = 0
    package var modsAddr: UInt32 = 0
    package var symsNum: UInt32 = 0
    package var symsSize: UInt32 = 0
    package var symsAddr: UInt32 = 0
    package var symsShndx: UInt32 = 0
    package var bootLoaderName: UInt32 = 0
    package var framebufferAddr: UInt64 = 0
    package var framebufferPitch: UInt32 = 0
    package var framebufferWidth: UInt32 = 0
    package var framebufferHeight: UInt32 = 0
    package var framebufferBpp: UInt8 = 0
    package var framebufferType: UInt8 = 0

    package init() {}

    package static let size = 120
    static let layout = BinaryLayout<MultibootInfo>(
        cName: "multiboot_info", nasmPrefix: "MBI_", size: size, sizeName: "MBI_SIZE", [
        .field("flags", at: 0, \.flags, "MBI_F_*: which groups of fields are valid"),
        .runtime("mem_lower", at: 4, width: 4, writer: "setup", "KiB of RAM from 0 (at most 640), from E820"),
        .runtime("mem_upper", at: 8, width: 4, writer: "setup", "KiB of RAM contiguous from 1 MiB, from E820"),
        .runtime("cmdline", at: 16, width: 4, writer: "setup", "physical address of the command line"),
        .runtime("mods_count", at: 20, width: 4, writer: "setup", "1 with an initrd, else 0"),
        .field("mods_addr", at: 24, \.modsAddr, "physical address of the module entries"),
        .field("syms_num", at: 28, \.symsNum, "ELF section headers: count"),
        .field("syms_size", at: 32, \.symsSize, "ELF section headers: bytes each"),
        .field("syms_addr", at: 36, \.symsAddr, "ELF section headers: physical address"),
        .field("syms_shndx", at: 40, \.symsShndx, "ELF section headers: index of the section name table"),
        .runtime("mmap_length", at: 44, width: 4, writer: "setup", "bytes of the memory map"),
        .runtime("mmap_addr", at: 48, width: 4, writer: "setup", "physical address of the first entry's size field"),
        .field("boot_loader_name", at: 64, \.bootLoaderName, "physical address of \"kimage VERSION\""),
        .field("framebuffer_addr", at: 88, \.framebufferAddr, "EGA text: 0xB8000"),
        .field("framebuffer_pitch", at: 96, \.framebufferPitch, "bytes per line"),
        .field("framebuffer_width", at: 100, \.framebufferWidth, "characters"),
        .field("framebuffer_height", at: 104, \.framebufferHeight, "characters"),
        .field("framebuffer_bpp", at: 108, \.framebufferBpp, "16 for EGA text"),
        .field("framebuffer_type", at: 109, \.framebufferType, "2: EGA text; under UEFI the setup writes 1 (RGB) from GOP"),
        .runtime("framebuffer_color_info", at: 112, width: 1, count: 6, writer: "setup",
                 "RGB: red, green, blue field position and mask size (GRUB 2.06's union at 112)"),
    ])

    /// The flags bits, each saying a group of fields is valid.
    package static let flagMemory: UInt32 = 1 << 0
    package static let flagCmdline: UInt32 = 1 << 2
    package static let flagModules: UInt32 = 1 << 3
    package static let flagELFSections: UInt32 = 1 << 5
    package static let flagMemoryMap: UInt32 = 1 << 6
    package static let flagBootLoaderName: UInt32 = 1 << 9
    package static let flagFramebuffer: UInt32 = 1 << 12

    /// A module entry: mod_start, mod_end (exclusive), string, reserved.
    package static let moduleSize = 16
    /// A memory map entry: u32 size (20, not counting itself), u64 base, u64 length, u32 type.
    package static let mmapEntrySize = 24
    package static let framebufferTypeEGAText: UInt8 = 2
    package static let framebufferTypeRGB: UInt8 = 1

    /// EGA text mode 3 as the BIOS leaves it: 80x25 characters of 2 bytes at 0xB8000.
    mutating func setEGAText() {
        framebufferAddr = 0xB8000
        framebufferPitch = 160
        framebufferWidth = 80
        framebufferHeight = 25
        framebufferBpp = 16
        framebufferType = Self.framebufferTypeEGAText
    }

    static let constants: [LayoutConstant] = [
        .hex("MB1_BOOTLOADER_MAGIC", UInt64(MultibootHeader.bootloaderMagic), "eax at a multiboot 1 entry"),
        .hex("MB2_BOOTLOADER_MAGIC", UInt64(Multiboot2Header.bootloaderMagic), "eax at a multiboot 2 entry"),
        .hex("MBI_F_MEMORY", UInt64(flagMemory), "mem_lower, mem_upper"),
        .hex("MBI_F_CMDLINE", UInt64(flagCmdline)),
        .hex("MBI_F_MODULES", UInt64(flagModules)),
        .hex("MBI_F_ELF_SECTIONS", UInt64(flagELFSections)),
        .hex("MBI_F_MEMORY_MAP", UInt64(flagMemoryMap)),
        .hex("MBI_F_BOOT_LOADER_NAME", UInt64(flagBootLoaderName)),
        .hex("MBI_F_FRAMEBUFFER", UInt64(flagFramebuffer)),
        LayoutConstant("MB_FRAMEBUFFER_RGB", UInt64(framebufferTypeRGB), "framebuffer type 1: direct RGB, colour info valid"),
    ]
}

/// The Multiboot 2 information (Multiboot2 Specification §3.6): u32 total_size, u32 reserved,
/// then 8-aligned tags, each u32 type, u32 size (padding excluded), ending with type 0 size 8.
/// Tag layouts are GRUB 2.06's (multiboot2.h) where it and the spec text differ: ELF sections
/// with u32 num/entsize/shndx, framebuffer colour info after a u16 reserved.
package enum Multiboot2Info {
    package static let headerSize = 8
    package static let tagEnd: UInt32 = 0
    package static let tagCmdline: UInt32 = 1
    package static let tagBootLoaderName: UInt32 = 2
    package static let tagModule: UInt32 = 3
    package static let tagBasicMemory: UInt32 = 4
    package static let tagMemoryMap: UInt32 = 6
    package static let tagFramebuffer: UInt32 = 8
    package static let tagELFSections: UInt32 = 9
    package static let tagSMBIOS: UInt32 = 13
    package static let tagACPIOld: UInt32 = 14
    package static let tagACPINew: UInt32 = 15
    /// u64 pointer to the EFI system table (64-bit firmware).
    package static let tagEFI64SystemTable: UInt32 = 12
    /// u32 descriptor size, u32 descriptor version, then the map ExitBootServices was called with.
    package static let tagEFIMemoryMap: UInt32 = 17
    /// u32 load_base_addr: where the image's lowest byte was loaded.
    package static let tagLoadBase: UInt32 = 21
    /// Memory map entries: u64 base, u64 length, u32 type, u32 reserved.
    package static let mmapEntrySize = 24
    /// Framebuffer tag: u64 addr, u32 pitch, width, height, u8 bpp, u8 type, u16 reserved.
    package static let framebufferTagSize = 32
    /// A type 1 (RGB) framebuffer tag: the common part, then red, green, blue position and size
    /// (u8 each): 38 bytes, 40 with the padding (GRUB 2.06 multiboot_mbi2.c).
    package static let rgbFramebufferTagSize = 38
    /// The most the EFI stub's memory map holds (EFIStub.memoryMapCapacity) behind tag 17's 16 bytes.
    static let efiMemoryMapTagRoom = 16 + EFIStub.memoryMapCapacity

    /// A tag with its body, padded to 8.
    static func tag(_ type: UInt32, _ body: [UInt8]) -> [UInt8] {
        var b: [UInt8] = []
        b.appendLE(type)
        b.appendLE(UInt32(8 + body.count))
        b += body
        b += [UInt8](repeating: 0, count: (8 - b.count % 8) % 8)
        return b
    }

    static let constants: [LayoutConstant] = [
        LayoutConstant("MB2_TAG_END", UInt64(tagEnd)),
        LayoutConstant("MB2_TAG_CMDLINE", UInt64(tagCmdline)),
        LayoutConstant("MB2_TAG_MODULE", UInt64(tagModule), "u32 mod_start, mod_end, then the string"),
        LayoutConstant("MB2_TAG_MEMINFO", UInt64(tagBasicMemory), "u32 mem_lower, mem_upper"),
        LayoutConstant("MB2_TAG_MMAP", UInt64(tagMemoryMap), "u32 entry_size, entry_version, entries"),
        LayoutConstant("MB2_MMAP_ENTRY_SIZE", UInt64(mmapEntrySize), "u64 base, u64 length, u32 type, u32 0"),
        LayoutConstant("MB2_TAG_SMBIOS", UInt64(tagSMBIOS), "u8 major, u8 minor, 6 reserved, the entry point"),
        LayoutConstant("MB2_TAG_ACPI_OLD", UInt64(tagACPIOld), "a copy of the 20-byte RSDP"),
        LayoutConstant("MB2_TAG_ACPI_NEW", UInt64(tagACPINew), "a copy of the 36-byte RSDP (revision 2+)"),
        LayoutConstant("MB2_TAG_FRAMEBUFFER", UInt64(tagFramebuffer), "u64 addr, u32 pitch, width, height, u8 bpp, type, u16 0, colour info"),
        LayoutConstant("MB2_FRAMEBUFFER_RGB_SIZE", UInt64(rgbFramebufferTagSize), "type 1: the colour info is 6 bytes at +32"),
        LayoutConstant("MB2_TAG_EFI64", UInt64(tagEFI64SystemTable), "u64 EFI system table (UEFI boots only)"),
        LayoutConstant("MB2_TAG_EFI_MMAP", UInt64(tagEFIMemoryMap), "u32 descriptor size, u32 version, the EFI map (UEFI boots only)"),
        .hex("MB2_EFI_MMAP_MAX", UInt64(EFIStub.memoryMapCapacity), "the most of the EFI map tag 17 holds (the template's room)"),
    ]
}
