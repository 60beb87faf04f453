import Foundation

/// Multiboot fixture kernels, built at test time, for `kimage pack`'s multiboot handoffs. Each
/// checks on COM1 what a multiboot loader promises (machine state, every information field kimage
/// gives) and exits through isa-debug-exit with 0x10 when every check passed, 1 otherwise.
///   (a) multiboot1 ELF32 linked at 1 MiB, C checks;
///   (b) multiboot1 ELF32 linked higher-half (vaddr 0xC0100000, paddr 1 MiB, physical e_entry)
///       that enables paging itself, loads its own GDT without reloading any segment register and
///       takes an interrupt: a CS other than 0x08 faults at its iret;
///   (c) multiboot2 ELF64 file with 32-bit start code (C, -m32, converted with objcopy) that
///       checks every tag, then enters long mode itself.
public enum MultibootFixture {
    public struct Expect: Sendable {
        public var cmdline: String
        public var ramMB: Int = 128
        public var initrdSize: Int?
        /// Multiboot 1: the exact MBI flags.
        public var flags: UInt32 = 0
        public var framebuffer = false
        public init(cmdline: String, initrdSize: Int? = nil) {
            self.cmdline = cmdline
            self.initrdSize = initrdSize
        }
    }

    static func defines(_ e: Expect) -> [String] {
        var d = ["EXPECT_CMDLINE=\"\(e.cmdline)\"", "EXPECT_RAM_MB=\(e.ramMB)", String(format: "EXPECT_FLAGS=0x%xu", e.flags)]
        if let n = e.initrdSize { d.append("EXPECT_INITRD_SIZE=\(n)") }
        if e.framebuffer { d.append("EXPECT_FRAMEBUFFER=1") }
        return d
    }

    /// (a): a multiboot1 ELF32 at 1 MiB; header flags 0x3 (page-aligned modules, memory), plus
    /// bit 2 with EGA text when `expect.framebuffer`.
    public static func multiboot1(_ expect: Expect, in dir: TemporaryDirectory) throws -> String {
        let c = try Toolchain.gcc(common + mb1C, in: dir, name: "mb1-main",
                                  flags: ["-m32", "-fno-asynchronous-unwind-tables", "-mgeneral-regs-only"] + defines(expect).map { "-D" + $0 })
        let entry = try Toolchain.nasm(mb1Entry, in: dir, name: "mb1-entry", format: "elf32",
                                       defines: expect.framebuffer ? ["FRAMEBUFFER"] : [])
        return try Toolchain.ld([entry, c], script: """
            ENTRY(_start)
            SECTIONS {
              . = 0x100000;
              .text : { *(.multiboot) *(.text*) }
              .rodata : { *(.rodata*) }
              .data : { *(.data*) }
              .bss : { *(.bss*) *(COMMON) }
              /DISCARD/ : { *(.note*) *(.comment) *(.eh_frame*) }
            }
            """, in: dir, output: "mb1.elf", emulation: "elf_i386", extra: ["-z", "max-page-size=4096"])
    }

    /// (c): a multiboot2 kernel, ELF64, whose start code is 32-bit.
    public static func multiboot2(_ expect: Expect, in dir: TemporaryDirectory) throws -> String {
        let c = try Toolchain.gcc(common + mb2C, in: dir, name: "mb2-main",
                                  flags: ["-m32", "-fno-asynchronous-unwind-tables", "-mgeneral-regs-only"] + defines(expect).map { "-D" + $0 })
        let entry = try Toolchain.nasm(mb2Entry, in: dir, name: "mb2-entry", format: "elf32")
        let elf32 = try Toolchain.ld([entry, c], script: """
            ENTRY(_start)
            SECTIONS {
              . = 0x100000;
              .text : { *(.multiboot) *(.text*) }
              .rodata : { *(.rodata*) }
              .data : { *(.data*) }
              .bss : { *(.bss*) *(COMMON) }
              /DISCARD/ : { *(.note*) *(.comment) *(.eh_frame*) }
            }
            """, in: dir, output: "mb2-32.elf", emulation: "elf_i386", extra: ["-z", "max-page-size=4096"])
        // Most 64-bit hobby kernels are ELF64 files whose first code is 32-bit: the same bytes here.
        let elf64 = dir.file("mb2.elf")
        try mustRun("objcopy", ["-O", "elf64-x86-64", elf32, elf64])
        return elf64
    }

