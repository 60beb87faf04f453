; A kernel whose text and bss end just below 4 GiB (top.ld), so a boot stack above it would end
; past 4 GiB.
bits 64
section .text
global _start
_start: jmp _start
section .bss
resb 0x1000
