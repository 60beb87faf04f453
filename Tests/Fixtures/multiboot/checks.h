/* The multiboot1/2 fixtures' checks of the MBI contents they share: module 0 (the initrd), the
 * memory fields and map, the ELF section headers. Defines: EXPECT_CMDLINE (a string),
 * EXPECT_RAM_MB (-m), EXPECT_INITRD_SIZE (when an initrd of that size, bytes i * 7 + 3, is given). */
#include "../include/multiboot.h"

static void check_module(uint32_t start, uint32_t end, const char *string) {
#ifdef EXPECT_INITRD_SIZE
    check(end - start == EXPECT_INITRD_SIZE, "module 0 has the initrd's size");
    check((start & 0xFFF) == 0, "module 0 is page-aligned");
    int same = 1;
    for (uint32_t i = 0; i < end - start; i++) if (((uint8_t *)start)[i] != (uint8_t)(i * 7 + 3)) same = 0;
    check(same, "module 0 holds the initrd's bytes");
    check(streq(string, "initrd"), "module 0's string is \"initrd\"");
#endif
}

static void check_memory(uint32_t lower, uint32_t upper) {
    puts_("  mem_lower "); puthex(lower); puts_(" mem_upper "); puthex(upper); putc_('\n');
    check(lower == 639, "mem_lower is 639 KiB");
    check(upper >= (EXPECT_RAM_MB - 2) * 1024u && upper <= (EXPECT_RAM_MB - 1) * 1024u, "mem_upper matches -m");
}

/* One memory map entry: the RAM one holding 1 MiB must end where mem_upper says. */
static int ram_entry_ok(uint64_t base, uint64_t len, uint32_t type, uint32_t upper) {
    return type == 1 && base <= 0x100000 && base + len > 0x100000 && ((base + len - 0x100000) >> 10) == upper;
}

/* The ELF section headers kimage gives: the name table and the symbol strings are loaded. */
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