    /// (b): higher-half multiboot1 ELF32 with a physical entry, paging and interrupts of its own.
    public static func higherHalf(in dir: TemporaryDirectory) throws -> String {
        let obj = try Toolchain.nasm(higherHalfSource, in: dir, name: "mbhh", format: "elf32")
        return try Toolchain.ld([obj], script: """
            ENTRY(start_phys)
            SECTIONS {
              . = 0xC0100000;
              .text : AT(0x100000) { *(.multiboot) *(.text) }
              . = ALIGN(4096);
              .data : AT(ADDR(.data) - 0xC0000000) { *(.data) }
              .bss : AT(ADDR(.bss) - 0xC0000000) { *(.bss) }
            }
            start_phys = start - 0xC0000000;
            """, in: dir, output: "mbhh.elf", emulation: "elf_i386", extra: ["-z", "max-page-size=4096"])
    }

    static let common = """
        #include <stdint.h>
        static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
        static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
        static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
        static void putc_(char c) { while (!(inb(0x3FD) & 0x20)) {} outb(0x3F8, (uint8_t)c); }
        static void puts_(const char *s) { while (*s) putc_(*s++); }
        static void puthex(uint64_t v) { puts_("0x"); for (int i = 60; i >= 0; i -= 4) putc_("0123456789abcdef"[(v >> i) & 0xF]); }
        static void exit_(uint32_t code) { outl(0xF4, code); for (;;) __asm__ volatile("cli; hlt"); }
        static int failures;
        static void check(int ok, const char *what) { puts_(ok ? "ok " : "FAIL "); puts_(what); putc_('\\n'); if (!ok) failures++; }
        static int starts(const char *s, const char *p) { while (*p) if (*s++ != *p++) return 0; return 1; }
        static int contains(const char *hay, const char *needle) {
            for (; *hay; hay++) if (starts(hay, needle)) return 1;
            return !*needle;
        }
        static int streq(const char *a, const char *b) { while (*a && *a == *b) { a++; b++; } return *a == *b; }
        struct entry_state { uint32_t eax, ebx, cs, ds, ss, es, eflags, cr0, cr4; };
        extern struct entry_state entry_state;
        static volatile uint8_t big_bss[8192 + 13];
        static volatile uint32_t data_word = 0x12345678;
        static const char expected_cmdline[] = EXPECT_CMDLINE;

        static void check_machine(uint32_t magic) {
            struct entry_state *s = &entry_state;
            check(s->eax == magic, "eax holds the loader magic");
            check(s->cs == 0x08, "CS is 0x08 (QEMU's flat code selector)");
            check(s->ds == 0x10 && s->es == 0x10 && s->ss == 0x10, "DS/ES/SS are 0x10");
            check((s->cr0 & 1) && !(s->cr0 & 0x80000000u), "protected mode, paging off");
            check(!(s->eflags & 0x200), "interrupts off");
            check(!(s->cr4 & 0xA0), "CR4.PAE and PGE clear");
            int zero = 1;
            for (unsigned i = 0; i < sizeof big_bss; i++) if (big_bss[i]) zero = 0;
            check(zero, "bss is zero");
            check(data_word == 0x12345678, "data copied to its physical address");
        }

        static void check_module(uint32_t start, uint32_t end, const char *string) {
        #ifdef EXPECT_INITRD_SIZE
            check(end - start == EXPECT_INITRD_SIZE, "module 0 has the initrd's size");
            check((start & 0xFFF) == 0, "module 0 is page-aligned");
            int same = 1;
            for (uint32_t i = 0; i < end - start; i++) if (((uint8_t *)start)[i] != (uint8_t)(i * 7 + 3)) same = 0;
            check(same, "module 0 holds the initrd's bytes");
            check(streq(string, "initrd"), "module 0's string is \\"initrd\\"");
        #endif
        }

        static void check_memory(uint32_t lower, uint32_t upper) {
            puts_("  mem_lower "); puthex(lower); puts_(" mem_upper "); puthex(upper); putc_('\\n');
            check(lower == 639, "mem_lower is 639 KiB");
            check(upper >= (EXPECT_RAM_MB - 2) * 1024u && upper <= (EXPECT_RAM_MB - 1) * 1024u, "mem_upper matches -m");
        }

        /// One memory map entry: the RAM one holding 1 MiB must end where mem_upper says.
        static int ram_entry_ok(uint64_t base, uint64_t len, uint32_t type, uint32_t upper) {
            return type == 1 && base <= 0x100000 && base + len > 0x100000 && ((base + len - 0x100000) >> 10) == upper;
        }

        /// The ELF section headers kimage gives: the name table and the symbol strings are loaded.
        static void check_sections(uint32_t num, uint32_t entsize, uint32_t shndx, const uint8_t *shdrs) {
            check(num > 3 && shndx < num, "ELF sections: count and name table index");
            int is64 = entsize == 64;
            #define SH32(i, o) (*(const uint32_t *)(shdrs + (i) * entsize + (o)))
            #define SHADDR(i) (is64 ? (uint32_t)*(const uint64_t *)(shdrs + (i) * entsize + 16) : SH32(i, 12))
            const char *names = (const char *)SHADDR(shndx);
            check(names != 0 && names[0] == 0, "the section name table is loaded (sh_addr patched)");
            int found = 0;
            for (uint32_t i = 1; i < num && names; i++) {
                if (!streq(names + SH32(i, 0), ".strtab")) continue;
                const char *strtab = (const char *)SHADDR(i);
                uint32_t size = is64 ? (uint32_t)*(const uint64_t *)(shdrs + i * entsize + 32) : SH32(i, 20);
                for (uint32_t j = 0; strtab && j < size; j++) if (starts(strtab + j, "kmain")) found = 1;
            }
            check(found, "the symbol strings are loaded and name kmain");
        }
        """

