# A small kernel for the robustness tests (RobustnessFixture) and the fuzz seeds (Fuzz/seeds.sh):
# _start, four 16-byte functions a redirect can patch (runtime.throw, runtime.other -> kern.Panic,
# kern.Other), data, a two-slot .goredirectstbl and bss; assembled --64 or --32 and linked at 2 MiB
# (or higher-half), so `pack` accepts it. .LPADDING (--defsym) adds that many bytes of nops to .text.
    .include "../include/function.s"
    .section .text, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    call "runtime.throw"
    call "runtime.other"
    hlt
    .size _start, .-_start
    function "runtime.throw"
    function "runtime.other"
    function "kern.Panic"
    function "kern.Other"
.ifdef .LPADDING
    .fill .LPADDING, 1, 0x90
.endif
    .section .data, "aw", @progbits
    .quad 0x1122334455667788
    .section .goredirectstbl, "aw", @progbits
    .dc.a 0, 0, 0, 0    # two slots of two addresses
    .section .bss, "aw", @nobits
    .fill 4096, 1, 0
