; Fixture (a)'s entry: a multiboot1 header with flags 0x3 (page-aligned modules, memory), or 0x7
; with -dFRAMEBUFFER (EGA text 80x25 asked for), then kmain(ebx).
%include "../include/multiboot-entry.inc"
bits 32
%define FLAGS 3
%ifdef FRAMEBUFFER
%define FLAGS 7
%endif
section .multiboot
align 4
    dd 0x1BADB002, FLAGS, -(0x1BADB002 + FLAGS)
    dd 0, 0, 0, 0, 0            ; address fields (flag 16 clear)
    dd 1, 80, 25, 0             ; EGA text, 80x25
multiboot_start kmain
multiboot_halt
