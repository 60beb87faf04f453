; rt0: the kernel's entry point. kimage pack's boot code jumps here with paging on and the
; kernel at its link address. Contract (include/kimage/bootinfo.inc):
;   eax = KIMAGE_ENTRY_MAGIC, ebx = boot info (physical address, identity-mapped), interrupts off.
%include "kimage/bootinfo.inc"

bits 32

section .text.entry progbits alloc exec nowrite align=16
global _start
extern kmain
extern kimage_install_redirects

_start:
    cli
    mov esp, boot_stack_top         ; the kernel's own stack, at its virtual address
    xor ebp, ebp                    ; ends backtraces here
    mov esi, eax                    ; esi, ebx: callee-saved, survive the installer
    ; Before any C runs: from here on every call to a redirected function lands in its target.
    call kimage_install_redirects
    sub esp, 8                      ; keep esp 16-byte aligned at the call, as gcc assumes
    push esi                        ; magic
    push ebx                        ; boot info
    call kmain                      ; kmain(boot info, magic) does not return
.halt:
    hlt
    jmp .halt

section .bss
align 16
boot_stack:
    resb 16384
boot_stack_top:
