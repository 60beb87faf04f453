/// Every include generated from the layout declarations. `kimage generate-includes` (run by
/// `make generate`) writes them; LayoutTests fails when a file on disk differs.
package enum GeneratedIncludes {
    package static var all: [IncludeFile] { [bootInfoHeader, bootInfoInclude, planInclude, bootParamsInclude, multibootInclude, efiStubInclude] }

    static let entryState: [String] = [
        "Entry state:",
        "  ELF64: long mode, 4-level paging (5-level with CR4.LA57=1: kimage pack --five-level;",
        "         CR3 = cr3 below), CR0.WP=1, EFER.NXE=1;",
        "         rdi = physical address of struct kimage_bootinfo (identity-mapped), rsi = KIMAGE_ENTRY_MAGIC.",
        "  ELF32: protected mode; paging off when every segment has vaddr == paddr, else 32-bit",
        "         (or PAE, kimage pack --pae) paging with CR0.WP=1; eax = KIMAGE_ENTRY_MAGIC,",
        "         ebx = physical address of struct kimage_bootinfo (identity-mapped).",
        "  Both: SSE usable (CR0.EM=0, CR0.MP=1, CR4.OSFXSR=1, CR4.OSXMMEXCPT=1, fninit done) unless",
        "        packed with --no-sse (then CR0/CR4 as the setup found them);",
        "        interrupts off, CS = 0x08 (64-bit) or 0x10 (32-bit), data segments 0x18 in kimage's GDT",
        "        (inside the image: load your own), esp/rsp = stack_top (16 KiB, identity-mapped).",
        "Page tables (built at pack time): each PT_LOAD at its vaddr with its own rights (W^X unless",
        "segments share a page), the first 4 GiB identity-mapped read/write, not executable (except the",
        "setup stub's pages) wherever no segment, --map or recursive slot takes the address, plus --map.",
    ]

    static let ownStubs: [String] = [
        "Own stubs (kimage pack --setup32 FILE, Jinue style): kimage loads no plan and builds no tables.",
        "The protected-mode part is your 32-bit setup (at 0x100000 = code32_start), then, 16-byte",
        "aligned right after its last byte, this part table; the kernel ELF (4 KiB aligned) and the",
        "loader ELF follow whole. End your setup with `align 16` and a label to find the table.",
        "Offsets count from the start of the protected-mode part (physical 0x100000 as loaded).",
    ]

    static var bootInfoHeader: IncludeFile {
        IncludeFile(
            path: "templates/include/kimage/bootinfo.h", language: .c, guardName: "KIMAGE_BOOTINFO_H",
            preamble: ["kimage boot info: what kimage's setup stub hands to a kernel packed with `kimage pack`.",
                       "Layout version \(BootInfo.version), little-endian, identical for 32- and 64-bit kernels. nasm: bootinfo.inc.",
                       ""] + entryState,
            sections: [
                .constants(BootInfo.constants),
                .comment(["paging_mode"]), .constants(BootPagingMode.constants),
                .comment(["flags"]), .constants(BootInfo.flagConstants),
                .structure(BootInfo.e820EntryLayout.description),
                .structure(BootInfo.layout.description),
                .structure(UEFIExtension.layout.description),
                .verbatim(UEFIExtension.accessor),
                .comment(ownStubs), .constants(PartTable.constants),
                .structure(PartTable.partLayout.description),
                .structure(PartTable.layout.description),
            ])
    }

    static var bootInfoInclude: IncludeFile {
        IncludeFile(
            path: "templates/include/kimage/bootinfo.inc", language: .nasm, guardName: "KIMAGE_BOOTINFO_INC",
            preamble: ["kimage boot info, for nasm kernels and for kimage's own 32-bit setup stub.",
                       "Layout version \(BootInfo.version); every field little-endian. See bootinfo.h for the entry state.",
                       "Entry contract:",
                       "  ELF32: eax = KIMAGE_ENTRY_MAGIC, ebx = physical address of the boot info",
                       "  ELF64: rsi = KIMAGE_ENTRY_MAGIC, rdi = physical address of the boot info (identity-mapped)",
                       "  esp/rsp = KIMAGE_BI_STACK_TOP's value (a 16 KiB stack, identity-mapped), interrupts off."],
            sections: [
                .constants(BootInfo.constants),
                .structure(BootInfo.layout.description),
                .comment(["flags"]), .constants(BootInfo.flagConstants),
                .comment(["paging_mode"]), .constants(BootPagingMode.constants),
                .structure(BootInfo.e820EntryLayout.description),
                .structure(UEFIExtension.layout.description),
                .comment(ownStubs), .constants(PartTable.constants),
                .structure(PartTable.layout.description),
                .structure(PartTable.partLayout.description),
            ])
    }

    static var planInclude: IncludeFile {
        IncludeFile(
            path: "templates/boot/plan.inc", language: .nasm, guardName: "KIMAGE_PLAN_INC",
            preamble: ["The load plan kimage pack writes right after the 32-bit setup stub (at the stub's `plan` label).",
                       "The stub executes it and knows no ELF. Every field is little-endian; \"offset\" means an offset",
                       "from the start of the protected-mode part, so it stays valid when the image moves."],
            sections: [
                .constants([.hex("PLAN_MAGIC_VALUE", UInt64(LoadPlan.magic), "\"KPLN\"")]),
                .structure(LoadPlan.layout.description),
                .constants([LayoutConstant("PLAN_F_MOVE", UInt64(LoadPlan.flagMove), "the kernel overlaps 0x100000: PLAN_MOVE_DEST lies clear of it (the setup moves there in any case)"),
                            LayoutConstant("PLAN_F_NXE", UInt64(LoadPlan.flagNXE), "the tables use XD: set EFER.NXE"),
                            LayoutConstant("PLAN_F_SSE", UInt64(LoadPlan.flagSSE), "enter with SSE usable (CR0.MP, CR4.OSFXSR|OSXMMEXCPT, fninit)")]),
                .comment(["PLAN_HANDOFF: how the setup enters the kernel (Handoff.planValue)."]),
                .constants(Handoff.constants),
                .comment(["Step slots follow the header, PLAN_STEP_COUNT of them (an LZ4 step takes two)."]),
                .structure(LoadStep.layout.description),
                .constants([LayoutConstant("STEP_COPY", UInt64(LoadStep.copyKind), "copy STEP_LENGTH bytes from STEP_SOURCE to STEP_DEST"),
                            LayoutConstant("STEP_ZERO", UInt64(LoadStep.zeroKind), "zero STEP_LENGTH bytes at STEP_DEST"),
                            LayoutConstant("STEP_NEED_RAM", UInt64(LoadStep.needRAMKind),
                                           "not run: checked against E820 before the first copy; STEP_SOURCE = offset of the part's name"),
                            LayoutConstant("STEP_LZ4", UInt64(LoadStep.lz4Kind),
                                           "check the LZ4 block (STEP_LZ4_PACKED bytes at STEP_SOURCE) against STEP_LZ4_CHECK, decode it into exactly STEP_LENGTH bytes at STEP_DEST"),
                            LayoutConstant("STEP_ENTRIES", UInt64(LoadStep.entriesKind),
                                           "write STEP_COUNT 8-byte page-table entries at STEP_DEST, each 1 << STEP_SHIFT more"),
                            LayoutConstant("STEP_ENTRIES32", UInt64(LoadStep.entries32Kind), "the same with 4-byte entries (32-bit paging)"),
                            LayoutConstant("STEP_DATA", UInt64(LoadStep.dataKind), "an LZ4 step's second slot, skipped by the step loops")]),
                .comment(["An LZ4 step's block, in its second slot: offsets from the step's start."]),
                .constants([.hex("STEP_LZ4_PACKED", UInt64(LoadStep.encodedSize + LoadStep.layout[\LoadStep.Wire.sourceOffset].offset), "u32 bytes of the block at STEP_SOURCE"),
                            .hex("STEP_LZ4_CHECK", UInt64(LoadStep.encodedSize + LoadStep.layout[\LoadStep.Wire.size].offset),
                                 "u32 the block's little-endian u32 words (then its last bytes) summed mod 2^32")]),
            ])
    }

    static var bootParamsInclude: IncludeFile {
        IncludeFile(
            path: "templates/boot/bootparams.inc", language: .nasm, guardName: "KIMAGE_BOOTPARAMS_INC",
            preamble: ["The Linux boot_params page (zero page) as kimage's stubs read and build it; the setup header",
                       "sits at BP_SETUP_SECTS (0x1F1) with the same offsets as in the image file.",
                       "See Documentation/arch/x86/zero-page.rst and boot.rst."],
            sections: [
                .structure(BootParams.layout.description),
                .constants([LayoutConstant("BP_E820_MAX", UInt64(BootParams.e820MaxEntries), "entries in BP_E820_TABLE"),
                            LayoutConstant("BP_E820_ENTRY_SIZE", UInt64(BootParams.e820EntrySize), "u64 addr, u64 size, u32 type"),
                            LayoutConstant("BP_COMMAND_LINE_SIZE", UInt64(BootParams.commandLineCapacity),
                                           "bytes Linux copies from cmd_line_ptr, NUL included (Linux handoff: the buffer after the page)")]),
            ])
    }

    static var efiStubInclude: IncludeFile {
        IncludeFile(
            path: "templates/boot/efistub.inc", language: .nasm, guardName: "KIMAGE_EFISTUB_INC",
            preamble: ["The EFI stub's parameter block (its first bytes) and the ranges after the stub's code, which",
                       "kimage pack fills; the stub allocates the ranges, copies the protected-mode part to",
                       "EFI_P_RUNTIME_BASE and enters the 32-bit setup there."],
            sections: [
                .constants([.hex("EFI_STUB_MAGIC", UInt64(EFIStub.magic), "\"KEFI\""),
                            .hex("EFI_MEMORY_MAP_CAPACITY", UInt64(EFIStub.memoryMapCapacity), "bytes for the EFI memory map (multiboot2 tag 17 copies it)")]),
                .structure(EFIStub.layout.description),
                .structure(EFIStub.Range.layout.description),
            ])
    }

    static var multibootInclude: IncludeFile {
        IncludeFile(
            path: "templates/boot/multiboot.inc", language: .nasm, guardName: "KIMAGE_MULTIBOOT_INC",
            preamble: ["The multiboot handoffs' structures as kimage's setup fills them (handoff_multiboot.inc):",
                       "the fill table kimage pack writes at PLAN_HANDOFF_DATA, the Multiboot 1 information (MBI,",
                       "GRUB 2.06's 120-byte layout) and the Multiboot 2 information tags the setup appends."],
            sections: [
                .constants(MultibootInfo.constants),
                .structure(MultibootInfoTemplate.fillLayout.description),
                .constants(MultibootInfoTemplate.constants),
                .structure(MultibootInfo.layout.description),
                .constants(Multiboot2Info.constants),
            ])
    }

    /// Writes every generated include under the package root `root`.
    package static func write(root: String) throws {
        for file in all {
            try OutputFile.write(Array(file.text.utf8), to: root + "/" + file.path, mode: 0o644)
        }
    }
}
