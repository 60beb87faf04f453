; An ELF32 kernel whose .goredirectstbl has two entries: patched (its rel32 jmp already written)
; and unpatched, both to target. Linked by redirects32.ld.
bits 32
section .text
global _start
global patched
global target
global unpatched
_start: jmp _start
align 16
patched: db 0xE9
         dd target - (patched + 5)
align 16
unpatched: times 8 nop
align 16
target: ret
section .goredirectstbl progbits alloc write noexec align=4
dd patched, target
dd unpatched, target
