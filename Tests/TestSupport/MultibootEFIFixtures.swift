import Foundation

/// Multiboot fixture kernels for the UEFI path (ELF32 at 1 MiB, C checks on COM1, exit 0x10 when
/// every check passed, 1 otherwise), built on MultibootFixture's helpers:
///   multiboot2: walks the MBI2 and checks what a UEFI boot adds as GRUB 2.06 gives it on EFI
///     (multiboot_mbi2.c): tag 12 pointing at the EFI system table ("IBI SYST"), tag 17 with the
///     EFI memory map, the GOP framebuffer as an RGB tag 8, ACPI from the configuration table; or,
///     booted by BIOS, checks that tags 12 and 17 are absent and the framebuffer is EGA text.
///   multiboot1: the MBI's framebuffer fields (flags bit 12) from GOP and the memory map from
///     the E820 the stub made of the EFI map.
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
        ["-DEXPECT_CMDLINE=\"\(e.cmdline)\"", "-DEXPECT_RAM_MB=\(e.ramMB)", "-DEXPECT_FLAGS=0", "-DEXPECT_UEFI=\(e.uefi ? 1 : 0)"]
    }

    static let script = """
        ENTRY(_start)
        SECTIONS {
          . = 0x100000;
          .text : { *(.multiboot) *(.text*) }
          .rodata : { *(.rodata*) }
          .data : { *(.data*) }
          .bss : { *(.bss*) *(COMMON) }
          /DISCARD/ : { *(.note*) *(.comment) *(.eh_frame*) }
        }
        """

    /// The multiboot2 kernel. Its information request asks for 12 and 17 optionally (it boots
    /// under BIOS too); `requireEFI` makes that request required, so the kernel needs UEFI.
    public static func multiboot2(_ expect: Expect, requireEFI: Bool = false, in dir: TemporaryDirectory) throws -> String {
        let c = try Toolchain.gcc(MultibootFixture.common + mb2C, in: dir, name: "mb2efi-main",
                                  flags: ["-m32", "-fno-asynchronous-unwind-tables", "-mgeneral-regs-only"] + defines(expect))
        let entry = try Toolchain.nasm(entrySource(multiboot2: true), in: dir, name: "mb2efi-entry", format: "elf32",
                                       defines: requireEFI ? ["REQUIRE_EFI"] : [])
        return try Toolchain.ld([entry, c], script: script, in: dir, output: "mb2efi.elf", emulation: "elf_i386",
                                extra: ["-z", "max-page-size=4096"])
    }

    /// The multiboot1 kernel: header flags 0x3, no video fields (GRUB on EFI gives a graphics
    /// framebuffer to every multiboot kernel all the same).
    public static func multiboot1(_ expect: Expect, in dir: TemporaryDirectory) throws -> String {
        let c = try Toolchain.gcc(MultibootFixture.common + mb1C, in: dir, name: "mb1efi-main",
                                  flags: ["-m32", "-fno-asynchronous-unwind-tables", "-mgeneral-regs-only"] + defines(expect))
        let entry = try Toolchain.nasm(entrySource(multiboot2: false), in: dir, name: "mb1efi-entry", format: "elf32")
        return try Toolchain.ld([entry, c], script: script, in: dir, output: "mb1efi.elf", emulation: "elf_i386",
                                extra: ["-z", "max-page-size=4096"])
    }

    static func entrySource(multiboot2: Bool) -> String {
        let header = multiboot2 ? """
            align 8
            mb2_header:
                dd 0xE85250D6, 0, mb2_end - mb2_header, -(0xE85250D6 + (mb2_end - mb2_header))
                align 8
                dw 1, 0                     ; information request, required
                dd 8 + 4 * 4
                dd 1, 2, 6, 8
                align 8
            %ifdef REQUIRE_EFI
                dw 1, 0                     ; required: this kernel runs only under UEFI
            %else
                dw 1, 1                     ; optional: the EFI tags, ACPI
            %endif
                dd 8 + 4 * 4
                dd 12, 17, 14, 15
                align 8
                dw 4, 0                     ; console flags: EGA text supported
                dd 12, 2
                align 8
                dw 0, 0                     ; end
                dd 8
            mb2_end:
            """ : """
            align 4
                dd 0x1BADB002, 3, -(0x1BADB002 + 3)
            """
        return """
            bits 32
            section .multiboot
            \(header)
            section .text
            global _start
            extern kmain
            _start:
                mov [entry_state + 0], eax
                mov [entry_state + 4], ebx
                mov [entry_state + 8], cs
                mov [entry_state + 12], ds
                mov [entry_state + 16], ss
                mov [entry_state + 20], es
                pushfd
                pop dword [entry_state + 24]
                mov eax, cr0
                mov [entry_state + 28], eax
                mov eax, cr4
                mov [entry_state + 32], eax
                mov esp, stack_top
                push ebx
                call kmain
            .halt:
                cli
                hlt
                jmp .halt
            section .bss
            align 16
            stack: resb 16384
            stack_top:
            global entry_state
            entry_state: resd 9
            """
    }

    /// Shared by both kernels: the RAM a memory map calls usable against -m, and the RGB colour
    /// info of a GOP framebuffer (8-bit fields at distinct positions 0, 8, 16).
    static let shared = """
        static const uint64_t ram = (uint64_t)EXPECT_RAM_MB << 20;
        static void check_usable(uint64_t usable, const char *what) {
            puts_("  "); puts_(what); puts_(" usable "); puthex(usable); putc_('\\n');
            /* OVMF keeps a few MiB of -m for itself (reserved, ACPI, NVS, runtime services). */
            check(usable <= ram && usable >= ram - (ram >> 3), what);
        }
        static void check_framebuffer(uint64_t addr, uint32_t pitch, uint32_t width, uint32_t height, uint8_t bpp, uint8_t type,
                                      const uint8_t *colour) {
            puts_("  framebuffer "); puthex(addr); puts_(" "); puthex(width); puts_("x"); puthex(height);
            puts_(" pitch "); puthex(pitch); puts_(" bpp "); puthex(bpp); puts_(" type "); puthex(type); putc_('\\n');
            puts_("  colour"); for (int i = 0; i < 6; i++) { putc_(' '); puthex(colour[i]); } putc_('\\n');
            check(type == 1 && bpp == 32, "GOP framebuffer: type 1 (RGB), 32 bits per pixel");
            check(addr != 0 && width != 0 && height != 0 && pitch >= width * 4, "GOP framebuffer: address, width, height, pitch");
            int positions = (1 << colour[0]) | (1 << colour[2]) | (1 << colour[4]);
            check(colour[1] == 8 && colour[3] == 8 && colour[5] == 8 && positions == 0x10101, "GOP framebuffer: 8-bit red, green, blue at 0, 8, 16");
        }
        static void finish(void) {
            if (failures) { puts_("FAILED\\n"); exit_(1); }
            puts_("PASS\\n");
            exit_(0x10);
        }
        """

    static let mb2C = shared + """
        struct tag { uint32_t type, size; };

        static int rsdp_ok(const uint8_t *r, uint32_t n) {
            uint8_t sum = 0;
            for (uint32_t i = 0; i < n; i++) sum += r[i];
            return starts((const char *)r, "RSD PTR ") && sum == 0;
        }

        void kmain(uint8_t *mbi) {
            puts_("multiboot2 EFI fixture\\n");
            check_machine(0x36D76289);
            uint32_t total = *(uint32_t *)mbi;
            int seen[32] = {0};
            int walked = 1;
            uint8_t *p = mbi + 8;
            while (p < mbi + total) {
                struct tag *t = (struct tag *)p;
                if (((uint32_t)p & 7) || t->size < 8) { walked = 0; break; }
                if (t->type < 32) seen[t->type]++;
                puts_("  tag "); puthex(t->type); puts_(" size "); puthex(t->size); putc_('\\n');
                uint32_t *w = (uint32_t *)(p + 8);
                switch (t->type) {
                case 1: puts_("  cmdline \\""); puts_((char *)w); puts_("\\"\\n");
                        check(contains((char *)w, expected_cmdline), "command line tag"); break;
                case 6: {
                    uint64_t usable = 0;
                    for (uint32_t o = 16; o + 24 <= t->size; o += 24) {
                        uint64_t *e = (uint64_t *)(p + o);
                        if ((uint32_t)e[2] == 1) usable += e[1];
                    }
        #if EXPECT_UEFI
                    check_usable(usable, "memory map tag (E820 from the EFI map): usable RAM matches -m");
        #endif
                    break;
                }
                case 8:
        #if EXPECT_UEFI
                    check(t->size == 38, "framebuffer tag: size 38 (RGB colour info)");
                    check_framebuffer(*(uint64_t *)w, w[2], w[3], w[4], p[28], p[29], p + 32);
        #else
                    check(*(uint64_t *)w == 0xB8000 && p[29] == 2 && w[3] == 80 && w[4] == 25, "EGA text framebuffer tag");
        #endif
                    break;
                case 12: {
                    uint64_t st = *(uint64_t *)w;
                    puts_("  EFI system table "); puthex(st); putc_('\\n');
                    check(t->size == 16 && st != 0 && st < 0x100000000ull && *(const uint64_t *)(uint32_t)st == 0x5453595320494249ull,
                          "EFI 64-bit system table tag points at \\"IBI SYST\\"");
                    break;
                }
                case 17: {
                    uint32_t dsize = w[0], version = w[1];
                    uint64_t conventional = 0, usable = 0;
                    uint32_t count = 0;
                    for (uint32_t o = 16; dsize >= 40 && o + dsize <= t->size; o += dsize, count++) {
                        uint32_t type = *(uint32_t *)(p + o);
                        uint64_t bytes = *(uint64_t *)(p + o + 24) << 12;
                        if (type == 7) conventional += bytes;
                        if ((type >= 1 && type <= 4) || type == 7) usable += bytes;
                    }
                    puts_("  EFI memory map: descriptor size "); puthex(dsize); puts_(" version "); puthex(version);
                    puts_(" descriptors "); puthex(count); puts_(" conventional "); puthex(conventional); putc_('\\n');
                    check(dsize >= 40 && version == 1 && (t->size - 16) % dsize == 0 && count > 4,
                          "EFI memory map tag: descriptor size >= 40, version 1, whole descriptors");
                    check(conventional >= ram / 2 && conventional <= ram, "EFI memory map tag: conventional memory within -m");
                    check_usable(usable, "EFI memory map tag: loader, boot services and conventional memory match -m");
                    break;
                }
                case 14: check(t->size == 28 && rsdp_ok((uint8_t *)w, 20), "ACPI old RSDP tag: signature and checksum"); break;
                case 15: check(rsdp_ok((uint8_t *)w, 36), "ACPI new RSDP tag: signature and checksum"); break;
                case 0: check(t->size == 8 && p + 8 == mbi + total, "end tag closes total_size"); break;
                }
                p += (t->size + 7) & ~7u;
            }
            check(walked && seen[0] == 1, "every tag 8-aligned, one end tag");
            check(seen[1] == 1 && seen[2] == 1 && seen[4] == 1 && seen[6] == 1, "cmdline, name, meminfo, memory map given");
            check(seen[8] == 1, "one framebuffer tag");
        #if EXPECT_UEFI
            check(seen[12] == 1, "booted by UEFI: EFI system table tag given");
            check(seen[17] == 1, "booted by UEFI: EFI memory map tag given");
            check(seen[15] == 1, "booted by UEFI: ACPI 2.0 RSDP from the configuration table");
        #else
            check(seen[12] == 0 && seen[17] == 0, "booted by BIOS: no EFI system table or EFI memory map tag");
        #endif
            finish();
        }
        """

    static let mb1C = shared + """
        struct mbi {
            uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
            uint32_t syms_num, syms_size, syms_addr, syms_shndx;
            uint32_t mmap_length, mmap_addr, drives_length, drives_addr, config_table, boot_loader_name, apm_table;
            uint32_t vbe_control_info, vbe_mode_info; uint16_t vbe_mode, vbe_seg, vbe_off, vbe_len;
            uint64_t fb_addr; uint32_t fb_pitch, fb_width, fb_height; uint8_t fb_bpp, fb_type, pad[2], colour[6];
        } __attribute__((packed));

        void kmain(struct mbi *m) {
            puts_("multiboot1 EFI fixture\\n");
            check_machine(0x2BADB002);
            puts_("  flags "); puthex(m->flags); puts_(" mem_lower "); puthex(m->mem_lower); puts_(" mem_upper "); puthex(m->mem_upper); putc_('\\n');
            check(m->flags & (1u << 12), "flags bit 12: framebuffer fields given");
            check(m->flags & (1u << 6), "flags bit 6: memory map given");
            check_framebuffer(m->fb_addr, m->fb_pitch, m->fb_width, m->fb_height, m->fb_bpp, m->fb_type, m->colour);
            const char *cl = (const char *)m->cmdline;
            puts_("  cmdline \\""); puts_(cl); puts_("\\"\\n");
            check(contains(cl, expected_cmdline), "command line");
            uint64_t usable = 0, upper_end = 0;
            int sizes = 1;
            for (uint32_t q = m->mmap_addr; q < m->mmap_addr + m->mmap_length; q += *(uint32_t *)q + 4) {
                if (*(uint32_t *)q != 20) { sizes = 0; break; }
                uint64_t base = *(uint64_t *)(q + 4), len = *(uint64_t *)(q + 12);
                if (*(uint32_t *)(q + 20) != 1) continue;
                usable += len;
                if (base <= 0x100000 && base + len > 0x100000) upper_end = base + len;
            }
            check(sizes, "memory map: entries of size 20");
            check_usable(usable, "memory map (E820 from the EFI map): usable RAM matches -m");
            check(upper_end != 0 && ((upper_end - 0x100000) >> 10) == m->mem_upper, "mem_upper ends where the RAM from 1 MiB ends");
            finish();
        }
        """
}
