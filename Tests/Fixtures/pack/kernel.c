/* kimage pack fixture: checks what the setup stub promised, prints on COM1, exits via isa-debug-exit.
   Defines (PackFixture.build): NAME, VBASE, EXPECT_CMDLINE, EXPECT_RAM_MB, EXPECT_PAGING; optional
   EXPECT_INITRD_SIZE, EXPECT_LOADER_SIZE, CHECK_FAULT, CHECK_EMBEDDED_ELF, CHECK_RECURSIVE_SLOT,
   CHECK_LA57, CHECK_UEFI, UEFI_FROM_LOADER, CHECK_RELOCATED, BIG_BSS_SIZE, CHECK_MAP_VA/CHECK_MAP_PA. */
#include <stdint.h>
#include "kimage/bootinfo.h"

#ifndef VBASE
#error VBASE
#endif

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }

static void putc_(char c) { while (!(inb(0x3FD) & 0x20)) {} outb(0x3F8, (uint8_t)c); }
static void puts_(const char *s) { while (*s) putc_(*s++); }
static void puthex(uint64_t v) {
    puts_("0x");
    for (int i = 60; i >= 0; i -= 4) putc_("0123456789abcdef"[(v >> i) & 0xF]);
}
static void exit_(uint32_t code) { outl(0xF4, code); for (;;) __asm__ volatile("cli; hlt"); }

static int failures;
static void check(int ok, const char *what) {
    puts_(ok ? "ok " : "FAIL ");
    puts_(what);
    putc_('\n');
    if (!ok) failures++;
}

#ifndef BIG_BSS_SIZE
#define BIG_BSS_SIZE (3 * 4096 + 123)
#endif
static volatile uint8_t big_bss[BIG_BSS_SIZE];
static volatile uint32_t data_word = 0x12345678;
static const char expected_cmdline[] = EXPECT_CMDLINE;

static int contains(const char *hay, const char *needle) {
    for (; *hay; hay++) {
        const char *h = hay, *n = needle;
        while (*n && *h == *n) { h++; n++; }
        if (!*n) return 1;
    }
    return !*needle;
}

static uintptr_t here(void) {
#ifdef __x86_64__
    uintptr_t ip; __asm__ volatile("lea 0(%%rip), %0" : "=r"(ip)); return ip;
#else
    uintptr_t ip; __asm__ volatile("call 1f\n1: pop %0" : "=r"(ip)); return ip;
#endif
}

void pf_handler(uintptr_t cr2) {
    check(cr2 == (uintptr_t)&pf_handler, "writing read-only .text faults (#PF at the written address)");
    if (failures) { puts_("FAILED\n"); exit_(1); }
    puts_("PASS\n");
    exit_(0x10);
}
extern char pf_stub[];

struct __attribute__((packed)) idtr { uint16_t limit; uintptr_t base; };
#ifdef __x86_64__
static uint64_t idt[2 * 32];
#else
static uint64_t idt[32];
#endif

static void install_pf(void) {
    uintptr_t h = (uintptr_t)pf_stub;
#ifdef __x86_64__
    idt[2 * 14] = (h & 0xFFFF) | (0x08ull << 16) | (0x8Eull << 40) | (((uint64_t)h >> 16 & 0xFFFF) << 48);
    idt[2 * 14 + 1] = (uint64_t)h >> 32;
#else
    idt[14] = (h & 0xFFFF) | (0x10ull << 16) | (0x8Eull << 40) | (((uint64_t)h >> 16 & 0xFFFF) << 48);
#endif
    struct idtr r = { sizeof idt - 1, (uintptr_t)idt };
    __asm__ volatile("lidt %0" : : "m"(r));
}

