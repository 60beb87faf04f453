bits 64
default rel
section .text
global startup_64
extern kmain
extern percpu_load
; Records the state the loader left before touching anything, then runs kmain on its own stack.
startup_64:
    lea r8, [rel entry_state]
    mov ax, cs
    movzx eax, ax
    mov [r8], rax
    mov ax, ds
    movzx eax, ax
    mov [r8 + 8], rax
    mov ax, es
    movzx eax, ax
    mov [r8 + 16], rax
    mov ax, ss
    movzx eax, ax
    mov [r8 + 24], rax
    mov r9, rdx
    mov ecx, 0xC0000080
    rdmsr
    shl rdx, 32
    or rax, rdx
    mov [r8 + 32], rax
    pushfq
    pop rax
    mov [r8 + 40], rax
    lea rax, [rel startup_64]
    mov [r8 + 48], rax
    mov rax, cr4
    mov [r8 + 56], rax
    lea rsp, [rel stack_top]
    mov rdi, rsi
    mov rsi, r8
    mov rdx, percpu_load
    call kmain
.halt:
    cli
    hlt
    jmp .halt

section .data..percpu progbits alloc noexec write align=8
    dq 0x31555043ED0C5045           ; checked at its physical address

section .bss nobits alloc noexec write align=16
entry_state: resq 8
    resb 16384
stack_top:

; The note a vmlinux carries (LINUX_NOTE), or a GNU build-id note that is no Linux marker.
%ifdef LINUX_NOTE
section .notes progbits alloc noexec nowrite align=4
    dd 6, 4, 0x100              ; "Linux", LINUX_ELFNOTE_BUILD_SALT (include/linux/build-salt.h)
    db "Linux", 0, 0, 0
    db "kim", 0
%else
section .notes progbits alloc noexec nowrite align=4
    dd 4, 4, 3                  ; "GNU", NT_GNU_BUILD_ID: not a Linux marker
    db "GNU", 0
    db "kim", 0
%endif
