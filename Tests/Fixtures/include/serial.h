/* The C fixture kernels' COM1 output and checks (multiboot/, multiboot-efi/, linux/): each check
 * prints an "ok "/"FAIL " line the tests read, and finish() ends the run through isa-debug-exit
 * with 0x10 when every check passed, 1 otherwise (QEMU exits (code << 1) | 1). */
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
static int streq(const char *a, const char *b) { while (*a && *a == *b) { a++; b++; } return *a == *b; }
static void finish(void) {
    if (failures) { puts_("FAILED\n"); exit_(1); }
    puts_("PASS\n");
    exit_(0x10);
}
