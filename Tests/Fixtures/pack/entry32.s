# kimage pack fixture, ELF32 entry: a stack, then kmain(boot info in %ebx, magic in %eax); pf_stub hands CR2 to pf_handler.
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
