; A kernel whose multiboot header asks for what kimage's multiboot handoffs refuse; the header is
; chosen by a define: GRAPHICS (multiboot1 linear graphics mode), FLAG3 (an unknown required
; flag), EFI_TAG (multiboot2 tag 7, EFI boot services), FRAMEBUFFER_TAG (multiboot2 tag 5, required).
bits 32
section .text
global _start
align 8
%ifdef GRAPHICS
dd 0x1BADB002, 4, -(0x1BADB002 + 4), 0, 0, 0, 0, 0, 0, 1024, 768, 32
%elifdef FLAG3
dd 0x1BADB002, 8, -(0x1BADB002 + 8)
%elifdef EFI_TAG
hdr: dd 0xE85250D6, 0, hdr_end - hdr, -(0xE85250D6 + (hdr_end - hdr))
dw 7, 0
dd 8
dw 0, 0
dd 8
hdr_end:
%elifdef FRAMEBUFFER_TAG
hdr: dd 0xE85250D6, 0, hdr_end - hdr, -(0xE85250D6 + (hdr_end - hdr))
dw 5, 0
dd 20, 1024, 768, 32
align 8
dw 0, 0
dd 8
hdr_end:
%else
%error "define GRAPHICS, FLAG3, EFI_TAG or FRAMEBUFFER_TAG"
%endif
_start: jmp _start
