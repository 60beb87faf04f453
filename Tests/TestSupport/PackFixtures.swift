import Foundation

/// Fixture kernels for `kimage pack`, built from C and assembly at test time. Each checks what
/// the setup stub promises (its vaddr, bss, the boot info, the command line, E820, the loader
/// ELF, the initrd, and optionally that .text is read-only), prints on COM1, and exits through
/// isa-debug-exit with 0x10 on success (QEMU status 33) or 1 on failure.
public enum PackFixture {
    public struct Spec: Sendable {
        public var name: String
        public var bits64: Bool
        /// Virtual address of the first segment.
        public var virtualBase: UInt64
        /// Its physical address.
        public var physicalBase: UInt64 = 0x10_0000
        public var codeModel: String? = nil
        public var expectedCmdline: String
        public var ramMB: Int = 128
        /// KIMAGE_PAGING_* the fixture expects.
        public var paging: Int
        public var initrdSize: Int? = nil
        public var loaderSize: Int? = nil
        public var checkFault = false
        /// Size of the kernel ELF carried whole (--embed-elf), which the fixture checks.
        public var embeddedELFSize: Int? = nil
        /// ELF64: the recursive slot (--recursive) whose window must show the PML4 at CR3.
        public var recursiveSlot: Int? = nil
        /// A --map mapping to read through: its virtual address must show the same bytes as its
        /// identity-mapped physical address.
        public var mappedVirtual: UInt64? = nil
        public var mappedPhysical: UInt64? = nil
        /// ELF64: the value CR4.LA57 (bit 12) must have, read by the kernel (nil: not checked).
        public var expectLA57: Bool? = nil
        /// Started by UEFI through the EFI stub: the flag, the system table, the EFI memory map,
        /// the ACPI RSDP and the GOP framebuffer in the boot info's UEFI extension.
        public var expectUEFI = false
        /// With expectUEFI: started by a boot-protocol loader on UEFI (GRUB EFI `linux`, OVMF's
        /// legacy -kernel), whose efi_info the setup carries over; no GOP framebuffer is checked.
        public var uefiFromLoader = false
        /// The loader put the protected-mode part elsewhere than 1 MiB: boot_params' code32_start
        /// (the loader's load address) must not be 0x100000, and the setup moved it back.
        public var expectRelocated = false
        /// Bytes of the bss array the fixture checks is zero (default 3 pages and a bit): a large
        /// one pushes the kernel's end, and so where the plan runs, up.
        public var bssSize: Int? = nil

        public init(name: String, bits64: Bool, virtualBase: UInt64, codeModel: String? = nil, expectedCmdline: String,
                    ramMB: Int = 128, paging: Int, initrdSize: Int? = nil, loaderSize: Int? = nil, checkFault: Bool = false) {
            self.name = name; self.bits64 = bits64; self.virtualBase = virtualBase; self.codeModel = codeModel
            self.expectedCmdline = expectedCmdline; self.ramMB = ramMB; self.paging = paging
            self.initrdSize = initrdSize; self.loaderSize = loaderSize; self.checkFault = checkFault
        }
    }

