/// The Linux boot_params page (the "zero page", Documentation/arch/x86/zero-page.rst): the fields
/// kimage's stubs read or build, with the setup header at 0x1F1 as SetupHeader declares it.
/// kimage writes none of it at pack time, so nothing is bound to a Swift value; the stubs use the
/// generated templates/boot/bootparams.inc (BP_RAMDISK_IMAGE, ...) instead of raw offsets.
public enum BootParams {
    public static let size = 4096
    public static let e820MaxEntries = 128
    /// boot_params' packed E820 entry: u64 addr, u64 size, u32 type.
    public static let e820EntrySize = 20

    public static let layout = BinaryLayout<Void>(
        cName: "boot_params", nasmPrefix: "BP_", size: size, sizeName: "BP_SIZE", [
        .runtime("ext_ramdisk_image", at: 0x0C0, width: 4, "ramdisk_image bits 32..63"),
        .runtime("ext_ramdisk_size", at: 0x0C4, width: 4, "ramdisk_size bits 32..63"),
        .runtime("ext_cmd_line_ptr", at: 0x0C8, width: 4, "cmd_line_ptr bits 32..63"),
        .runtime("e820_entries", at: 0x1E8, width: 1, "entries in e820_table"),
    ] + SetupHeader.layout.fields.map { f in
        LayoutEntry(LayoutField(name: f.name, offset: f.offset, width: f.width, since: f.since, meaning: f.meaning, writer: f.writer), .runtime)
    } + [
        .runtime("e820_table", at: 0x2D0, width: e820EntrySize, count: e820MaxEntries, cType: "struct boot_e820_entry",
                 "the BIOS memory map, packed 20-byte entries"),
    ])
}
