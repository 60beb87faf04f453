/* The multiboot EFI fixtures' helpers: COM1 output, checks, the entry state the entry code saved,
 * and what both kernels check of the RAM a memory map calls usable and of a GOP framebuffer.
 * Defines: EXPECT_CMDLINE (a string), EXPECT_RAM_MB (-m), EXPECT_UEFI (1: started by UEFI). */
#include <stdint.h>
static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static void putc_(char c) { while (!(inb(0x3FD) & 0x20)) {} outb(0x3F8, (uint8_t)c); }
static void puts_(const char *s) { while (*s) putc_(*s++); }
static void puthex(uint64_t v) { puts_("0x"); for (int i = 60; i >= 0; i -= 4) putc_("0123456789abcdef"[(v >> i) & 0xF]); }
static void exit_(uint32_t code) { outl(0xF4, code); for (;;) __asm__ volatile("cli; hlt"); }
static int failures;
static void check(int ok, const char *what) { puts_(ok ? "ok " : "FAIL "); puts_(what); putc_('\n'); if (!ok) failures++; }
static int starts(const char *s, const char *p) { while (*p) if (*s++ != *p++) return 0; return 1; }
static int contains(const char *hay, const char *needle) {
    for (; *hay; hay++) if (starts(hay, needle)) return 1;
    return !*needle;
}
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

static const uint64_t ram = (uint64_t)EXPECT_RAM_MB << 20;
static void check_usable(uint64_t usable, const char *what) {
    puts_("  "); puts_(what); puts_(" usable "); puthex(usable); putc_('\n');
    /* OVMF keeps a few MiB of -m for itself (reserved, ACPI, NVS, runtime services). */
    check(usable <= ram && usable >= ram - (ram >> 3), what);
}
static void check_framebuffer(uint64_t addr, uint32_t pitch, uint32_t width, uint32_t height, uint8_t bpp, uint8_t type,
                              const uint8_t *colour) {
    puts_("  framebuffer "); puthex(addr); puts_(" "); puthex(width); puts_("x"); puthex(height);
    puts_(" pitch "); puthex(pitch); puts_(" bpp "); puthex(bpp); puts_(" type "); puthex(type); putc_('\n');
    puts_("  colour"); for (int i = 0; i < 6; i++) { putc_(' '); puthex(colour[i]); } putc_('\n');
    check(type == 1 && bpp == 32, "GOP framebuffer: type 1 (RGB), 32 bits per pixel");
    check(addr != 0 && width != 0 && height != 0 && pitch >= width * 4, "GOP framebuffer: address, width, height, pitch");
    int positions = (1 << colour[0]) | (1 << colour[2]) | (1 << colour[4]);
    check(colour[1] == 8 && colour[3] == 8 && colour[5] == 8 && positions == 0x10101, "GOP framebuffer: 8-bit red, green, blue at 0, 8, 16");
}
static void finish(void) {
    if (failures) { puts_("FAILED\n"); exit_(1); }
    puts_("PASS\n");
    exit_(0x10);
}
