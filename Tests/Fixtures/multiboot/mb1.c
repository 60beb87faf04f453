/* Fixture (a), multiboot1: checks the machine state and every MBI field kimage gives. Defines
 * (beside checks.h's): EXPECT_FLAGS (the exact MBI flags), EXPECT_FRAMEBUFFER (EGA text asked for). */
#include "checks.h"

struct mbi {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    uint32_t syms_num, syms_size, syms_addr, syms_shndx;
    uint32_t mmap_length, mmap_addr, drives_length, drives_addr, config_table, boot_loader_name, apm_table;
    uint32_t vbe_control_info, vbe_mode_info; uint16_t vbe_mode, vbe_seg, vbe_off, vbe_len;
    uint64_t fb_addr; uint32_t fb_pitch, fb_width, fb_height; uint8_t fb_bpp, fb_type;
} __attribute__((packed));

void kmain(struct mbi *m) {
    puts_("multiboot1 fixture\n");
    check_machine(0x2BADB002);
    puts_("  flags "); puthex(m->flags); putc_('\n');
    check(m->flags == EXPECT_FLAGS, "MBI flags are exactly the expected ones");
    check_memory(m->mem_lower, m->mem_upper);
    check_cmdline((const char *)m->cmdline, "command line");
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
    finish();
}
