# The README's redirect examples' kernel (readme-test redirect-kernel): the go-tree's functions
# under the Go linker's names, text at 1 MiB, and a .goredirectstbl of .LTABLE_BYTES bytes
# (--defsym; 32 for kernel.elf's two slots, 16 for stale.elf's one).
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
    .fill 31, 1, 0xcc
    .size "runtime.throw", .-"runtime.throw"
    .globl "runtime.sysReserve"
    .type "runtime.sysReserve", @function
"runtime.sysReserve":
    ret
    .fill 31, 1, 0xcc
    .size "runtime.sysReserve", .-"runtime.sysReserve"
    .globl "example.com/kern/kernel/kfmt.Panic"
    .type "example.com/kern/kernel/kfmt.Panic", @function
"example.com/kern/kernel/kfmt.Panic":
    ret
    .fill 15, 1, 0xcc
    .size "example.com/kern/kernel/kfmt.Panic", .-"example.com/kern/kernel/kfmt.Panic"
    .globl "example.com/kern/kernel/mm%2ev2.(*Frame).Reserve"
    .type "example.com/kern/kernel/mm%2ev2.(*Frame).Reserve", @function
"example.com/kern/kernel/mm%2ev2.(*Frame).Reserve":
    ret
    .fill 15, 1, 0xcc
    .size "example.com/kern/kernel/mm%2ev2.(*Frame).Reserve", .-"example.com/kern/kernel/mm%2ev2.(*Frame).Reserve"
    .section .goredirectstbl, "aw", @progbits
    .fill .LTABLE_BYTES, 1, 0
