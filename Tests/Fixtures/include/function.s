# function NAME, SIZE: a global function of SIZE bytes (default 16), `ret` then int3 padding,
# typed and sized so `kimage redirect` can patch it; for the GNU as fixtures (.include it as
# "../include/function.s": the builder assembles in the fixture's directory).
    .macro function name, size=16
    .globl "\name"
    .type "\name", @function
"\name":
    ret
    .fill \size - 1, 1, 0xcc
    .size "\name", .-"\name"
    .endm
