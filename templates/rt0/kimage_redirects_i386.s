# kimage redirect installer, i386, GNU as. void kimage_install_redirects(void)
#
# Walks the table `kimage redirect` filled in .goredirectstbl (u32 src, u32 dst per entry) and
# writes at each src the 5-byte trampoline `jmp rel32` (E9 + dst - (src + 5)), so every call to
# src lands in dst.
# - The loop tests before it reads: an empty table (NUM_REDIRECTS = 0) installs nothing.
# - A zero entry (src = dst = 0, the spare slots of `kimage redirect --allow-spare`) ends it.
# - CR0.WP is cleared while writing, since kimage pack maps .text read-only, and restored after.
# Call it once, early, with interrupts off and before any other CPU runs. Kernels whose table
# was written with `kimage redirect --patch` need not call it (calling it again is harmless).
# Preserves ebx, esi, edi, ebp (cdecl).

# Empty, but it makes the linker's .goredirectstbl output section PROGBITS, so the slots the
# linker script reserves have file bytes for `kimage redirect` to fill.
        .section .goredirectstbl, "a", @progbits
        .balign 8

        .text
        .globl kimage_install_redirects
        .type kimage_install_redirects, @function
kimage_install_redirects:
        pushl %ebx
        pushl %esi
        pushl %edi
        movl $__kimage_redirects_start, %esi
        movl $__kimage_redirects_end, %ecx
        movl %cr0, %edx
        pushl %edx
        andl $~(1 << 16), %edx          # CR0.WP = 0: supervisor writes ignore read-only pages
        movl %edx, %cr0
1:      cmpl %ecx, %esi
        jae 2f
        movl (%esi), %edi               # src
        movl 4(%esi), %eax              # dst
        movl %edi, %ebx
        orl %eax, %ebx
        jz 2f                           # zero entry: spare slots follow
        subl %edi, %eax
        subl $5, %eax                   # rel32 counts from the end of the 5-byte jmp
        movb $0xE9, (%edi)
        movl %eax, 1(%edi)
        addl $8, %esi
        jmp 1b
2:      popl %edx
        movl %edx, %cr0                 # restore WP; mov to CR0 also serialises the new code
        popl %edi
        popl %esi
        popl %ebx
        ret
        .size kimage_install_redirects, . - kimage_install_redirects
        .section .note.GNU-stack, "", @progbits
