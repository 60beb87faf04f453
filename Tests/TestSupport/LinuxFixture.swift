import Foundation

/// Kernels for the Linux 64-bit handoff and the Go linker's header page, built at test time.
public enum LinuxFixture {
    /// Fixture (d): an ELF64 laid out like a vmlinux (text at 0xffffffff81000000 / paddr 16 MiB,
    /// e_entry the physical startup_64, a percpu segment at vaddr 0, a "Linux" build-salt note).
    /// Its startup code runs where it was loaded, identity-mapped, as Linux's startup_64 does,
    /// and checks the Linux 64-bit contract the way head_64.S, head64.c and setup.c read it; it
    /// prints "ok"/"FAIL" lines on COM1 and exits through isa-debug-exit with 0x10 on success.
    public static func vmlinux(in dir: TemporaryDirectory, cmdline: String, ramMB: Int, initrdSize: Int?,
                               withLinuxNote: Bool = true, name: String = "vmlinux") throws -> String {
        var defines = ["-DEXPECT_CMDLINE=\"\(cmdline)\"", "-DEXPECT_RAM_MB=\(ramMB)"]
        if let n = initrdSize { defines.append("-DEXPECT_INITRD_SIZE=\(n)") }
        let c = try Toolchain.gcc(vmlinuxC, in: dir, name: name + "-main", flags: [
            "-m64", "-O2", "-ffreestanding", "-fpie", "-fno-plt", "-fvisibility=hidden", "-mno-red-zone",
            "-mgeneral-regs-only", "-fno-stack-protector", "-fno-asynchronous-unwind-tables", "-fno-jump-tables",
        ] + defines)
        let note = withLinuxNote ? """
            section .notes progbits alloc noexec nowrite align=4
                dd 6, 4, 0x100              ; "Linux", LINUX_ELFNOTE_BUILD_SALT (include/linux/build-salt.h)
                db "Linux", 0, 0, 0
                db "kim", 0
            """ : """
            section .notes progbits alloc noexec nowrite align=4
                dd 4, 4, 3                  ; "GNU", NT_GNU_BUILD_ID: not a Linux marker
                db "GNU", 0
                db "kim", 0
            """
        let entry = try Toolchain.nasm(vmlinuxEntry + "\n" + note, in: dir, name: name + "-entry")
        return try Toolchain.ld([entry, c], script: vmlinuxScript, in: dir, output: name + ".elf",
                                extra: ["-z", "max-page-size=4096", "--no-warn-rwx-segments"])
    }

    static let vmlinuxScript = """
        ENTRY(phys_startup_64)
        PHDRS { text PT_LOAD FLAGS(5); data PT_LOAD FLAGS(6); percpu PT_LOAD FLAGS(6); init PT_LOAD FLAGS(7); note PT_NOTE FLAGS(4); }
        SECTIONS {
          . = 0xffffffff81000000;
          .text : AT(ADDR(.text) - 0xffffffff80000000) { *(.text*) } :text
          .notes : AT(ADDR(.notes) - 0xffffffff80000000) { *(.notes) } :text :note
          . = ALIGN(0x1000);
          .data : AT(ADDR(.data) - 0xffffffff80000000) { *(.data) *(.data.rel*) *(.rodata*) } :data
          . = ALIGN(0x1000);
          __percpu_load = .;
          .data..percpu 0 : AT(__percpu_load - 0xffffffff80000000) { *(.data..percpu) } :percpu
          . = __percpu_load + SIZEOF(.data..percpu);
          . = ALIGN(0x1000);
          .bss : AT(ADDR(.bss) - 0xffffffff80000000) { *(.bss*) *(COMMON) } :init
          /DISCARD/ : { *(.comment) *(.eh_frame*) *(.note.GNU-stack) *(.note.gnu*) *(.got*) *(.dynamic) *(.dynsym) *(.dynstr) *(.hash) *(.gnu.hash) *(.interp) }
        }
        phys_startup_64 = startup_64 - 0xffffffff80000000;
        percpu_load = __percpu_load - 0xffffffff80000000;
        """

