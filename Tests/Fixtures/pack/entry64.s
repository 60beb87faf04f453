# kimage pack fixture, ELF64 entry: a stack, then kmain(boot info in %rdi); pf_stub hands CR2 to pf_handler.
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