void kmain(struct kimage_bootinfo *bi, uintptr_t magic) {
    puts_("kimage fixture " NAME "\n");
    check(magic == KIMAGE_ENTRY_MAGIC, "entry magic");
    uintptr_t ip = here();
    check(ip >= (uintptr_t)VBASE && ip - (uintptr_t)VBASE < 0x100000, "runs at its vaddr");
    puts_("  rip "); puthex(ip); putc_('\n');
    int zero = 1;
    for (unsigned i = 0; i < sizeof big_bss; i++) if (big_bss[i]) zero = 0;
    check(zero, "bss is zero");
    check(data_word == 0x12345678, "data segment copied");
    check(bi->magic == KIMAGE_BOOTINFO_MAGIC && bi->version == KIMAGE_BOOTINFO_VERSION, "boot info magic and version");
    check(bi->paging_mode == EXPECT_PAGING, "paging mode");
    const char *cl = (const char *)(uintptr_t)bi->cmdline;
    puts_("  cmdline \""); puts_(cl); puts_("\"\n");
    check(contains(cl, expected_cmdline), "command line");
    uint64_t top = 0; int low = 0;
    struct kimage_e820_entry *e = (struct kimage_e820_entry *)(uintptr_t)bi->e820;
    for (uint32_t i = 0; i < bi->e820_count; i++) {
        if (e[i].type != 1) continue;
        if (e[i].addr <= 0x100000 && e[i].addr + e[i].size > 0x100000) low = 1;
        if (e[i].addr + e[i].size > top) top = e[i].addr + e[i].size;
    }
    puts_("  e820 entries "); puthex(bi->e820_count); puts_(" top "); puthex(top); putc_('\n');
    check(low && top <= (uint64_t)EXPECT_RAM_MB << 20 && top >= ((uint64_t)EXPECT_RAM_MB - 2) << 20, "E820 covers the RAM");
#ifdef EXPECT_LOADER_SIZE
    const uint8_t *l = (const uint8_t *)(uintptr_t)bi->loader_elf;
    check(l && bi->loader_elf_size == EXPECT_LOADER_SIZE && l[0] == 0x7F && l[1] == 'E' && l[2] == 'L' && l[3] == 'F', "loader ELF");
#endif
#ifdef CHECK_EMBEDDED_ELF
    const uint8_t *k = (const uint8_t *)(uintptr_t)bi->kernel_elf;
    check(k && bi->kernel_elf_size > 0 && k[0] == 0x7F && k[1] == 'E' && k[2] == 'L' && k[3] == 'F'
          && k[4] == (sizeof(void *) == 8 ? 2 : 1), "embedded kernel ELF");
    puts_("  kernel ELF bytes "); puthex(bi->kernel_elf_size); putc_('\n');
#endif
#ifdef CHECK_RECURSIVE_SLOT
    {
        uint64_t r = CHECK_RECURSIVE_SLOT, va = r << 39 | r << 30 | r << 21 | r << 12;
        if (va & (1ull << 47)) va |= 0xFFFF000000000000ull;
        volatile uint64_t *pml4 = (volatile uint64_t *)(uintptr_t)va;
        check((pml4[CHECK_RECURSIVE_SLOT] & 0x000FFFFFFFFFF000ull) == bi->cr3, "recursive slot shows the PML4");
    }
#endif
#ifdef CHECK_LA57
    {
        uint64_t cr4;
        __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
        puts_("  cr4 "); puthex(cr4); putc_('\n');
        check((cr4 >> 12 & 1) == CHECK_LA57, CHECK_LA57 ? "CR4.LA57 is set" : "CR4.LA57 is clear");
    }
#endif
#ifdef CHECK_MAP_VA
    {
        volatile uint32_t *mapped = (volatile uint32_t *)(uintptr_t)CHECK_MAP_VA;
        volatile uint32_t *identity = (volatile uint32_t *)(uintptr_t)CHECK_MAP_PA;
        identity[0] = 0x6B6D6170u;
        check(mapped[0] == 0x6B6D6170u, "--map mapping reaches its physical page");
    }
#endif
#ifdef CHECK_UEFI
    {
        struct kimage_bootinfo_uefi *u = kimage_bootinfo_uefi(bi);
        check(bi->flags & KIMAGE_BIF_UEFI, "booted by UEFI");
        check(u->efi_system_table && *(volatile uint64_t *)(uintptr_t)u->efi_system_table == 0x5453595320494249ull,
              "EFI system table signature");
        const volatile char *rsdp = (const volatile char *)(uintptr_t)u->acpi_rsdp;
        check(rsdp && rsdp[0] == 'R' && rsdp[1] == 'S' && rsdp[2] == 'D' && rsdp[3] == ' ' && rsdp[4] == 'P', "ACPI RSDP");
        puts_("  rsdp "); puthex(u->acpi_rsdp); puts_(" smbios "); puthex(u->smbios); putc_('\n');
        check(u->efi_memmap && u->efi_memdesc_size >= 40 && u->efi_memmap_size >= u->efi_memdesc_size
              && u->efi_memmap_size % u->efi_memdesc_size == 0, "EFI memory map");
        puts_("  framebuffer "); puthex(u->framebuffer); puts_(" "); puthex(u->fb_width); puts_("x"); puthex(u->fb_height);
        putc_('\n');
#ifndef UEFI_FROM_LOADER
        check(u->framebuffer && u->fb_width && u->fb_height && u->fb_pitch >= u->fb_width * 4
              && u->framebuffer_size >= (uint64_t)u->fb_pitch * u->fb_height, "GOP framebuffer");
#else
        const volatile uint32_t *d = (const volatile uint32_t *)(uintptr_t)u->efi_memmap;
        check(d[0] < 16 && (d[6] | d[7]), "EFI memory map's first descriptor (type, pages)");
#endif
    }
#else
    check(!(bi->flags & KIMAGE_BIF_UEFI), "not booted by UEFI");
#endif
#ifdef CHECK_RELOCATED
    {
        uint32_t loaded = *(const volatile uint32_t *)(uintptr_t)(bi->boot_params + 0x214);   /* code32_start */
        puts_("  loaded at "); puthex(loaded); puts_(", runs at "); puthex(bi->image); putc_('\n');
        check(loaded != 0x100000 && loaded % 4096 == 0 && loaded != bi->image, "the loader put the image elsewhere; the setup moved it");
    }
#endif
#ifdef EXPECT_INITRD_SIZE
    const uint8_t *r = (const uint8_t *)(uintptr_t)bi->initrd;
    int same = r && bi->initrd_size == EXPECT_INITRD_SIZE;
    for (uint32_t i = 0; same && i < EXPECT_INITRD_SIZE; i++) if (r[i] != (uint8_t)(i * 7 + 3)) same = 0;
    check(same, "initrd bytes");
#endif
#ifdef CHECK_FAULT
    install_pf();
    *(volatile uint8_t *)&pf_handler = 0xCC;
    check(0, "writing read-only .text faults");
#endif
    if (failures) { puts_("FAILED\n"); exit_(1); }
    puts_("PASS\n");
    exit_(0x10);
}
