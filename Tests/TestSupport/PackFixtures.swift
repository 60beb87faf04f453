import Foundation

/// Fixture kernels for `kimage pack`, built from C and assembly at test time. Each checks what
/// the setup stub promises (its vaddr, bss, the boot info, the command line, E820, the loader
/// ELF, the initrd, and optionally that .text is read-only), prints on COM1, and exits through
/// isa-debug-exit with 0x10 on success (QEMU status 33) or 1 on failure.
public enum PackFixture {
    public struct Spec: Sendable {
        public var name: String
        public var bits64: Bool
        /// Virtual address of the first segment.
        public var virtualBase: UInt64
        /// Its physical address.
        public var physicalBase: UInt64 = 0x10_0000
        public var codeModel: String? = nil
        public var expectedCmdline: String
        public var ramMB: Int = 128
        /// KIMAGE_PAGING_* the fixture expects.
        public var paging: Int
        public var initrdSize: Int? = nil
        public var loaderSize: Int? = nil
        public var checkFault = false
        /// Size of the kernel ELF carried whole (--embed-elf), which the fixture checks.
        public var embeddedELFSize: Int? = nil
        /// ELF64: the recursive slot (--recursive) whose window must show the PML4 at CR3.
        public var recursiveSlot: Int? = nil
        /// A --map mapping to read through: its virtual address must show the same bytes as its
        /// identity-mapped physical address.
        public var mappedVirtual: UInt64? = nil
        public var mappedPhysical: UInt64? = nil
        /// ELF64: the value CR4.LA57 (bit 12) must have, read by the kernel (nil: not checked).
        public var expectLA57: Bool? = nil
        /// Started by UEFI through the EFI stub: the flag, the system table, the EFI memory map,
        /// the ACPI RSDP and the GOP framebuffer in the boot info's UEFI extension.
        public var expectUEFI = false
        /// With expectUEFI: started by a boot-protocol loader on UEFI (GRUB EFI `linux`, OVMF's
        /// legacy -kernel), whose efi_info the setup carries over; no GOP framebuffer is checked.
        public var uefiFromLoader = false
        /// The loader put the protected-mode part elsewhere than 1 MiB: boot_params' code32_start
        /// (the loader's load address) must not be 0x100000, and the setup moved it back.
        public var expectRelocated = false
        /// Bytes of the bss array the fixture checks is zero (default 3 pages and a bit): a large
        /// one pushes the kernel's end, and so where the plan runs, up.
        public var bssSize: Int? = nil

        public init(name: String, bits64: Bool, virtualBase: UInt64, codeModel: String? = nil, expectedCmdline: String,
                    ramMB: Int = 128, paging: Int, initrdSize: Int? = nil, loaderSize: Int? = nil, checkFault: Bool = false) {
            self.name = name; self.bits64 = bits64; self.virtualBase = virtualBase; self.codeModel = codeModel
            self.expectedCmdline = expectedCmdline; self.ramMB = ramMB; self.paging = paging
            self.initrdSize = initrdSize; self.loaderSize = loaderSize; self.checkFault = checkFault
        }
    }

    /// Builds the fixture kernel; returns the ELF's path.
    public static func build(_ spec: Spec, in dir: TemporaryDirectory) throws -> String {
        let include = Paths.templates + "/include"
        var defines = [
            "NAME=\"\(spec.name)\"", "VBASE=\(String(format: "0x%llxull", spec.virtualBase))",
            "EXPECT_CMDLINE=\"\(spec.expectedCmdline)\"", "EXPECT_RAM_MB=\(spec.ramMB)", "EXPECT_PAGING=\(spec.paging)",
        ]
        if let n = spec.initrdSize { defines.append("EXPECT_INITRD_SIZE=\(n)") }
        if let n = spec.loaderSize { defines.append("EXPECT_LOADER_SIZE=\(n)") }
        if spec.checkFault { defines.append("CHECK_FAULT") }
        if spec.embeddedELFSize != nil { defines.append("CHECK_EMBEDDED_ELF") }
        if let slot = spec.recursiveSlot { defines.append("CHECK_RECURSIVE_SLOT=\(slot)ull") }
        if let la57 = spec.expectLA57 { defines.append("CHECK_LA57=\(la57 ? 1 : 0)") }
        if spec.expectUEFI { defines.append("CHECK_UEFI") }
        if spec.uefiFromLoader { defines.append("UEFI_FROM_LOADER") }
        if spec.expectRelocated { defines.append("CHECK_RELOCATED") }
        if let n = spec.bssSize { defines.append("BIG_BSS_SIZE=\(n)") }
        if let v = spec.mappedVirtual, let p = spec.mappedPhysical {
            defines += [String(format: "CHECK_MAP_VA=0x%llxull", v), String(format: "CHECK_MAP_PA=0x%llxull", p)]
        }
        var flags = ["-I", include, "-fno-asynchronous-unwind-tables", "-mgeneral-regs-only"] + defines.map { "-D" + $0 }
        flags += spec.bits64 ? ["-m64", "-mno-red-zone", "-mcmodel=" + (spec.codeModel ?? "large")] : ["-m32"]
        let c = try Toolchain.gcc(fixture: "pack/kernel.c", in: dir, name: spec.name + "-main", flags: flags)
        let entry = try Toolchain.gas(fixture: spec.bits64 ? "pack/entry64.s" : "pack/entry32.s", in: dir,
                                      name: spec.name + "-entry", bits32: !spec.bits64)
        let defsyms = ["--defsym", String(format: "VBASE=0x%llx", spec.virtualBase),
                       "--defsym", String(format: "LOAD_OFFSET=0x%llx", spec.virtualBase &- spec.physicalBase)]
        return try Toolchain.ld([entry, c], scriptFixture: "pack/kernel.ld", in: dir, output: spec.name + ".elf",
                                emulation: spec.bits64 ? "elf_x86_64" : "elf_i386",
                                extra: ["-z", "max-page-size=4096"] + defsyms)
    }

    /// An initrd whose byte i is (i * 7 + 3) & 0xFF, as the fixture checks.
    public static func initrd(in dir: TemporaryDirectory, size: Int) throws -> String {
        let path = dir.file("initrd.bin")
        try Data((0..<size).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) }).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A small user-space loader ELF (any ELF: the fixture checks its magic and size).
    public static func loader(in dir: TemporaryDirectory) throws -> String {
        let obj = try Toolchain.nasm(fixture: "pack/loader.asm", in: dir, name: "loader")
        return try Toolchain.ld([obj], script: nil, in: dir, output: "loader.elf", extra: ["-Ttext=0x400000"])
    }
}
