# The README's redirect examples' kernel (readme-test redirect-kernel): the go-tree's functions
# under the Go linker's names, text at 1 MiB, and a .goredirectstbl of .LTABLE_BYTES bytes
# (--defsym; 32 for kernel.elf's two slots, 16 for stale.elf's one).
    .include "../include/function.s"
    .section .text, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    call "runtime.throw"
    hlt
    .size _start, .-_start
    function "runtime.throw", 32
    function "runtime.sysReserve", 32
    function "example.com/kern/kernel/kfmt.Panic"
    function "example.com/kern/kernel/mm%2ev2.(*Frame).Reserve"
    .section .goredirectstbl, "aw", @progbits
    .fill .LTABLE_BYTES, 1, 0
