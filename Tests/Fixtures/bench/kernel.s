# The bench kernel (scripts/bench-gen): _start, then one 16-byte function (long enough for a
# 14-byte trampoline) per name of the generated list functions.s (found with -I; `function NAME`
# lines, Go-like names in a fixed shuffled order), then a .goredirectstbl of .LREDIRECTS empty
# 16-byte slots (--defsym).
    .macro function name
    .globl "\name"
    .type "\name",@function
"\name":
    .skip 15,0x90
    ret
    .size "\name",16
    .endm

    .section .text.start,"ax",@progbits
    .globl _start
    .type _start,@function
_start:
    cli
1:  hlt
    jmp 1b
    .skip 12,0x90
    .size _start,16
    .text
    .include "functions.s"
    .section .goredirectstbl,"a",@progbits
    .balign 16
    .skip .LREDIRECTS * 16,0
