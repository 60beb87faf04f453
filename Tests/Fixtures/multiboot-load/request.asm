; A multiboot2 header whose information request asks for the boot device (5), VBE (7) and APM
; (10), which kimage cannot give, beside the memory map (6); -dOPTIONAL sets the request's
; optional flag. It is packed, never booted.
bits 32
%ifdef OPTIONAL
%define REQUEST_FLAGS 1
%else
%define REQUEST_FLAGS 0
%endif
section .text
global _start
align 8
hdr: dd 0xE85250D6, 0, hdr_end - hdr, -(0xE85250D6 + (hdr_end - hdr))
    dw 1, REQUEST_FLAGS
    dd 8 + 4 * 4, 6, 5, 7, 10
    dw 0, 0
    dd 8
hdr_end:
_start: jmp _start
