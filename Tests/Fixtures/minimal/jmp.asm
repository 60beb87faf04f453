; The smallest ELF64 kernel: an entry that spins.
bits 64
section .text
global _start
_start: jmp _start
