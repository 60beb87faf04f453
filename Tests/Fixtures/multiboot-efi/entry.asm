; The multiboot EFI fixtures' entry: a multiboot2 header (-dMULTIBOOT2; -dREQUIRE_EFI makes its
; request for the EFI tags 12 and 17 required, so the kernel needs UEFI) or a multiboot1 one
; (flags 0x3), then the entry state saved for the checks and kmain(ebx).
%include "../include/multiboot-entry.inc"
%include "../include/multiboot-header.inc"
bits 32
section .multiboot
%ifdef MULTIBOOT2
multiboot2_header
align 8
    dw 1, 0                     ; information request, required
    dd 8 + 4 * 4
    dd 1, 2, 6, 8
align 8
%ifdef REQUIRE_EFI
    dw 1, 0                     ; required: this kernel runs only under UEFI
%else
    dw 1, 1                     ; optional: the EFI tags, ACPI
%endif
    dd 8 + 4 * 4
    dd 12, 17, 14, 15
align 8
    dw 4, 0                     ; console flags: EGA text supported
    dd 12, 2
multiboot2_header_end
%else
align 4
    dd 0x1BADB002, 3, -(0x1BADB002 + 3)
%endif
multiboot_start kmain
multiboot_halt