    static let vmlinuxEntry = """
        bits 64
        default rel
        section .text
        global startup_64
        extern kmain
        extern percpu_load
        ; Records the state the loader left before touching anything, then runs kmain on its own stack.
        startup_64:
            lea r8, [rel entry_state]
            mov ax, cs
            movzx eax, ax
            mov [r8], rax
            mov ax, ds
            movzx eax, ax
            mov [r8 + 8], rax
            mov ax, es
            movzx eax, ax
            mov [r8 + 16], rax
            mov ax, ss
            movzx eax, ax
            mov [r8 + 24], rax
            mov r9, rdx
            mov ecx, 0xC0000080
            rdmsr
            shl rdx, 32
            or rax, rdx
            mov [r8 + 32], rax
            pushfq
            pop rax
            mov [r8 + 40], rax
            lea rax, [rel startup_64]
            mov [r8 + 48], rax
            mov rax, cr4
            mov [r8 + 56], rax
            lea rsp, [rel stack_top]
            mov rdi, rsi
            mov rsi, r8
            mov rdx, percpu_load
            call kmain
        .halt:
            cli
            hlt
            jmp .halt

        section .data..percpu progbits alloc noexec write align=8
            dq 0x31555043ED0C5045           ; checked at its physical address

        section .bss nobits alloc noexec write align=16
        entry_state: resq 8
            resb 16384
        stack_top:
        """

    static let vmlinuxC = """
        /* Fixture (d): reads boot_params the way Linux's early code does (head64.c copy_bootdata,
           bootparam_utils.h sanitize_boot_params, setup.c, e820.c). Offsets: bootparam.h. */
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
        static int contains(const char *hay, const char *needle) {
            for (; *hay; hay++) { const char *h = hay, *n = needle; while (*n && *h == *n) { h++; n++; } if (!*n) return 1; }
            return !*needle;
        }
        #define U8(o) (*(volatile uint8_t *)(bp + (o)))
        #define U16(o) (*(volatile uint16_t *)(bp + (o)))
        #define U32(o) (*(volatile uint32_t *)(bp + (o)))
        #define U64(o) (*(volatile uint64_t *)(bp + (o)))

        struct entry_state { uint64_t cs, ds, es, ss, efer, rflags, rip, cr4; };
        static volatile uint64_t data_word = 0x0123456789ABCDEFull;
        static volatile uint8_t big_bss[3 * 4096 + 77];
        static const char expected_cmdline[] = EXPECT_CMDLINE;

        __attribute__((visibility("default"))) void kmain(const uint8_t *bp, const struct entry_state *s, uint64_t percpu) {
            puts_("linux handoff fixture\\n");
            puts_("  cs "); puthex(s->cs); puts_(" ds "); puthex(s->ds); puts_(" rip "); puthex(s->rip); puts_(" rsi "); puthex((uintptr_t)bp); putc_('\\n');
            check(s->cs == 0x10, "CS is __BOOT_CS 0x10");
            check(s->ds == 0x18 && s->es == 0x18 && s->ss == 0x18, "DS, ES, SS are __BOOT_DS 0x18");
            check((s->efer >> 10 & 1) && (s->efer >> 8 & 1), "long mode (EFER.LME and LMA)");
            check(!(s->rflags & 0x200), "interrupts off");
            check(s->rip == 0x1000000, "entered at the physical e_entry 0x1000000 (identity-mapped)");
            check(!(s->cr4 >> 12 & 1), "CR4.LA57 clear: 4-level paging");
            check(bp && ((uintptr_t)bp & 0xFFF) == 0 && (uintptr_t)bp < 0x100000000ull, "rsi is a page of its own below 4 GiB");
            check(data_word == 0x0123456789ABCDEFull, "data segment copied to its p_paddr");
            int zero = 1;
            for (unsigned i = 0; i < sizeof big_bss; i++) if (big_bss[i]) zero = 0;
            check(zero, "bss is zero");
            check(*(volatile uint64_t *)(uintptr_t)percpu == 0x31555043ED0C5045ull, "percpu segment (p_vaddr 0) loaded at its p_paddr");
            check(U8(0x1EF) == 0, "sentinel is 0 (sanitize_boot_params keeps every field)");
            check(U32(0x23C) == 0, "hardware_subarch is 0 (PC)");
            check(!(U8(0x211) & 2), "loadflags KASLR_FLAG clear");
            puts_("  version "); puthex(U16(0x206)); puts_(" type_of_loader "); puthex(U8(0x210)); putc_('\\n');
            check(U16(0x206) >= 0x020C, "version is set (x86_64_start_reservations copies nothing twice)");
            check(U8(0x210) != 0, "type_of_loader is set (setup.c ignores the initrd when it is 0)");
            check(U64(0x250) == 0, "setup_data is empty");
            /* e820: e820__memory_setup_default wants at least 2 entries. */
            unsigned n = U8(0x1E8);
            uint64_t top = 0; int low = 0;
            for (unsigned i = 0; i < n && i < 128; i++) {
                const uint8_t *e = bp + 0x2D0 + 20 * i;
                uint64_t addr = *(const uint64_t *)e, size = *(const uint64_t *)(e + 8);
                uint32_t type = *(const uint32_t *)(e + 16);
                if (type != 1) continue;
                if (addr <= 0x100000 && addr + size > 0x100000) low = 1;
                if (addr + size > top && addr < 0x100000000ull) top = addr + size;
            }
            puts_("  e820_entries "); puthex(n); puts_(" top of RAM below 4 GiB "); puthex(top); putc_('\\n');
            check(n >= 2 && low && top <= (uint64_t)EXPECT_RAM_MB << 20 && top >= ((uint64_t)EXPECT_RAM_MB - 2) << 20, "e820_table matches -m");
            uint64_t cl = U32(0x228) | (uint64_t)U32(0xC8) << 32;
            check(cl != 0, "cmd_line_ptr is set");
            if (cl) { puts_("  cmdline \\""); puts_((const char *)(uintptr_t)cl); puts_("\\"\\n"); }
            check(cl && contains((const char *)(uintptr_t)cl, expected_cmdline), "command line");
            uint64_t rd = U32(0x218) | (uint64_t)U32(0xC0) << 32, rs = U32(0x21C) | (uint64_t)U32(0xC4) << 32;
            puts_("  ramdisk "); puthex(rd); puts_(" size "); puthex(rs); putc_('\\n');
        #ifdef EXPECT_INITRD_SIZE
            int same = rd && rs == EXPECT_INITRD_SIZE;
            for (uint64_t i = 0; same && i < rs; i++) if (((const uint8_t *)(uintptr_t)rd)[i] != (uint8_t)(i * 7 + 3)) same = 0;
            check(same, "ramdisk_image/size hold the initrd");
        #else
            check(rd == 0 && rs == 0, "no initrd");
        #endif
            if (failures) { puts_("FAILED\\n"); exit_(1); }
            puts_("PASS\\n");
            exit_(0x10);
        }
        """

