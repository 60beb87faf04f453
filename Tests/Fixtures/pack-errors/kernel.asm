; A tiny ELF32 kernel (text, data with a global `value`, bss) that PackErrorTests links with
; one of the scripts beside it, each breaking one rule of `kimage pack`.
bits 32
section .text
global _start
_start: jmp _start
section .data
global value
value: dd 42
section .bss
big: resb 64