    static let mb1Entry = """
        bits 32
        %define FLAGS 3
        %ifdef FRAMEBUFFER
        %define FLAGS 7
        %endif
        section .multiboot
        align 4
            dd 0x1BADB002, FLAGS, -(0x1BADB002 + FLAGS)
            dd 0, 0, 0, 0, 0            ; address fields (flag 16 clear)
            dd 1, 80, 25, 0             ; EGA text, 80x25
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

    static let mb1C = """
        struct mbi {
            uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
            uint32_t syms_num, syms_size, syms_addr, syms_shndx;
            uint32_t mmap_length, mmap_addr, drives_length, drives_addr, config_table, boot_loader_name, apm_table;
            uint32_t vbe_control_info, vbe_mode_info; uint16_t vbe_mode, vbe_seg, vbe_off, vbe_len;
            uint64_t fb_addr; uint32_t fb_pitch, fb_width, fb_height; uint8_t fb_bpp, fb_type;
        } __attribute__((packed));

        void kmain(struct mbi *m) {
            puts_("multiboot1 fixture\\n");
            check_machine(0x2BADB002);
            puts_("  flags "); puthex(m->flags); putc_('\\n');
            check(m->flags == EXPECT_FLAGS, "MBI flags are exactly the expected ones");
            check_memory(m->mem_lower, m->mem_upper);
            const char *cl = (const char *)m->cmdline;
            puts_("  cmdline \\""); puts_(cl); puts_("\\"\\n");
            check(contains(cl, expected_cmdline), "command line");
        #ifdef EXPECT_INITRD_SIZE
            check(m->mods_count == 1, "one module");
            uint32_t *mod = (uint32_t *)m->mods_addr;
            check_module(mod[0], mod[1], (const char *)mod[2]);
        #else
            check(m->mods_count == 0, "no module without an initrd");
        #endif
            int entries = 0, sizes = 1, ram = 0;
            for (uint32_t p = m->mmap_addr; p < m->mmap_addr + m->mmap_length; p += *(uint32_t *)p + 4) {
                uint32_t size = *(uint32_t *)p;
                if (size != 20) { sizes = 0; break; }
                uint64_t base = *(uint64_t *)(p + 4), len = *(uint64_t *)(p + 12);
                if (ram_entry_ok(base, len, *(uint32_t *)(p + 20), m->mem_upper)) ram = 1;
                entries++;
            }
            check(entries >= 2 && sizes, "memory map: entries of size 20");
            check(ram, "memory map: the RAM from 1 MiB ends where mem_upper says");
            check(starts((const char *)m->boot_loader_name, "kimage "), "boot loader name is kimage VERSION");
            check_sections(m->syms_num, m->syms_size, m->syms_shndx, (const uint8_t *)m->syms_addr);
        #ifdef EXPECT_FRAMEBUFFER
            check(m->fb_addr == 0xB8000 && m->fb_type == 2 && m->fb_width == 80 && m->fb_height == 25 && m->fb_pitch == 160,
                  "EGA text framebuffer");
        #endif
            if (failures) { puts_("FAILED\\n"); exit_(1); }
            puts_("PASS\\n");
            exit_(0x10);
        }
        """

    static let mb2Entry = """
        bits 32
        section .multiboot
        align 8
        mb2_header:
            dd 0xE85250D6, 0, mb2_end - mb2_header, -(0xE85250D6 + (mb2_end - mb2_header))
            align 8
            dw 1, 0                     ; information request, required
            dd 8 + 4 * 8
            dd 1, 2, 3, 4, 6, 9, 14, 8
            align 8
            dw 1, 1                     ; optional: SMBIOS, new ACPI
            dd 8 + 4 * 2
            dd 13, 15
            align 8
            dw 4, 0                     ; console flags: EGA text supported
            dd 12, 2
            align 8
            dw 6, 0                     ; module alignment
            dd 8
            align 8
            dw 0, 0                     ; end
            dd 8
        mb2_end:
        section .text
        global _start
        extern kmain2
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
            call kmain2
            test eax, eax
            jnz .fail
            ; Long mode, by the kernel itself: identity-map 1 GiB with 2 MiB pages.
            mov edi, pd
            mov eax, 0x83
            mov ecx, 512
        .pd:
            mov [edi], eax
            mov dword [edi + 4], 0
            add eax, 0x200000
            add edi, 8
            loop .pd
            mov dword [pdpt], pd + 3
            mov dword [pml4], pdpt + 3
            mov eax, cr4
            or eax, 0x20
            mov cr4, eax
            mov eax, pml4
            mov cr3, eax
            mov ecx, 0xC0000080
            rdmsr
            or eax, 0x100
            wrmsr
            mov eax, cr0
            or eax, 0x80000000
            mov cr0, eax
            lgdt [gdt64_ptr]
            jmp 0x08:long64
        .fail:
            mov dx, 0xF4
            mov eax, 1
            out dx, eax
            cli
            hlt
        bits 64
        long64:
            lea rsi, [rel msg]
            mov dx, 0x3F8
        .putc:
            lodsb
            test al, al
            jz .done
            out dx, al
            jmp .putc
        .done:
            mov dx, 0xF4
            mov eax, 0x10
            out dx, eax
            cli
            hlt
        msg: db "long mode reached", 10, "PASS", 10, 0
        bits 32
        section .data
        align 8
        gdt64:
            dq 0
            dq 0x00AF9A000000FFFF
        gdt64_ptr:
            dw 15
            dd gdt64
        section .bss
        align 4096
        pml4: resb 4096
        pdpt: resb 4096
        pd: resb 4096
        stack: resb 16384
        stack_top:
        global entry_state
        entry_state: resd 9
        """

    static let mb2C = """
        struct tag { uint32_t type, size; };

