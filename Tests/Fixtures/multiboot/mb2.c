/* Fixture (c), multiboot2: walks the MBI2 and checks every tag kimage gives; returns the number
 * of failed checks to mb2-entry.asm, which enters long mode only when it is 0. */
#include "checks.h"

int kmain2(uint8_t *mbi) {
    puts_("multiboot2 fixture\n");
    check_machine(0x36D76289);
    check(((uint32_t)mbi & 7) == 0, "MBI2 is 8-aligned");
    uint32_t total = *(uint32_t *)mbi;
    int seen[32] = {0};
    uint32_t lower = 0, upper = 0, ends = 0;
    int walked = 1;
    uint8_t *p = mbi + 8;
    uint8_t *mmap = 0;
    for (struct tag *t; (t = mbi2_tag(mbi, p, seen, &walked)); p += (t->size + 7) & ~7u) {
        uint32_t *w = (uint32_t *)(p + 8);
        switch (t->type) {
        case 1: check_cmdline((const char *)w, "command line tag"); break;
        case 2: check(starts((char *)w, "kimage "), "boot loader name tag"); break;
        case 3: check_module(w[0], w[1], (const char *)&w[2]); break;
        case 4: lower = w[0]; upper = w[1]; check_memory(lower, upper); break;
        case 6: check(w[0] == 24 && w[1] == 0, "memory map: entry_size 24, version 0"); mmap = p; break;
        case 8: check(*(uint64_t *)w == 0xB8000 && p[8 + 21] == 2 && w[3] == 80 && w[4] == 25, "EGA text framebuffer tag"); break;
        case 9: check_sections(w[0], w[1], w[2], (const uint8_t *)&w[3]);
                check(w[1] == 64, "ELF sections: 64-byte headers of an ELF64 file"); break;
        case 13: {
            /* Multiboot2 §3.6.15: u8 major, u8 minor, 6 reserved, then the entry point (GRUB copies it whole). */
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
    if (failures) puts_("FAILED\n");
    return failures;
}
