/// The Linux boot_params page (the "zero page", Documentation/arch/x86/zero-page.rst,
/// arch/x86/include/uapi/asm/bootparam.h): the fields kimage's stubs read from a loader's page,
/// with the setup header at 0x1F1 as SetupHeader declares it, and the fields of the fresh page
/// the Linux 64-bit handoff hands a vmlinux in rsi. The stubs use the generated
/// templates/boot/bootparams.inc (BP_RAMDISK_IMAGE, ...) instead of raw offsets.
///
/// For the Linux handoff kimage writes a template page at pack time (this value, encoded): zeros
/// and the pack-time fields below; the stub (templates/boot/handoff_linux.inc) copies in what only
/// the loader knows (E820, initrd, type_of_loader, the RSDP, the command line). Never the loader's
/// page wholesale: being fresh, sentinel (0x1EF) stays 0, so sanitize_boot_params
/// (asm/bootparam_utils.h) keeps every field, and hardware_subarch stays 0 (PC).
package struct BootParams: Sendable, Equatable {
    package static let size = 4096
    package static let e820MaxEntries = 128
    /// boot_params' packed E820 entry: u64 addr, u64 size, u32 type.
    package static let e820EntrySize = 20
    /// Linux copies COMMAND_LINE_SIZE (2048) bytes from cmd_line_ptr, NUL included (head64.c).
    package static let commandLineCapacity = 2048

    /// Where the page lives (physical); the command line buffer follows it.
    package var address: UInt64 = 0
    /// hdr.version: the boot-protocol version the image declares (non-zero, or Linux copies
    /// boot_params a second time, head64.c x86_64_start_reservations).
    package var version: UInt16 = 0x020C

    package init() {}

    package var commandLineAddress: UInt64 { address + UInt64(Self.size) }
    /// Bytes of the page and the command line buffer after it.
    package static var regionSize: Int { size + commandLineCapacity }

    static let handoff = "kimage pack (Linux handoff)"

    /// Pack-time values of setup-header fields in the page kimage builds; every other header field
    /// stays 0 (a vmlinux has no setup header and the kernel proper reads none of them).
    static func headerEntry(_ f: LayoutField) -> LayoutEntry<BootParams> {
        func field(_ meaning: String) -> LayoutField {
            LayoutField(name: f.name, offset: f.offset, width: f.width, since: f.since, meaning: meaning, writer: handoff)
        }
        switch f.name {
        case "vid_mode": return LayoutEntry(field("0xFFFF: normal"), .constant(0xFFFF, checked: false))
        case "version": return LayoutEntry(field("the image's boot-protocol version"),
                                           .value(get: { UInt64($0.version) }, set: { m, v in m.version = UInt16(truncatingIfNeeded: v); return true }))
        case "loadflags": return LayoutEntry(field("LOADED_HIGH; KASLR_FLAG clear"), .constant(UInt64(SetupHeader.loadedHigh), checked: false))
        case "cmd_line_ptr": return LayoutEntry(field("the command line buffer right after the page"),
                                                .value(get: { $0.commandLineAddress }, set: { m, v in m.address = v &- UInt64(size); return true }))
        default:
            return LayoutEntry(LayoutField(name: f.name, offset: f.offset, width: f.width, since: f.since, meaning: f.meaning, writer: f.writer), .runtime)
        }
    }

    package static let layout = BinaryLayout<BootParams>(
        cName: "boot_params", nasmPrefix: "BP_", size: size, sizeName: "BP_SIZE", [
        .constant("orig_video_mode", at: 0x006, width: 1, 3, checked: false, writer: handoff, "screen_info: VGA text mode 3"),
        .constant("orig_video_cols", at: 0x007, width: 1, 80, checked: false, writer: handoff, "screen_info: 80 columns"),
        .constant("orig_video_lines", at: 0x00E, width: 1, 25, checked: false, writer: handoff, "screen_info: 25 lines"),
        .constant("orig_video_isvga", at: 0x00F, width: 1, 1, checked: false, writer: handoff, "screen_info: VGA"),
        .constant("orig_video_points", at: 0x010, width: 2, 16, checked: false, writer: handoff, "screen_info: 16-pixel font"),
        .runtime("acpi_rsdp_addr", at: 0x070, width: 8, "ACPI RSDP physical address; 0: the kernel scans for it"),
        .runtime("ext_ramdisk_image", at: 0x0C0, width: 4, "ramdisk_image bits 32..63"),
        .runtime("ext_ramdisk_size", at: 0x0C4, width: 4, "ramdisk_size bits 32..63"),
        .runtime("ext_cmd_line_ptr", at: 0x0C8, width: 4, "cmd_line_ptr bits 32..63"),
        .runtime("efi_loader_signature", at: 0x1C0, width: 4, "efi_info: \"EL64\" from a 64-bit EFI loader"),
        .runtime("efi_systab", at: 0x1C4, width: 4, "EFI system table, bits 0..31"),
        .runtime("efi_memdesc_size", at: 0x1C8, width: 4, ""),
        .runtime("efi_memdesc_version", at: 0x1CC, width: 4, ""),
        .runtime("efi_memmap", at: 0x1D0, width: 4, "EFI memory map, bits 0..31"),
        .runtime("efi_memmap_size", at: 0x1D4, width: 4, "bytes"),
        .runtime("efi_systab_hi", at: 0x1D8, width: 4, ""),
        .runtime("efi_memmap_hi", at: 0x1DC, width: 4, ""),
        .runtime("e820_entries", at: 0x1E8, width: 1, "entries in e820_table"),
        .runtime("sentinel", at: 0x1EF, width: 1, "non-zero: a loader copied too much; the kernel then zeroes most fields"),
    ] + SetupHeader.layout.fields.map(headerEntry) + [
        .runtime("e820_table", at: 0x2D0, width: e820EntrySize, count: e820MaxEntries, cType: "struct boot_e820_entry",
                 "the BIOS memory map, packed 20-byte entries"),
    ])

    /// The template for the Linux handoff: the page with its pack-time fields, then an empty
    /// command line buffer.
    package func encode() -> [UInt8] {
        var b = [UInt8](repeating: 0, count: Self.regionSize)
        Self.layout.encode(self, into: &b)
        return b
    }
}
