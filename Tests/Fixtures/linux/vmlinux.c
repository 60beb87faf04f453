/* Fixture (d): reads boot_params the way Linux's early code does (head64.c copy_bootdata,
   bootparam_utils.h sanitize_boot_params, setup.c, e820.c). Offsets: bootparam.h. */
#include "../include/serial.h"

#define U8(o) (*(volatile uint8_t *)(bp + (o)))
#define U16(o) (*(volatile uint16_t *)(bp + (o)))
#define U32(o) (*(volatile uint32_t *)(bp + (o)))
#define U64(o) (*(volatile uint64_t *)(bp + (o)))

struct entry_state { uint64_t cs, ds, es, ss, efer, rflags, rip, cr4; };
static volatile uint64_t data_word = 0x0123456789ABCDEFull;
static volatile uint8_t big_bss[3 * 4096 + 77];
static const char expected_cmdline[] = EXPECT_CMDLINE;

__attribute__((visibility("default"))) void kmain(const uint8_t *bp, const struct entry_state *s, uint64_t percpu) {
    puts_("linux handoff fixture\n");
    puts_("  cs "); puthex(s->cs); puts_(" ds "); puthex(s->ds); puts_(" rip "); puthex(s->rip); puts_(" rsi "); puthex((uintptr_t)bp); putc_('\n');
    check(s->cs == 0x10, "CS is __BOOT_CS 0x10");
    check(s->ds == 0x18 && s->es == 0x18 && s->ss == 0x18, "DS, ES, SS are __BOOT_DS 0x18");
    check((s->efer >> 10 & 1) && (s->efer >> 8 & 1), "long mode (EFER.LME and LMA)");
    check(!(s->rflags & 0x200), "interrupts off");
    check(s->rip == 0x1000000, "entered at the physical e_entry 0x1000000 (identity-mapped)");
    check(!(s->cr4 >> 12 & 1), "CR4.LA57 clear: 4-level paging");
    check(bp && ((uintptr_t)bp & 0xFFF) == 0 && (uintptr_t)bp < 0x100000000ull, "rsi is a page of its own below 4 GiB");
    check(data_word == 0x0123456789ABCDEFull, "data segment copied to its p_paddr");
    int zero = 1;
    for (unsigned i = 0; i < sizeof big_bss; i++) if (big_bss[i]) zero = 0;
    check(zero, "bss is zero");
    check(*(volatile uint64_t *)(uintptr_t)percpu == 0x31555043ED0C5045ull, "percpu segment (p_vaddr 0) loaded at its p_paddr");
    check(U8(0x1EF) == 0, "sentinel is 0 (sanitize_boot_params keeps every field)");
    check(U32(0x23C) == 0, "hardware_subarch is 0 (PC)");
    check(!(U8(0x211) & 2), "loadflags KASLR_FLAG clear");
    puts_("  version "); puthex(U16(0x206)); puts_(" type_of_loader "); puthex(U8(0x210)); putc_('\n');
    check(U16(0x206) >= 0x020C, "version is set (x86_64_start_reservations copies nothing twice)");
    check(U8(0x210) != 0, "type_of_loader is set (setup.c ignores the initrd when it is 0)");
    check(U64(0x250) == 0, "setup_data is empty");
    /* e820: e820__memory_setup_default wants at least 2 entries. */
    unsigned n = U8(0x1E8);
    uint64_t top = 0; int low = 0;
    for (unsigned i = 0; i < n && i < 128; i++) {
        const uint8_t *e = bp + 0x2D0 + 20 * i;
        uint64_t addr = *(const uint64_t *)e, size = *(const uint64_t *)(e + 8);
        uint32_t type = *(const uint32_t *)(e + 16);
        if (type != 1) continue;
        if (addr <= 0x100000 && addr + size > 0x100000) low = 1;
        if (addr + size > top && addr < 0x100000000ull) top = addr + size;
    }
    puts_("  e820_entries "); puthex(n); puts_(" top of RAM below 4 GiB "); puthex(top); putc_('\n');
    check(n >= 2 && low && top <= (uint64_t)EXPECT_RAM_MB << 20 && top >= ((uint64_t)EXPECT_RAM_MB - 2) << 20, "e820_table matches -m");
    uint64_t cl = U32(0x228) | (uint64_t)U32(0xC8) << 32;
    check(cl != 0, "cmd_line_ptr is set");
    if (cl) { puts_("  cmdline \""); puts_((const char *)(uintptr_t)cl); puts_("\"\n"); }
    check(cl && contains((const char *)(uintptr_t)cl, expected_cmdline), "command line");
    uint64_t rd = U32(0x218) | (uint64_t)U32(0xC0) << 32, rs = U32(0x21C) | (uint64_t)U32(0xC4) << 32;
    puts_("  ramdisk "); puthex(rd); puts_(" size "); puthex(rs); putc_('\n');
#ifdef EXPECT_INITRD_SIZE
    int same = rd && rs == EXPECT_INITRD_SIZE;
    for (uint64_t i = 0; same && i < rs; i++) if (((const uint8_t *)(uintptr_t)rd)[i] != (uint8_t)(i * 7 + 3)) same = 0;
    check(same, "ramdisk_image/size hold the initrd");
#else
    check(rd == 0 && rs == 0, "no initrd");
#endif
    finish();
}
