/* examples/hello: prints the boot info kimage pack's boot code handed over, the redirect table
 * kimage redirect filled, and proves both kinds of redirect:
 *   legacy_puts -> serial_puts  installed at boot by rt0 from .goredirectstbl (redirects.txt)
 *   old_banner  -> new_banner   written into the kernel file by kimage redirect --patch (patched.txt)
 * then ends QEMU through the isa-debug-exit device. */
#include <stddef.h>
#include <stdint.h>
#include <kimage/bootinfo.h>

#define COM1 0x3F8
#define DEBUG_EXIT_PORT 0xF4
#define EXIT_SUCCESS_CODE 0x10 /* QEMU exits with (0x10 << 1) | 1 = 33: what make run expects */
#define EXIT_FAILURE_CODE 0x11

/* Defined by linker.ld around the two tables. */
extern const uint64_t __kimage_redirects_start[], __kimage_redirects_end[];
extern const uint64_t __kimage_patched_start[], __kimage_patched_end[];

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

/* Redirect targets. noipa: gcc must neither inline nor clone them, so calls go to the symbols. */
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

static void put_byte(uint8_t value) {
    static const char digits[] = "0123456789abcdef";
    char text[3] = {digits[value >> 4], digits[value & 0xF], 0};
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

static void put_range(const char *what, uint64_t start, uint64_t size) {
    serial_puts(what);
    if (start == 0 && size == 0) {
        serial_puts("none\n");
        return;
    }
    put_hex(start);
    serial_puts("..");
    put_hex(start + size);
    serial_puts(" (");
    put_dec(size);
    serial_puts(" bytes)\n");
}

static __attribute__((noreturn)) void qemu_exit(uint32_t code) {
    outl(DEBUG_EXIT_PORT, code);
    for (;;) __asm__ volatile("cli; hlt");
}

static __attribute__((noreturn)) void fail(const char *why) {
    serial_puts("FAIL: ");
    serial_puts(why);
    serial_puts("\n");
    qemu_exit(EXIT_FAILURE_CODE);
}

/* redirects.txt sends every call here to serial_puts, at boot. */
__attribute__((noipa)) void legacy_puts(const char *s) {
    serial_puts("legacy_puts ran its own body: ");
    serial_puts(s);
    fail("the run-time redirect was not installed");
}

/* patched.txt sends every call here to new_banner, in the kernel file. */
__attribute__((noipa)) void old_banner(void) {
    serial_puts("old_banner ran its own body\n");
    fail("old_banner ran its own body: the build-time redirect is missing");
}

__attribute__((noipa)) void new_banner(void) {
    serial_puts("build-time redirect: old_banner -> new_banner, written by kimage redirect --patch\n");
}

static const char *e820_type(uint32_t type) {
    switch (type) {
    case 1: return "usable";
    case 2: return "reserved";
    case 3: return "ACPI reclaimable";
    case 4: return "ACPI NVS";
    case 5: return "unusable";
    default: return "other";
    }
}

/* Prints a table's (src, dst) entries and the first bytes at each src: the trampoline. */
static void show_table(const char *name, const uint64_t *start, const uint64_t *end) {
    serial_puts(name);
    serial_puts(": ");
    put_dec((uint64_t)(end - start) / 2);
    serial_puts(" entr");
    serial_puts((end - start) / 2 == 1 ? "y\n" : "ies\n");
    for (const uint64_t *e = start; e < end; e += 2) {
        serial_puts("  ");
        put_hex(e[0]);
        serial_puts(" -> ");
        put_hex(e[1]);
        serial_puts(", src begins");
        const uint8_t *code = (const uint8_t *)(uintptr_t)e[0];
        for (int i = 0; i < 14; i++) {
            serial_puts(" ");
            put_byte(code[i]);
        }
        serial_puts("\n");
    }
}

void kmain(const struct kimage_bootinfo *info, unsigned long magic) {
    serial_init();
    serial_puts("examples/hello: an x86_64 kernel at ");
    put_hex((uint64_t)(uintptr_t)&kmain);
    serial_puts(" (kmain), packed by kimage\n");
    if (magic != KIMAGE_ENTRY_MAGIC) fail("entry magic is not KIMAGE_ENTRY_MAGIC");
    if (info->magic != KIMAGE_BOOTINFO_MAGIC) fail("boot info magic is not KIMG");
    if (info->version != KIMAGE_BOOTINFO_VERSION) fail("unexpected boot info version");

    serial_puts("boot info at ");
    put_hex((uint64_t)(uintptr_t)info);
    serial_puts(", version ");
    put_dec(info->version);
    serial_puts(", loader type ");
    put_hex(info->loader_type);
    serial_puts("\n");
    serial_puts("command line: \"");
    serial_puts((const char *)(uintptr_t)info->cmdline);
    serial_puts(info->flags & KIMAGE_BIF_CMDLINE_FROM_LOADER ? "\" (from the boot loader)\n" : "\" (from kimage pack --cmdline)\n");

    const struct kimage_e820_entry *e820 = (const struct kimage_e820_entry *)(uintptr_t)info->e820;
    uint64_t usable = 0;
    serial_puts("memory map: ");
    put_dec(info->e820_count);
    serial_puts(" entries\n");
    for (uint32_t i = 0; i < info->e820_count; i++) {
        serial_puts("  ");
        put_hex(e820[i].addr);
        serial_puts("..");
        put_hex(e820[i].addr + e820[i].size);
        serial_puts(" ");
        serial_puts(e820_type(e820[i].type));
        serial_puts("\n");
        if (e820[i].type == 1) usable += e820[i].size;
    }
    serial_puts("  ");
    put_dec(usable >> 20);
    serial_puts(" MiB usable\n");

    /* Started by UEFI firmware (make run-uefi): what the EFI stub collected before it exited boot services. */
    if (info->flags & KIMAGE_BIF_UEFI) {
        const struct kimage_bootinfo_uefi *u = kimage_bootinfo_uefi((struct kimage_bootinfo *)info);
        if (!u->efi_system_table || *(const uint64_t *)(uintptr_t)u->efi_system_table != 0x5453595320494249ull)
            fail("UEFI flag set but the EFI system table has no \"IBI SYST\" signature");
        const char *rsdp = (const char *)(uintptr_t)u->acpi_rsdp;
        if (!rsdp || rsdp[0] != 'R' || rsdp[1] != 'S' || rsdp[2] != 'D' || rsdp[3] != ' ' || rsdp[4] != 'P')
            fail("UEFI flag set but no ACPI RSDP (\"RSD PTR \")");
        serial_puts("UEFI: system table ");
        put_hex(u->efi_system_table);
        serial_puts(", EFI memory map ");
        put_dec(u->efi_memdesc_size ? u->efi_memmap_size / u->efi_memdesc_size : 0);
        serial_puts(" descriptors, ACPI RSDP at ");
        put_hex(u->acpi_rsdp);
        serial_puts("\n");
        if (u->framebuffer) {
            serial_puts("UEFI: GOP framebuffer ");
            put_dec(u->fb_width);
            serial_puts("x");
            put_dec(u->fb_height);
            serial_puts(", ");
            put_dec(u->fb_pitch);
            serial_puts(" bytes per line, at ");
            put_hex(u->framebuffer);
            serial_puts("\n");
        }
    }

    put_range("image:       ", info->image, info->image_size);
    put_range("kernel:      ", info->kernel_start, info->kernel_end - info->kernel_start);
    put_range("loader ELF:  ", info->loader_elf, info->loader_elf_size);
    put_range("page tables: ", info->page_tables, info->page_tables_size);
    serial_puts("cr3:         ");
    put_hex(info->cr3);
    serial_puts("\nboot stack:  top at ");
    put_hex(info->stack_top);
    serial_puts("\nfirst free:  ");
    put_hex(info->first_free);
    serial_puts("\n");

    if (info->loader_elf != 0) {
        const uint8_t *elf = (const uint8_t *)(uintptr_t)info->loader_elf;
        if (elf[0] != 0x7F || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F') fail("the loader ELF has no ELF magic");
        serial_puts("loader ELF starts with 7f 45 4c 46, as an ELF does\n");
    }

    show_table(".goredirectstbl (installed at boot)", __kimage_redirects_start, __kimage_redirects_end);
    show_table(".kimage.patched (written at build time)", __kimage_patched_start, __kimage_patched_end);
    legacy_puts("run-time redirect: legacy_puts -> serial_puts, installed at boot by kimage_install_redirects\n");
    old_banner();
    serial_puts("hello: all checks passed\n");
    qemu_exit(EXIT_SUCCESS_CODE);
}
