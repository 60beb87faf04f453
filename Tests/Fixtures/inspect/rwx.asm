bits 32
section .text progbits alloc exec write
global _start
_start: jmp _start
times 0x40-($-$$) db 0x90
