/* What both multiboot EFI fixtures check of the RAM a memory map calls usable and of a GOP
 * framebuffer (COM1, checks and the machine state: include/multiboot.h).
 * Defines: EXPECT_CMDLINE (a string), EXPECT_RAM_MB (-m), EXPECT_UEFI (1: started by UEFI). */
#include "../include/multiboot.h"

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
