; An ELF64 kernel for ELFFileTests (linked -Ttext=0x200000): _start, a 65-byte helper function,
; 8 KiB of 0x5a data, so a read that skips section contents shows zeros where the data is.
bits 64
section .text
global _start
global helper
_start: jmp _start
helper: times 64 db 0x90
ret
section .data
times 8192 db 0x5a