    /// Builds the fixture kernel; returns the ELF's path.
    public static func build(_ spec: Spec, in dir: TemporaryDirectory) throws -> String {
        let include = Paths.templates + "/include"
        var defines = [
            "NAME=\"\(spec.name)\"", "VBASE=\(String(format: "0x%llxull", spec.virtualBase))",
            "EXPECT_CMDLINE=\"\(spec.expectedCmdline)\"", "EXPECT_RAM_MB=\(spec.ramMB)", "EXPECT_PAGING=\(spec.paging)",
        ]
        if let n = spec.initrdSize { defines.append("EXPECT_INITRD_SIZE=\(n)") }
        if let n = spec.loaderSize { defines.append("EXPECT_LOADER_SIZE=\(n)") }
        if spec.checkFault { defines.append("CHECK_FAULT") }
        if spec.embeddedELFSize != nil { defines.append("CHECK_EMBEDDED_ELF") }
        if let slot = spec.recursiveSlot { defines.append("CHECK_RECURSIVE_SLOT=\(slot)ull") }
        if let la57 = spec.expectLA57 { defines.append("CHECK_LA57=\(la57 ? 1 : 0)") }
        if spec.expectUEFI { defines.append("CHECK_UEFI") }
        if spec.uefiFromLoader { defines.append("UEFI_FROM_LOADER") }
        if spec.expectRelocated { defines.append("CHECK_RELOCATED") }
        if let n = spec.bssSize { defines.append("BIG_BSS_SIZE=\(n)") }
        if let v = spec.mappedVirtual, let p = spec.mappedPhysical {
            defines += [String(format: "CHECK_MAP_VA=0x%llxull", v), String(format: "CHECK_MAP_PA=0x%llxull", p)]
        }
        var flags = ["-I", include, "-fno-asynchronous-unwind-tables", "-mgeneral-regs-only"] + defines.map { "-D" + $0 }
        flags += spec.bits64 ? ["-m64", "-mno-red-zone", "-mcmodel=" + (spec.codeModel ?? "large")] : ["-m32"]
        let c = try Toolchain.gcc(fixtureC, in: dir, name: spec.name + "-main", flags: flags)
        let entry = try Toolchain.gas(spec.bits64 ? entry64 : entry32, in: dir, name: spec.name + "-entry", bits32: !spec.bits64)
        let offset = spec.virtualBase &- spec.physicalBase
        let at = offset == 0 ? "" : String(format: "AT(ADDR(%@) - 0x%llx)", "%@", offset)
        func section(_ name: String, _ body: String) -> String {
            "  \(name) : \(at.replacingOccurrences(of: "%@", with: name)) { \(body) }"
        }
        let script = """
            ENTRY(_start)
            SECTIONS {
              . = \(String(format: "0x%llx", spec.virtualBase));
            \(section(".text", "*(.text.entry) *(.text*)"))
              . = ALIGN(4096);
            \(section(".rodata", "*(.rodata*)"))
              . = ALIGN(4096);
            \(section(".data", "*(.data*)"))
            \(section(".bss", "*(.bss*) *(COMMON)"))
              /DISCARD/ : { *(.note*) *(.comment) *(.eh_frame*) }
            }
            """
        return try Toolchain.ld([entry, c], script: script, in: dir, output: spec.name + ".elf",
                                emulation: spec.bits64 ? "elf_x86_64" : "elf_i386", extra: ["-z", "max-page-size=4096"])
    }

