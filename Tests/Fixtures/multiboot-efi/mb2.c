/* The multiboot2 EFI fixture: walks the MBI2 and checks what a UEFI boot adds as GRUB 2.06 gives
 * it on EFI (multiboot_mbi2.c): tag 12 at the EFI system table ("IBI SYST"), tag 17 with the EFI
 * memory map, the GOP framebuffer as an RGB tag 8, ACPI from the configuration table; booted by
 * BIOS (EXPECT_UEFI 0), that tags 12 and 17 are absent and tag 8 is EGA text. */
#include "checks.h"

void kmain(uint8_t *mbi) {
    puts_("multiboot2 EFI fixture\n");
    check_machine(0x36D76289);
    uint32_t total = *(uint32_t *)mbi;
    int seen[32] = {0};
    int walked = 1;
    uint8_t *p = mbi + 8;
    for (struct tag *t; (t = mbi2_tag(mbi, p, seen, &walked)); p += (t->size + 7) & ~7u) {
        uint32_t *w = (uint32_t *)(p + 8);
        switch (t->type) {
        case 1: check_cmdline((const char *)w, "command line tag"); break;
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
            puts_("  EFI system table "); puthex(st); putc_('\n');
            check(t->size == 16 && st != 0 && st < 0x100000000ull && *(const uint64_t *)(uint32_t)st == 0x5453595320494249ull,
                  "EFI 64-bit system table tag points at \"IBI SYST\"");
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
            puts_(" descriptors "); puthex(count); puts_(" conventional "); puthex(conventional); putc_('\n');
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