    /// Fixture (e): an ELF64 laid out like `go build -ldflags "-T 0x100000"`: a first PT_LOAD at
    /// 0xff000 holding the ELF and program headers and a build-id note below 1 MiB, .text at
    /// 0x100000. Entered by kimage's own handoff, it checks its data and bss and exits 0x10.
    /// With `codeBelow1MiB`, a byte of .text lies below 1 MiB too (to be refused).
    public static func goHeaderPage(in dir: TemporaryDirectory, codeBelow1MiB: Bool = false) throws -> String {
        let obj = try Toolchain.nasm("""
            bits 64
            default rel
            section .note.go.buildid progbits alloc noexec nowrite align=4
                dd 4, 8, 4                  ; "Go", type 4: the Go linker's build ID note
                db "Go", 0, 0
                db "buildid!"
            section .lowtext progbits alloc exec nowrite align=1
                db 0x90
            section .text
            global _start
            _start:
                cmp esi, 0x6b696d67         ; kimage's entry magic
                jne fail
                cmp qword [data_word], 0x7E57DA7A
                jne fail
                lea rdi, [bss_start]
                mov ecx, 4096
            .zero:
                cmp byte [rdi], 0
                jne fail
                inc rdi
                dec ecx
                jnz .zero
                lea rsi, [msg_ok]
                mov eax, 0x10
                jmp out
            fail:
                lea rsi, [msg_fail]
                mov eax, 1
            out:
                mov ebx, eax
                mov dx, 0x3F8
            .put:
                lodsb
                test al, al
                jz .done
                out dx, al
                jmp .put
            .done:
                mov eax, ebx
                mov dx, 0xF4
                out dx, eax
                cli
                hlt
            section .data
            data_word: dq 0x7E57DA7A
            msg_ok: db "header page fixture: PASS", 10, 0
            msg_fail: db "header page fixture: FAIL", 10, 0
            section .bss
            bss_start: resb 4096
            """, in: dir, name: "gohp")
        let low = codeBelow1MiB ? ".lowtext : { *(.lowtext) } :text" : ""
        return try Toolchain.ld([obj], script: """
            ENTRY(_start)
            PHDRS { text PT_LOAD FILEHDR PHDRS FLAGS(5); data PT_LOAD FLAGS(6); note PT_NOTE FLAGS(4); }
            SECTIONS {
              . = 0x100000 - 0x1000 + SIZEOF_HEADERS;
              .note.go.buildid : { *(.note.go.buildid) } :text :note
              \(low)
              . = 0x100000;
              .text : { *(.text) } :text
              . = ALIGN(4096);
              .data : { *(.data) } :data
              .bss : { *(.bss) } :data
              /DISCARD/ : { *(.lowtext) }
            }
            """, in: dir, output: "gohp.elf", extra: ["-z", "max-page-size=4096"])
    }
}