    /// An initrd whose byte i is (i * 7 + 3) & 0xFF, as the fixture checks.
    public static func initrd(in dir: TemporaryDirectory, size: Int) throws -> String {
        let path = dir.file("initrd.bin")
        try Data((0..<size).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) }).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A small user-space loader ELF (any ELF: the fixture checks its magic and size).
    public static func loader(in dir: TemporaryDirectory) throws -> String {
        let obj = try Toolchain.nasm("""
            bits 64
            section .text
            global _start
            _start: jmp _start
            section .data
            hello: db "user-space loader", 0
            """, in: dir, name: "loader")
        return try Toolchain.ld([obj], script: nil, in: dir, output: "loader.elf", extra: ["-Ttext=0x400000"])
    }

    static let fixtureC = """
/* kimage pack fixture: checks what the setup stub promised, prints on COM1, exits via isa-debug-exit. */
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
    putc_('\\n');
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
    uintptr_t ip; __asm__ volatile("call 1f\\n1: pop %0" : "=r"(ip)); return ip;
#endif
}

void pf_handler(uintptr_t cr2) {
    check(cr2 == (uintptr_t)&pf_handler, "writing read-only .text faults (#PF at the written address)");
    if (failures) { puts_("FAILED\\n"); exit_(1); }
    puts_("PASS\\n");
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
    puts_("kimage fixture " NAME "\\n");
    check(magic == KIMAGE_ENTRY_MAGIC, "entry magic");
    uintptr_t ip = here();
    check(ip >= (uintptr_t)VBASE && ip - (uintptr_t)VBASE < 0x100000, "runs at its vaddr");
    puts_("  rip "); puthex(ip); putc_('\\n');
    int zero = 1;
    for (unsigned i = 0; i < sizeof big_bss; i++) if (big_bss[i]) zero = 0;
    check(zero, "bss is zero");
    check(data_word == 0x12345678, "data segment copied");
    check(bi->magic == KIMAGE_BOOTINFO_MAGIC && bi->version == KIMAGE_BOOTINFO_VERSION, "boot info magic and version");
    check(bi->paging_mode == EXPECT_PAGING, "paging mode");
    const char *cl = (const char *)(uintptr_t)bi->cmdline;
    puts_("  cmdline \\""); puts_(cl); puts_("\\"\\n");
    check(contains(cl, expected_cmdline), "command line");
    uint64_t top = 0; int low = 0;
    struct kimage_e820_entry *e = (struct kimage_e820_entry *)(uintptr_t)bi->e820;
    for (uint32_t i = 0; i < bi->e820_count; i++) {
        if (e[i].type != 1) continue;
        if (e[i].addr <= 0x100000 && e[i].addr + e[i].size > 0x100000) low = 1;
        if (e[i].addr + e[i].size > top) top = e[i].addr + e[i].size;
    }
    puts_("  e820 entries "); puthex(bi->e820_count); puts_(" top "); puthex(top); putc_('\\n');
    check(low && top <= (uint64_t)EXPECT_RAM_MB << 20 && top >= ((uint64_t)EXPECT_RAM_MB - 2) << 20, "E820 covers the RAM");
#ifdef EXPECT_LOADER_SIZE
    const uint8_t *l = (const uint8_t *)(uintptr_t)bi->loader_elf;
    check(l && bi->loader_elf_size == EXPECT_LOADER_SIZE && l[0] == 0x7F && l[1] == 'E' && l[2] == 'L' && l[3] == 'F', "loader ELF");
#endif
#ifdef CHECK_EMBEDDED_ELF
    const uint8_t *k = (const uint8_t *)(uintptr_t)bi->kernel_elf;
    check(k && bi->kernel_elf_size > 0 && k[0] == 0x7F && k[1] == 'E' && k[2] == 'L' && k[3] == 'F'
          && k[4] == (sizeof(void *) == 8 ? 2 : 1), "embedded kernel ELF");
    puts_("  kernel ELF bytes "); puthex(bi->kernel_elf_size); putc_('\\n');
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
        puts_("  cr4 "); puthex(cr4); putc_('\\n');
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
        puts_("  rsdp "); puthex(u->acpi_rsdp); puts_(" smbios "); puthex(u->smbios); putc_('\\n');
        check(u->efi_memmap && u->efi_memdesc_size >= 40 && u->efi_memmap_size >= u->efi_memdesc_size
              && u->efi_memmap_size % u->efi_memdesc_size == 0, "EFI memory map");
        puts_("  framebuffer "); puthex(u->framebuffer); puts_(" "); puthex(u->fb_width); puts_("x"); puthex(u->fb_height);
        putc_('\\n');
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
        puts_("  loaded at "); puthex(loaded); puts_(", runs at "); puthex(bi->image); putc_('\\n');
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
    if (failures) { puts_("FAILED\\n"); exit_(1); }
    puts_("PASS\\n");
    exit_(0x10);
}
"""

    static let entry64 = """
    .section .text.entry, "ax"
    .globl _start
_start:
    movabs $stack_top, %rsp
    movabs $kmain, %rax
    call *%rax
1:  hlt
    jmp 1b
    .globl pf_stub
pf_stub:
    mov %cr2, %rdi
    and $-16, %rsp
    movabs $pf_handler, %rax
    call *%rax
    .bss
    .balign 16
    .skip 16384
stack_top:
"""

    static let entry32 = """
    .section .text.entry, "ax"
    .globl _start
_start:
    mov $stack_top, %esp
    push %eax
    push %ebx
    call kmain
1:  hlt
    jmp 1b
    .globl pf_stub
pf_stub:
    mov %cr2, %eax
    push %eax
    call pf_handler
    .bss
    .balign 16
    .skip 16384
stack_top:
"""
}
