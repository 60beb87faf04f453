/* kimage boot info: what kimage's setup stub hands to a kernel packed with `kimage pack`.
 * Layout version 1, little-endian, identical for 32- and 64-bit kernels. nasm: bootinfo.inc.
 *
 * Entry state:
 *   ELF64: long mode, 4-level paging (5-level with CR4.LA57=1: kimage pack --five-level;
 *          CR3 = cr3 below), CR0.WP=1, EFER.NXE=1;
 *          rdi = physical address of struct kimage_bootinfo (identity-mapped), rsi = KIMAGE_ENTRY_MAGIC.
 *   ELF32: protected mode; paging off when every segment has vaddr == paddr, else 32-bit
 *          (or PAE, kimage pack --pae) paging with CR0.WP=1; eax = KIMAGE_ENTRY_MAGIC,
 *          ebx = physical address of struct kimage_bootinfo (identity-mapped).
 *   Both: SSE usable (CR0.EM=0, CR0.MP=1, CR4.OSFXSR=1, CR4.OSXMMEXCPT=1, fninit done) unless
 *         packed with --no-sse (then CR0/CR4 as the setup found them);
 *         interrupts off, CS = 0x08 (64-bit) or 0x10 (32-bit), data segments 0x18 in kimage's GDT
 *         (inside the image: load your own), esp/rsp = stack_top (16 KiB, identity-mapped).
 * Page tables (built at pack time): each PT_LOAD at its vaddr with its own rights (W^X unless
 * segments share a page), the first 4 GiB identity-mapped read/write, not executable (except the
 * setup stub's pages) wherever no segment, --map or recursive slot takes the address, plus --map.
 */
#ifndef KIMAGE_BOOTINFO_H
#define KIMAGE_BOOTINFO_H

#include <stdint.h>

#define KIMAGE_ENTRY_MAGIC        0x6B696D67u  /* eax (ELF32) / rsi (ELF64) at entry */
#define KIMAGE_BOOTINFO_MAGIC     0x474D494Bu  /* "KIMG" */
#define KIMAGE_BOOTINFO_VERSION   1u
#define KIMAGE_BOOTINFO_E820_MAX  128

/* paging_mode */
#define KIMAGE_PAGING_NONE        0u  /* protected mode, paging off */
#define KIMAGE_PAGING_32BIT       1u  /* 2-level tables, CR4.PSE */
#define KIMAGE_PAGING_PAE         2u
#define KIMAGE_PAGING_4LEVEL      3u  /* long mode */
#define KIMAGE_PAGING_5LEVEL      4u  /* long mode, CR4.LA57 */

/* flags */
#define KIMAGE_BIF_CMDLINE_FROM_LOADER  1u  /* the boot loader passed a non-empty command line */
#define KIMAGE_BIF_CMDLINE_FROM_PACK    2u  /* it did not: this is kimage pack --cmdline */
#define KIMAGE_BIF_CMDLINE_TRUNCATED    4u  /* the loader's line did not fit in cmdline_capacity */

/* E820 types: 1 usable RAM, 2 reserved, 3 ACPI reclaimable, 4 ACPI NVS, 5 unusable. */
struct kimage_e820_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
    uint32_t zero;
};

/* Every address is physical. */
struct kimage_bootinfo {
    uint32_t magic;              /* 0x00 KIMAGE_BOOTINFO_MAGIC */
    uint32_t version;            /* 0x04 KIMAGE_BOOTINFO_VERSION */
    uint32_t size;               /* 0x08 bytes of this structure, buffers included */
    uint32_t paging_mode;        /* 0x0C KIMAGE_PAGING_* */
    uint64_t image;              /* 0x10 protected-mode part of the image (after any move) */
    uint64_t image_size;         /* 0x18 */
    uint64_t kernel_start;       /* 0x20 lowest byte of the kernel's segments */
    uint64_t kernel_end;         /* 0x28 one past the highest (bss included) */
    uint64_t kernel_elf;         /* 0x30 the whole kernel ELF (kimage pack --embed-elf), else 0 */
    uint64_t kernel_elf_size;    /* 0x38 */
    uint64_t loader_elf;         /* 0x40 the loader ELF (kimage pack --loader), else 0 */
    uint64_t loader_elf_size;    /* 0x48 */
    uint64_t initrd;             /* 0x50 the initrd the boot loader loaded, else 0 */
    uint64_t initrd_size;        /* 0x58 */
    uint64_t page_tables;        /* 0x60 the tables built at pack time, else 0 */
    uint64_t page_tables_size;   /* 0x68 */
    uint64_t cr3;                /* 0x70 0 when paging is off */
    uint64_t boot_params;        /* 0x78 the Linux boot_params page (zero page) */
    uint64_t cmdline;            /* 0x80 NUL-terminated copy of the command line */
    uint32_t cmdline_length;     /* 0x88 without the NUL */
    uint32_t cmdline_capacity;   /* 0x8C buffer bytes, NUL included */
    uint64_t e820;               /* 0x90 address of e820_entries */
    uint32_t e820_count;         /* 0x98 */
    uint32_t e820_entry_size;    /* 0x9C sizeof(struct kimage_e820_entry) = 24 */
    uint64_t first_free;         /* 0xA0 first free address above everything kimage placed
                                    (image, kernel, tables, boot info, stack); the loader's
                                    boot_params, command line and initrd are elsewhere */
    uint64_t entry;              /* 0xA8 the kernel's entry point */
    uint64_t stack_top;          /* 0xB0 top of the 16 KiB boot stack */
    uint32_t loader_type;        /* 0xB8 boot_params type_of_loader: QEMU 0xB0, GRUB 0x72 */
    uint32_t flags;              /* 0xBC KIMAGE_BIF_* */
    struct kimage_e820_entry e820_entries[KIMAGE_BOOTINFO_E820_MAX]; /* 0xC0 */
    char cmdline_buffer[];       /* 0xCC0, cmdline_capacity bytes */
};

_Static_assert(sizeof(struct kimage_e820_entry) == 24, "kimage_e820_entry is 24 bytes");
_Static_assert(__builtin_offsetof(struct kimage_bootinfo, first_free) == 0xA0, "boot info layout");
_Static_assert(__builtin_offsetof(struct kimage_bootinfo, e820_entries) == 0xC0, "boot info layout");
_Static_assert(__builtin_offsetof(struct kimage_bootinfo, cmdline_buffer) == 0xCC0, "boot info layout");

/* Own stubs (kimage pack --setup32 FILE, Jinue style): kimage loads no plan and builds no tables.
 * The protected-mode part is your 32-bit setup (at 0x100000 = code32_start), then, 16-byte
 * aligned right after its last byte, this part table; the kernel ELF (4 KiB aligned) and the
 * loader ELF follow whole. End your setup with `align 16` and a label to find the table.
 * Offsets count from the start of the protected-mode part (physical 0x100000 as loaded). */
#define KIMAGE_PART_TABLE_MAGIC   0x5452504Bu  /* "KPRT" */
#define KIMAGE_PART_KERNEL_ELF    1u
#define KIMAGE_PART_LOADER_ELF    2u

struct kimage_part {
    uint32_t kind;               /* KIMAGE_PART_* */
    uint32_t offset;             /* from the start of the protected-mode part */
    uint32_t size;
    uint32_t zero;
};

struct kimage_part_table {
    uint32_t magic;              /* KIMAGE_PART_TABLE_MAGIC */
    uint32_t version;            /* 1 */
    uint32_t count;
    uint32_t entry_size;         /* 16 */
    struct kimage_part parts[];
};

#endif
