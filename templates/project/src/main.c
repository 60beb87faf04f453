/* A kernel made by `kimage init`: prints what kimage pack's boot code handed it, shows the
 * redirect in redirects.txt at work, and ends QEMU through the isa-debug-exit device. */
#include <stddef.h>
#include <stdint.h>
#include <kimage/bootinfo.h>

#define COM1 0x3F8
#define DEBUG_EXIT_PORT 0xF4
#define EXIT_SUCCESS_CODE 0x10 /* QEMU exits with (0x10 << 1) | 1 = 33: what make run expects */
#define EXIT_FAILURE_CODE 0x11

static inline void outb(uint16_t port, uint8_t value) {
    __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint8_t inb(uint16_t port) {
    uint8_t value;
    __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

static inline void outl(uint16_t port, uint32_t value) {
    __asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port));
}

static void serial_init(void) {
    outb(COM1 + 1, 0x00); /* no interrupts */
    outb(COM1 + 3, 0x80); /* DLAB on */
    outb(COM1 + 0, 0x01); /* 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); /* 8N1, DLAB off */
    outb(COM1 + 2, 0xC7); /* FIFO on */
}

static void serial_putc(char c) {
    while ((inb(COM1 + 5) & 0x20) == 0) {
    }
    outb(COM1, (uint8_t)c);
}

/* The redirect target. noipa: gcc must neither inline nor clone it, so calls go to its symbol. */
__attribute__((noipa)) void serial_puts(const char *s) {
    while (*s) serial_putc(*s++);
}

static void put_hex(uint64_t value) {
    static const char digits[] = "0123456789abcdef";
    char text[19] = "0x";
    for (int i = 0; i < 16; i++) text[2 + i] = digits[(value >> (60 - 4 * i)) & 0xF];
    text[18] = 0;
    serial_puts(text);
}

static void put_dec(uint64_t value) {
    char text[21];
    int i = 20;
    text[i] = 0;
    do {
        text[--i] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    serial_puts(&text[i]);
}

static __attribute__((noreturn)) void qemu_exit(uint32_t code) {
    outl(DEBUG_EXIT_PORT, code);
    for (;;) __asm__ volatile("cli; hlt");
}

/* redirects.txt sends every call here to serial_puts: rt0 ran kimage_install_redirects, which
 * wrote a jump over this function's first bytes. Reaching this body means it did not. */
__attribute__((noipa)) void legacy_puts(const char *s) {
    serial_puts("legacy_puts was not redirected: ");
    serial_puts(s);
    qemu_exit(EXIT_FAILURE_CODE);
}

void kmain(const struct kimage_bootinfo *info, unsigned long magic) {
    serial_init();
    serial_puts("hello from an {{arch}} kernel ({{layout}} layout), packed by kimage\n");
    if (magic != KIMAGE_ENTRY_MAGIC || info->magic != KIMAGE_BOOTINFO_MAGIC) {
        serial_puts("no kimage boot info: entry magic ");
        put_hex(magic);
        serial_puts("\n");
        qemu_exit(EXIT_FAILURE_CODE);
    }
    serial_puts("boot info version ");
    put_dec(info->version);
    serial_puts(", command line \"");
    serial_puts((const char *)(uintptr_t)info->cmdline);
    serial_puts("\"\n");
    serial_puts("kernel at ");
    put_hex(info->kernel_start);
    serial_puts("..");
    put_hex(info->kernel_end);
    serial_puts(", page tables at ");
    put_hex(info->page_tables);
    serial_puts(" (cr3 ");
    put_hex(info->cr3);
    serial_puts(")\n");
    const struct kimage_e820_entry *e820 = (const struct kimage_e820_entry *)(uintptr_t)info->e820;
    uint64_t usable = 0;
    for (uint32_t i = 0; i < info->e820_count; i++) {
        if (e820[i].type == 1) usable += e820[i].size;
    }
    serial_puts("memory map: ");
    put_dec(info->e820_count);
    serial_puts(" entries, ");
    put_dec(usable >> 10);
    serial_puts(" KiB usable\n");
    legacy_puts("legacy_puts -> serial_puts: redirect installed at boot\n");
    qemu_exit(EXIT_SUCCESS_CODE);
}
