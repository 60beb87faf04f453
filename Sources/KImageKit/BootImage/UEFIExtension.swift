/// The boot info's version-2 extension, right after the command line buffer: what the EFI stub
/// learnt from the firmware. All zero unless the flags hold KIMAGE_BIF_UEFI; the stub fills it at
/// boot, nothing is known at pack time. bootinfo.h (struct kimage_bootinfo_uefi) and bootinfo.inc
/// (KIMAGE_BIX_*) are generated from this declaration.
package enum UEFIExtension {
    package static let flag: UInt32 = 8
    package static let size = 0x70

    package static let layout = BinaryLayout<Void>(
        cName: "kimage_bootinfo_uefi", nasmPrefix: "KIMAGE_BIX_", size: size, sizeName: "KIMAGE_BIX_SIZE",
        doc: "Version 2: what the EFI stub learnt from the firmware, at cmdline_buffer + cmdline_capacity\n"
            + "(kimage_bootinfo_uefi(bi) below). All zero unless flags & KIMAGE_BIF_UEFI. Boot services are\n"
            + "gone (the stub called ExitBootServices); runtime services stay reachable through the system\n"
            + "table. The EFI memory map and boot_params sit in one EfiLoaderData allocation that E820 calls\n"
            + "RAM: copy what you need before reusing that memory. Booted by a loader that exited boot\n"
            + "services itself and left efi_info in boot_params (GRUB EFI linux, OVMF's legacy -kernel), the\n"
            + "32-bit setup fills it from there: the map is the loader's, in place; no framebuffer.", [
        .runtime("efi_system_table", at: 0x00, width: 8, writer: "EFI stub", "EFI_SYSTEM_TABLE"),
        .runtime("efi_memmap", at: 0x08, width: 8, writer: "EFI stub", "the EFI memory map ExitBootServices was called with"),
        .runtime("efi_memmap_size", at: 0x10, width: 4, writer: "EFI stub", "bytes"),
        .runtime("efi_memdesc_size", at: 0x14, width: 4, writer: "EFI stub", "bytes per descriptor: step by this, not by 40"),
        .runtime("efi_memdesc_version", at: 0x18, width: 4, writer: "EFI stub", ""),
        .runtime("acpi_rsdp", at: 0x20, width: 8, writer: "EFI stub", "ACPI RSDP (the ACPI 2.0 table when present), else 0"),
        .runtime("smbios", at: 0x28, width: 8, writer: "EFI stub", "SMBIOS 2.x entry point, else 0"),
        .runtime("smbios3", at: 0x30, width: 8, writer: "EFI stub", "SMBIOS 3.x entry point, else 0"),
        .runtime("framebuffer", at: 0x38, width: 8, writer: "EFI stub", "GOP linear framebuffer, else 0"),
        .runtime("framebuffer_size", at: 0x40, width: 8, writer: "EFI stub", "bytes"),
        .runtime("fb_width", at: 0x48, width: 4, writer: "EFI stub", "pixels"),
        .runtime("fb_height", at: 0x4C, width: 4, writer: "EFI stub", "pixels"),
        .runtime("fb_pitch", at: 0x50, width: 4, writer: "EFI stub", "bytes per line"),
        .runtime("fb_bpp", at: 0x54, width: 4, writer: "EFI stub", "bits per pixel (32)"),
        .runtime("fb_format", at: 0x58, width: 4, writer: "EFI stub", "EFI pixel format: 0 RGBX8, 1 BGRX8, 2 fb_masks"),
        .runtime("fb_masks", at: 0x5C, width: 4, count: 4, writer: "EFI stub", "red, green, blue, reserved"),
        .runtime("reserved", at: 0x6C, width: 4, writer: "EFI stub", "zero; the size is 0x70 for -m32 and -m64 alike"),
    ])

    /// The C accessor: the extension's place depends on cmdline_capacity.
    static let accessor = """
        static inline struct kimage_bootinfo_uefi *kimage_bootinfo_uefi(struct kimage_bootinfo *bi) {
            return (struct kimage_bootinfo_uefi *)((uintptr_t)bi + 0xCC0 + bi->cmdline_capacity);
        }

        """
}
