; A kernel whose text compresses and whose data does not: NOISE names a file of bytes that LZ4
; cannot shrink (CompressTests writes it).
bits 64
section .text
global _start
_start: hlt
    jmp _start
    times 4096 db 0x90
section .data
    incbin NOISE
