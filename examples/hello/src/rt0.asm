; rt0: the kernel's entry point. kimage pack's boot code jumps here with long mode and paging on
; and the kernel at its link address. Contract (include/kimage/bootinfo.inc):
;   rdi = boot info (physical address, identity-mapped), rsi = KIMAGE_ENTRY_MAGIC, interrupts off.
%include "kimage/bootinfo.inc"

bits 64
default rel

; Empty: it makes linker.ld's .kimage.patched output section PROGBITS, so its slots have file
; bytes for `kimage redirect --section .kimage.patched` to fill.
section .kimage.patched progbits alloc noexec nowrite align=16

section .text.entry progbits alloc exec nowrite align=16
global _start
extern kmain
extern kimage_install_redirects

_start:
    cli
    lea rsp, [boot_stack_top]       ; the kernel's own stack, at its virtual address
    xor ebp, ebp                    ; ends backtraces here
    mov r12, rdi
    mov r13, rsi
    ; Before any C runs: from here on every call to a redirected function lands in its target.
    call kimage_install_redirects
    mov rdi, r12
    mov rsi, r13
    call kmain                      ; kmain(boot info, magic) does not return
.halt:
    hlt
    jmp .halt

section .bss
align 16
boot_stack:
    resb 16384
boot_stack_top:
