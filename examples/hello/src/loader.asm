; A stand-in for a user-space loader (Jinue style): kimage pack carries this ELF in the image and
; the boot info says where it is. The kernel only reports it; nothing runs it.
bits 64
section .text
global _start
_start:
    jmp _start
