; A small user-space loader ELF for pack fixtures (any ELF: the kernel checks its magic and size).
bits 64
section .text
global _start
_start: jmp _start
section .data
hello: db "user-space loader", 0
