import Foundation

/// Multiboot kernels that check where they were loaded, built at test time from
/// Tests/Fixtures/multiboot-load/ (nasm, ld). Their code is position independent: each finds its
/// own load base (call/pop), and prints on COM1 "ok"/"FAIL" lines, "base 0x..." and "PASS",
/// exiting through isa-debug-exit with 0x10 when every check passed. Each checks the loader's magic, that it runs at `expectBase`, that the
/// MBI2 load base tag (21) names that address (multiboot2), and that module 0, when there is
/// one, starts on a page boundary (MB1 flag 0, MB2 tag 6).
public enum MultibootLoadFixture {
    public enum Kind: Sendable {
        /// MB1 with flag 16: the address fields say where the bytes go; the program headers lie
        /// (their p_paddr is `linkBase + 0x100000`), so a loader that used them would fail.
        case multiboot1AddressFields
        /// MB2 with an address tag (2) and an entry address tag (3); program headers lie as above.
        case multiboot2AddressTag
        /// MB2 with a relocatable tag (10): min_addr, max_addr, align, preference.
        case multiboot2Relocatable(min: UInt32, max: UInt32, align: UInt32, preference: UInt32)
    }

    public static func build(_ kind: Kind, linkBase: UInt64, expectBase: UInt64, in dir: TemporaryDirectory, name: String) throws -> String {
        var defines = ["EXPECT_BASE=" + hex(expectBase)]
        var lie = false
        switch kind {
        case .multiboot1AddressFields:
            defines.append("MB1_ADDRESS")
            lie = true
        case .multiboot2AddressTag:
            defines.append("MB2_ADDRESS")
            lie = true
        case .multiboot2Relocatable(let min, let max, let align, let preference):
            defines += ["MB2_RELOCATABLE", "RELOC_MIN=\(min)", "RELOC_MAX=\(max)", "RELOC_ALIGN=\(align)",
                        "RELOC_PREFERENCE=\(preference)"]
        }
        let obj = try Toolchain.nasm(fixture: "multiboot-load/kernel.asm", in: dir, name: name, format: "elf32", defines: defines)
        let loadBase = lie ? linkBase + 0x10_0000 : linkBase
        return try Toolchain.ld([obj], scriptFixture: "multiboot-load/kernel.ld", in: dir, output: name + ".elf",
                                emulation: "elf_i386", extra: ["-z", "max-page-size=4096", "--no-warn-rwx-segments",
                                                               "--defsym", "LINK_BASE=" + hex(linkBase),
                                                               "--defsym", "LOAD_BASE=" + hex(loadBase)])
    }

    /// A multiboot2 header that asks for the boot device, VBE and APM (tags 5, 7, 10), which kimage
    /// cannot give, as required or, with `optional`, as optional; packed, never booted.
    public static func requesting(optional: Bool, in dir: TemporaryDirectory, name: String) throws -> String {
        let obj = try Toolchain.nasm(fixture: "multiboot-load/request.asm", in: dir, name: name, format: "elf32",
                                     defines: optional ? ["OPTIONAL"] : [])
        return try Toolchain.ld([obj], scriptFixture: "multiboot-load/request.ld", in: dir, output: name + ".elf",
                                emulation: "elf_i386")
    }

    static func hex(_ v: UInt64) -> String { String(format: "0x%llx", v) }
}
