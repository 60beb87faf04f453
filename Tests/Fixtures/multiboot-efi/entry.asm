; The multiboot EFI fixtures' entry: a multiboot2 header (-dMULTIBOOT2; -dREQUIRE_EFI makes its
; request for the EFI tags 12 and 17 required, so the kernel needs UEFI) or a multiboot1 one
; (flags 0x3), then the entry state saved for the checks and kmain(ebx).
bits 32
section .multiboot
%ifdef MULTIBOOT2
align 8
mb2_header:
    dd 0xE85250D6, 0, mb2_end - mb2_header, -(0xE85250D6 + (mb2_end - mb2_header))
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
align 8
    dw 0, 0                     ; end
    dd 8
mb2_end:
%else
align 4
    dd 0x1BADB002, 3, -(0x1BADB002 + 3)
%endif
section .text
global _start
extern kmain
_start:
    mov [entry_state + 0], eax
    mov [entry_state + 4], ebx
    mov [entry_state + 8], cs
    mov [entry_state + 12], ds
    mov [entry_state + 16], ss
    mov [entry_state + 20], es
    pushfd
    pop dword [entry_state + 24]
    mov eax, cr0
    mov [entry_state + 28], eax
    mov eax, cr4
    mov [entry_state + 32], eax
    mov esp, stack_top
    push ebx
    call kmain
.halt:
    cli
    hlt
    jmp .halt
section .bss
align 16
stack: resb 16384
stack_top:
global entry_state
entry_state: resd 9
