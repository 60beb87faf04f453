# kimage redirect installer, x86-64, GNU as. void kimage_install_redirects(void)
#
# Walks the table `kimage redirect` filled in .goredirectstbl (u64 src, u64 dst per entry) and
# writes at each src the 14-byte trampoline `jmp *0(%rip); .quad dst` (FF 25 00 00 00 00 + dst),
# so every call to src lands in dst and no register is clobbered on the way.
# - The loop tests before it reads: an empty table (NUM_REDIRECTS = 0) installs nothing.
# - A zero entry (src = dst = 0, the spare slots of `kimage redirect --allow-spare`) ends it.
# - CR0.WP is cleared while writing, since kimage pack maps .text read-only, and restored after.
# Call it once, early, with interrupts off and before any other CPU runs. Kernels whose table
# was written with `kimage redirect --patch` need not call it (calling it again is harmless).
# Clobbers rax, rcx, rdx, rsi, rdi (caller-saved in the System V ABI).

# Empty, but it makes the linker's .goredirectstbl output section PROGBITS, so the slots the
# linker script reserves have file bytes for `kimage redirect` to fill.
        .section .goredirectstbl, "a", @progbits
        .balign 16

        .text
        .globl kimage_install_redirects
        .type kimage_install_redirects, @function
kimage_install_redirects:
        leaq __kimage_redirects_start(%rip), %rsi
        leaq __kimage_redirects_end(%rip), %rcx
        movq %cr0, %rdx
        pushq %rdx
        andq $~(1 << 16), %rdx          # CR0.WP = 0: supervisor writes ignore read-only pages
        movq %rdx, %cr0
1:      cmpq %rcx, %rsi
        jae 2f
        movq (%rsi), %rdi               # src
        movq 8(%rsi), %rax              # dst
        movq %rdi, %rdx
        orq %rax, %rdx
        jz 2f                           # zero entry: spare slots follow
        movl $0x000025FF, (%rdi)        # FF 25 00 00: jmp *disp32(%rip)...
        movw $0, 4(%rdi)                # ...00 00: disp32 = 0, the target follows the instruction
        movq %rax, 6(%rdi)              # the absolute address jmp reads
        addq $16, %rsi
        jmp 1b
2:      popq %rdx
        movq %rdx, %cr0                 # restore WP; mov to CR0 also serialises the new code
        ret
        .size kimage_install_redirects, . - kimage_install_redirects
        .section .note.GNU-stack, "", @progbits
