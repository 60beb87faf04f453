/* The multiboot1 EFI fixture: the MBI's framebuffer fields (flags bit 12) from GOP and the memory
 * map from the E820 the EFI stub made of the EFI map. */
#include "checks.h"

struct mbi {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    uint32_t syms_num, syms_size, syms_addr, syms_shndx;
    uint32_t mmap_length, mmap_addr, drives_length, drives_addr, config_table, boot_loader_name, apm_table;
    uint32_t vbe_control_info, vbe_mode_info; uint16_t vbe_mode, vbe_seg, vbe_off, vbe_len;
    uint64_t fb_addr; uint32_t fb_pitch, fb_width, fb_height; uint8_t fb_bpp, fb_type, pad[2], colour[6];
} __attribute__((packed));

void kmain(struct mbi *m) {
    puts_("multiboot1 EFI fixture\n");
    check_machine(0x2BADB002);
    puts_("  flags "); puthex(m->flags); puts_(" mem_lower "); puthex(m->mem_lower); puts_(" mem_upper "); puthex(m->mem_upper); putc_('\n');
    check(m->flags & (1u << 12), "flags bit 12: framebuffer fields given");
    check(m->flags & (1u << 6), "flags bit 6: memory map given");
    check_framebuffer(m->fb_addr, m->fb_pitch, m->fb_width, m->fb_height, m->fb_bpp, m->fb_type, m->colour);
    check_cmdline((const char *)m->cmdline, "command line");
    uint64_t usable = 0, upper_end = 0;
    int sizes = 1;
    for (uint32_t q = m->mmap_addr; q < m->mmap_addr + m->mmap_length; q += *(uint32_t *)q + 4) {
        if (*(uint32_t *)q != 20) { sizes = 0; break; }
        uint64_t base = *(uint64_t *)(q + 4), len = *(uint64_t *)(q + 12);
        if (*(uint32_t *)(q + 20) != 1) continue;
        usable += len;
        if (base <= 0x100000 && base + len > 0x100000) upper_end = base + len;
    }
    check(sizes, "memory map: entries of size 20");
    check_usable(usable, "memory map (E820 from the EFI map): usable RAM matches -m");
    check(upper_end != 0 && ((upper_end - 0x100000) >> 10) == m->mem_upper, "mem_upper ends where the RAM from 1 MiB ends");
    finish();
}
