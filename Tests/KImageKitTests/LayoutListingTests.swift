import Testing

@testable import KImageKit

/// inspect's boot-info listing comes from the declaration: every declared field, in order, with
/// the template's value for what pack writes and none for what the setup writes at boot.
@Suite struct LayoutListingTests {
    @Test func theBootInfoListingFollowsItsDeclaration() {
        var info = BootInfo()
        info.address = 0x10B000
        info.entry = 0xFFFF_FFFF_8010_0000
        info.pagingMode = .fourLevel
        info.firstFree = 0x11B000
        let bytes = info.encode()
        let listing = bytes.withUnsafeBytes { LayoutListing(title: "boot info", layout: BootInfo.layout, raw: $0) }
        #expect(listing.rows.map(\.field.name) == BootInfo.layout.fields.map(\.name))
        let byName = Dictionary(uniqueKeysWithValues: listing.rows.map { ($0.field.name, $0) })
        #expect(byName["entry"]?.value == 0xFFFF_FFFF_8010_0000)
        #expect(byName["paging_mode"]?.value == UInt64(BootPagingMode.fourLevel.rawValue))
        #expect(byName["first_free"]?.value == 0x11B000)
        #expect(byName["cmdline"]?.value == 0x10B000 + UInt64(BootInfo.cmdlineBufferOffset))
        #expect(byName["magic"]?.value == UInt64(BootInfo.magic))
        for name in ["initrd", "boot_params", "e820_count", "loader_type", "flags", "e820_entries"] {
            #expect(byName[name]?.value == nil, "\(name) is written at boot, not by pack")
        }
        let text = listing.text()
        #expect(text.contains("0x0a8   entry                 0xffffffff80100000  the kernel's entry point"), "\(text)")
        #expect(text.contains("0x0b8   loader_type           (boot)"), "\(text)")
        #expect(text.contains("0x0c0   e820_entries          128 x 24 B"), "\(text)")
    }

    @Test func theUEFIExtensionIsListedFieldByField() {
        let bytes = [UInt8](repeating: 0, count: UEFIExtension.size)
        let listing = bytes.withUnsafeBytes { LayoutListing(title: "uefi", layout: UEFIExtension.layout, raw: $0) }
        #expect(listing.rows.map(\.field.name) == UEFIExtension.layout.fields.map(\.name))
        #expect(listing.rows.allSatisfy { $0.value == nil })
        #expect(listing.text().contains("0x000   efi_system_table      (EFI stub)          EFI_SYSTEM_TABLE"))
    }
}
