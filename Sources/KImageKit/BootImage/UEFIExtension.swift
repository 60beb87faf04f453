/// The boot info's version-2 extension, right after the command line buffer: what the EFI stub
/// learnt from the firmware (templates/include/kimage/bootinfo.h, struct kimage_bootinfo_uefi).
/// All zero unless the flags hold KIMAGE_BIF_UEFI. The stub fills it at boot; nothing is known
/// at pack time, so this is the declaration `inspect` and the includes follow.
public enum UEFIExtension {
    public static let flag: UInt32 = 8
    public static let size = 0x70
    /// (name in bootinfo.h, offset from the extension's start, width)
    public static let fields: [(name: String, offset: Int, width: Int)] = [
        ("efi_system_table", 0x00, 8),
        ("efi_memmap", 0x08, 8),
        ("efi_memmap_size", 0x10, 4),
        ("efi_memdesc_size", 0x14, 4),
        ("efi_memdesc_version", 0x18, 4),
        ("acpi_rsdp", 0x20, 8),
        ("smbios", 0x28, 8),
        ("smbios3", 0x30, 8),
        ("framebuffer", 0x38, 8),
        ("framebuffer_size", 0x40, 8),
        ("fb_width", 0x48, 4),
        ("fb_height", 0x4C, 4),
        ("fb_pitch", 0x50, 4),
        ("fb_bpp", 0x54, 4),
        ("fb_format", 0x58, 4),
        ("fb_masks", 0x5C, 16),
    ]
}
