import Foundation

/// Multiboot fixture kernels for the UEFI path, built from Tests/Fixtures/multiboot-efi/ (ELF32 at
/// 1 MiB, linked by multiboot/kernel.ld, C checks on COM1, exit 0x10 when every check passed, 1 otherwise):
///   multiboot2 (mb2.c): walks the MBI2 and checks what a UEFI boot adds as GRUB 2.06 gives it
///     on EFI: tag 12 at the EFI system table, tag 17, the GOP framebuffer as an RGB tag 8, ACPI
///     from the configuration table; built to expect BIOS, that tags 12 and 17 are absent.
///   multiboot1 (mb1.c): the MBI's framebuffer fields (flags bit 12) from GOP and the memory map
///     from the E820 the EFI stub made of the EFI map.
public enum MultibootEFIFixture {
    public struct Expect: Sendable {
        public var uefi: Bool
        public var cmdline: String
        public var ramMB: Int
        public init(uefi: Bool, cmdline: String, ramMB: Int) {
            self.uefi = uefi
            self.cmdline = cmdline
            self.ramMB = ramMB
        }
    }

    static func defines(_ e: Expect) -> [String] {
        ["-DEXPECT_CMDLINE=\"\(e.cmdline)\"", "-DEXPECT_RAM_MB=\(e.ramMB)", "-DEXPECT_UEFI=\(e.uefi ? 1 : 0)"]
    }

    /// The multiboot2 kernel. Its information request asks for 12 and 17 optionally (it boots
    /// under BIOS too); `requireEFI` makes that request required, so the kernel needs UEFI.
    public static func multiboot2(_ expect: Expect, requireEFI: Bool = false, in dir: TemporaryDirectory) throws -> String {
        let c = try Toolchain.gcc(fixture: "multiboot-efi/mb2.c", in: dir, name: "mb2efi-main", flags: MultibootFixture.cFlags + defines(expect))
        let entry = try Toolchain.nasm(fixture: "multiboot-efi/entry.asm", in: dir, name: "mb2efi-entry", format: "elf32",
                                       defines: ["MULTIBOOT2"] + (requireEFI ? ["REQUIRE_EFI"] : []))
        return try Toolchain.ld([entry, c], scriptFixture: "multiboot/kernel.ld", in: dir, output: "mb2efi.elf",
                                emulation: "elf_i386", extra: MultibootFixture.ldExtra)
    }

    /// The multiboot1 kernel: header flags 0x3, no video fields (GRUB on EFI gives a graphics
    /// framebuffer to every multiboot kernel all the same).
    public static func multiboot1(_ expect: Expect, in dir: TemporaryDirectory) throws -> String {
        let c = try Toolchain.gcc(fixture: "multiboot-efi/mb1.c", in: dir, name: "mb1efi-main", flags: MultibootFixture.cFlags + defines(expect))
        let entry = try Toolchain.nasm(fixture: "multiboot-efi/entry.asm", in: dir, name: "mb1efi-entry", format: "elf32")
        return try Toolchain.ld([entry, c], scriptFixture: "multiboot/kernel.ld", in: dir, output: "mb1efi.elf",
                                emulation: "elf_i386", extra: MultibootFixture.ldExtra)
    }
}
