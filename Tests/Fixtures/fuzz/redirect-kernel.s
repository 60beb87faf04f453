# The fuzz seeds' kernel (Fuzz/seeds.sh): two 16-byte functions a redirect can patch, data, a
# one-entry .goredirectstbl and bss; linked as ELF64 and ELF32, low and higher-half.
    .section .text, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    call "runtime.throw"
    hlt
    .size _start, .-_start
    .globl "runtime.throw"
    .type "runtime.throw", @function
"runtime.throw":
    ret
    .fill 15, 1, 0xcc
    .size "runtime.throw", .-"runtime.throw"
    .globl "kern.Panic"
    .type "kern.Panic", @function
"kern.Panic":
    ret
    .fill 15, 1, 0xcc
    .size "kern.Panic", .-"kern.Panic"
    .section .data, "aw", @progbits
    .quad 0x1122334455667788
    .section .goredirectstbl, "aw", @progbits
    .fill 16, 1, 0
    .section .bss, "aw", @nobits
    .fill 4096, 1, 0
