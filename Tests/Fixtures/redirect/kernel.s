# The redirect fixture kernel (RedirectFixture in Tests/EndToEndTests/RedirectTests.swift): Go-style
# quoted symbol names, 16-byte functions a redirect can patch, one too small (runtime.small), one
# untyped, a local duplicate (dupf, also in other.s), an alias, a data object and a function in
# .data; then .goredirectstbl. Assembled --64 or --32; defines (--defsym, .L names stay out of the
# symbol table): .LTABLE_BYTES (the table's size; absent: no table section), .LTABLE_NOBITS (the
# table is @nobits), .LFAR (kern.far: a function symbol 1 MiB past .text's end), .LXBSS
# (kern.nobits: a function in an executable @nobits section), .LTABLE_SYMBOLS (data symbols to
# serve as tables: main.redirects, main.odd (24 bytes), main.inbss, main.unloaded (non-alloc)).
    .include "../include/function.s"
    .section .text, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    call "runtime.throw"
    call "runtime.sysReserve"
    hlt
    .size _start, .-_start
    function "runtime.throw"
    function "runtime.sysReserve"
    function "example.com/kern/a%2eb.Panic"
    function "example.com/kern/mm.(*Frame).Reserve"
    function "runtime.small", 4
    function "runtime.after"
    .globl "runtime.notype"
"runtime.notype":
    ret
    .fill 15, 1, 0xcc
    .type "dupf", @function
"dupf":
    ret
    .fill 15, 1, 0xcc
    .size "dupf", .-"dupf"
"runtime.alias":
    function "runtime.aliased"
    .type "runtime.alias", @function
    .size "runtime.alias", 16
    .section .data, "aw", @progbits
    .globl "runtime.object"
    .type "runtime.object", @object
"runtime.object":
    .fill 16, 1, 0
    .size "runtime.object", 16
    function "kern.dataFunc"
.ifdef .LTABLE_BYTES
.ifdef .LTABLE_NOBITS
    .section .goredirectstbl, "aw", @nobits
.else
    .section .goredirectstbl, "aw", @progbits
.endif
    .fill .LTABLE_BYTES, 1, 0
.endif
.ifdef .LFAR
    .section .text, "ax", @progbits
    .globl "kern.far"
    .type "kern.far", @function
    .set "kern.far", "runtime.after" + 0x100000
    .size "kern.far", 16
.endif
.ifdef .LXBSS
    .section .xbss, "ax", @nobits
    .globl "kern.nobits"
    .type "kern.nobits", @function
"kern.nobits":
    .skip 16
    .size "kern.nobits", 16
.endif
.ifdef .LTABLE_SYMBOLS
    .section .data, "aw", @progbits
    .balign 16
    .globl "main.redirects"
    .type "main.redirects", @object
"main.redirects":
    .fill 32, 1, 0xee
    .size "main.redirects", 32
    .type "main.odd", @object
"main.odd":
    .fill 24, 1, 0
    .size "main.odd", 24
    .section .bss, "aw", @nobits
    .type "main.inbss", @object
"main.inbss":
    .fill 32, 1, 0
    .size "main.inbss", 32
    .section .comment.tbl, "", @progbits
    .type "main.unloaded", @object
"main.unloaded":
    .fill 32, 1, 0
    .size "main.unloaded", 32
.endif