        static int rsdp_ok(const uint8_t *r, uint32_t n) {
            uint8_t sum = 0;
            for (uint32_t i = 0; i < n; i++) sum += r[i];
            return starts((const char *)r, "RSD PTR ") && sum == 0;
        }

        int kmain2(uint8_t *mbi) {
            puts_("multiboot2 fixture\\n");
            check_machine(0x36D76289);
            check(((uint32_t)mbi & 7) == 0, "MBI2 is 8-aligned");
            uint32_t total = *(uint32_t *)mbi;
            int seen[32] = {0};
            uint32_t lower = 0, upper = 0, ends = 0;
            int walked = 1;
            uint8_t *p = mbi + 8;
            uint8_t *mmap = 0;
            while (p < mbi + total) {
                struct tag *t = (struct tag *)p;
                if (((uint32_t)p & 7) || t->size < 8) { walked = 0; break; }
                if (t->type < 32) seen[t->type]++;
                puts_("  tag "); puthex(t->type); puts_(" size "); puthex(t->size); putc_('\\n');
                uint32_t *w = (uint32_t *)(p + 8);
                switch (t->type) {
                case 1: puts_("  cmdline \\""); puts_((char *)w); puts_("\\"\\n");
                        check(contains((char *)w, expected_cmdline), "command line tag"); break;
                case 2: check(starts((char *)w, "kimage "), "boot loader name tag"); break;
                case 3: check_module(w[0], w[1], (const char *)&w[2]); break;
                case 4: lower = w[0]; upper = w[1]; check_memory(lower, upper); break;
                case 6: check(w[0] == 24 && w[1] == 0, "memory map: entry_size 24, version 0"); mmap = p; break;
                case 8: check(*(uint64_t *)w == 0xB8000 && p[8 + 21] == 2 && w[3] == 80 && w[4] == 25, "EGA text framebuffer tag"); break;
                case 9: check_sections(w[0], w[1], w[2], (const uint8_t *)&w[3]);
                        check(w[1] == 64, "ELF sections: 64-byte headers of an ELF64 file"); break;
                case 13: {
                    // Multiboot2 §3.6.15: u8 major, u8 minor, 6 reserved, then the entry point (GRUB copies it whole).
                    uint8_t *ep = p + 16;
                    int three = starts((char *)ep, "_SM3_");
                    uint8_t len = three ? ep[6] : ep[5], sum = 0;
                    for (int i = 0; i < len; i++) sum += ep[i];
                    int reserved = 0;
                    for (int i = 10; i < 16; i++) reserved |= p[i];
                    check(starts((char *)ep, "_SM") && sum == 0 && t->size == 16u + len, "SMBIOS tag holds the whole entry point, checksum right");
                    check(p[8] == (three ? ep[7] : ep[6]) && p[9] == (three ? ep[8] : ep[7]) && !reserved, "SMBIOS tag: major and minor from the entry point, reserved 0");
                    break;
                }
                case 14: check(t->size == 28 && rsdp_ok((uint8_t *)w, 20), "ACPI old RSDP tag: signature and checksum"); break;
                case 15: check(rsdp_ok((uint8_t *)w, 36), "ACPI new RSDP tag: signature and checksum"); break;
                case 0: ends++; check(t->size == 8 && p + 8 == mbi + total, "end tag closes total_size"); break;
                }
                p += (t->size + 7) & ~7u;
            }
            check(walked && ends == 1, "every tag 8-aligned, one end tag");
            check(seen[1] == 1 && seen[2] == 1 && seen[4] == 1 && seen[6] == 1 && seen[9] == 1, "cmdline, name, meminfo, mmap, ELF sections given");
            check(seen[14] == 1, "ACPI old RSDP found (SeaBIOS publishes revision 0)");
            check(seen[13] == 1, "SMBIOS entry point found (SeaBIOS publishes _SM_)");
        #ifdef EXPECT_INITRD_SIZE
            check(seen[3] == 1, "one module tag");
        #else
            check(seen[3] == 0, "no module tag without an initrd");
        #endif
            check(seen[8] == 1, "framebuffer tag (asked for)");
            if (mmap) {
                int ram = 0;
                uint32_t size = ((struct tag *)mmap)->size;
                for (uint32_t o = 16; o + 24 <= size; o += 24) {
                    uint64_t *e = (uint64_t *)(mmap + o);
                    if (ram_entry_ok(e[0], e[1], (uint32_t)e[2], upper)) ram = 1;
                }
                check(ram, "memory map: the RAM from 1 MiB ends where mem_upper says");
            }
            if (failures) puts_("FAILED\\n");
            return failures;
        }
        """

    static let higherHalfSource = """
        bits 32
        KERNEL_VMA equ 0xC0000000
        section .multiboot
        align 4
            dd 0x1BADB002, 3, -(0x1BADB002 + 3)
        section .text
        global start
        start:                                  ; entered at its physical address, paging off
            mov [entry_cs - KERNEL_VMA], cs
            mov [entry_magic - KERNEL_VMA], eax
            ; Page directory: 4 MiB pages, identity and at 0xC0000000.
            mov dword [page_dir - KERNEL_VMA], 0x83
            mov dword [page_dir - KERNEL_VMA + (KERNEL_VMA >> 22) * 4], 0x83
            mov eax, cr4
            or eax, 0x10                        ; PSE
            mov cr4, eax
            mov eax, page_dir - KERNEL_VMA
            mov cr3, eax
            mov eax, cr0
            or eax, 0x80000000
            mov cr0, eax
            lea eax, [high]
            jmp eax
        high:
            mov esp, stack_top
            ; Its own GDT, with the same selectors as QEMU's, and NO segment register reload:
            ; this works only when the loader left CS = 0x08 and data = 0x10.
            lgdt [gdt_ptr]
            ; IDT: vector 0x30 only.
            mov eax, isr
            mov [idt + 0x30 * 8], ax
            mov word [idt + 0x30 * 8 + 2], 0x08
            mov word [idt + 0x30 * 8 + 4], 0x8E00
            shr eax, 16
            mov [idt + 0x30 * 8 + 6], ax
            lidt [idt_ptr]
            int 0x30                            ; iret reloads CS from what the CPU pushed
            cmp dword [entry_magic], 0x2BADB002
            jne fail
            cmp word [entry_cs], 0x08
            jne fail
            cmp dword [isr_ran], 1
            jne fail
            mov esi, msg
        .putc:
            lodsb
            test al, al
            jz .done
            mov dx, 0x3F8
            out dx, al
            jmp .putc
        .done:
            mov dx, 0xF4
            mov eax, 0x10
            out dx, eax
        fail:
            mov esi, fail_msg
            mov dx, 0x3F8
        .f:
            lodsb
            test al, al
            jz .halt
            out dx, al
            jmp .f
        .halt:
            cli
            hlt
            jmp .halt
        isr:
            mov dword [isr_ran], 1
            iretd
        msg: db "higher-half multiboot fixture: paging on, interrupt taken with the loader's CS", 10, "PASS", 10, 0
        fail_msg: db "FAILED", 10, 0
        section .data
        align 8
        gdt:
            dq 0
            dq 0x00CF9A000000FFFF               ; 0x08 code
            dq 0x00CF92000000FFFF               ; 0x10 data
        gdt_ptr:
            dw 23
            dd gdt
        idt_ptr:
            dw 0x31 * 8 - 1
            dd idt
        section .bss
        align 4096
        page_dir: resb 4096
        idt: resb 0x31 * 8
        entry_cs: resd 1
        entry_magic: resd 1
        isr_ran: resd 1
        align 16
        stack: resb 8192
        stack_top:
        """
}
