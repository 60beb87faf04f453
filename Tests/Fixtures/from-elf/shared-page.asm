; A text and a data segment that share a 4 KiB page (linked by shared-page.ld).
bits 64
section .text
global _start
_start: jmp _start
section .data
value: dq 42
