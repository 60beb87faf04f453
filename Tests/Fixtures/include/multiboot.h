/* What every multiboot fixture kernel checks of the machine a multiboot loader hands over (the
 * state include/multiboot-entry.inc saved at entry), of its data and bss, and the command line it
 * expects. Defines: EXPECT_CMDLINE (a string). */
#include "serial.h"
struct entry_state { uint32_t eax, ebx, cs, ds, ss, es, eflags, cr0, cr4; };
extern struct entry_state entry_state;
static volatile uint8_t big_bss[8192 + 13];
static volatile uint32_t data_word = 0x12345678;
static const char expected_cmdline[] = EXPECT_CMDLINE;

static void check_machine(uint32_t magic) {
    struct entry_state *s = &entry_state;
    check(s->eax == magic, "eax holds the loader magic");
    check(s->cs == 0x08, "CS is 0x08 (QEMU's flat code selector)");
    check(s->ds == 0x10 && s->es == 0x10 && s->ss == 0x10, "DS/ES/SS are 0x10");
    check((s->cr0 & 1) && !(s->cr0 & 0x80000000u), "protected mode, paging off");
    check(!(s->eflags & 0x200), "interrupts off");
    check(!(s->cr4 & 0xA0), "CR4.PAE and PGE clear");
    int zero = 1;
    for (unsigned i = 0; i < sizeof big_bss; i++) if (big_bss[i]) zero = 0;
    check(zero, "bss is zero");
    check(data_word == 0x12345678, "data copied to its physical address");
}

static void check_cmdline(const char *cl, const char *what) {
    puts_("  cmdline \""); puts_(cl); puts_("\"\n");
    check(contains(cl, expected_cmdline), what);
}

/* Multiboot2: a tag's header; an ACPI RSDP tag's copy (signature, checksum over n bytes). */
struct tag { uint32_t type, size; };

/* One step of an MBI2 walk: the tag at p, printed and counted in seen[]; 0 past the MBI's
 * total_size or, clearing *walked, at a tag that is misaligned or shorter than its header. */
static struct tag *mbi2_tag(uint8_t *mbi, uint8_t *p, int seen[32], int *walked) {
    if (p >= mbi + *(uint32_t *)mbi) return 0;
    struct tag *t = (struct tag *)p;
    if (((uint32_t)p & 7) || t->size < 8) { *walked = 0; return 0; }
    if (t->type < 32) seen[t->type]++;
    puts_("  tag "); puthex(t->type); puts_(" size "); puthex(t->size); putc_('\n');
    return t;
}

static int rsdp_ok(const uint8_t *r, uint32_t n) {
    uint8_t sum = 0;
    for (uint32_t i = 0; i < n; i++) sum += r[i];
    return starts((const char *)r, "RSD PTR ") && sum == 0;
}
