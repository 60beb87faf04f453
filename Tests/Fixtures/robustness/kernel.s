# A small kernel for the robustness tests (RobustnessFixture) and the fuzz seeds (Fuzz/seeds.sh):
# _start, four 16-byte functions a redirect can patch (runtime.throw, runtime.other -> kern.Panic,
# kern.Other), data, a two-slot .goredirectstbl and bss; assembled --64 or --32 and linked at 2 MiB
# (or higher-half), so `pack` accepts it. .LPADDING (--defsym) adds that many bytes of nops to .text.
    .section .text, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    call "runtime.throw"
    call "runtime.other"
    hlt
    .size _start, .-_start
    .globl "runtime.throw"
    .type "runtime.throw", @function
"runtime.throw":
    ret
    .fill 15, 1, 0xcc
    .size "runtime.throw", .-"runtime.throw"
    .globl "runtime.other"
    .type "runtime.other", @function
"runtime.other":
    ret
    .fill 15, 1, 0xcc
    .size "runtime.other", .-"runtime.other"
    .globl "kern.Panic"
    .type "kern.Panic", @function
"kern.Panic":
    ret
    .fill 15, 1, 0xcc
    .size "kern.Panic", .-"kern.Panic"
    .globl "kern.Other"
    .type "kern.Other", @function
"kern.Other":
    ret
    .fill 15, 1, 0xcc
    .size "kern.Other", .-"kern.Other"
.ifdef .LPADDING
    .fill .LPADDING, 1, 0x90
.endif
    .section .data, "aw", @progbits
    .quad 0x1122334455667788
    .section .goredirectstbl, "aw", @progbits
    .dc.a 0, 0, 0, 0    # two slots of two addresses
    .section .bss, "aw", @nobits
    .fill 4096, 1, 0
