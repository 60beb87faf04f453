; kimage's 32-bit setup for the multiboot and multiboot2 handoffs, without the LZ4 decoder.
; kimage pack picks it from the plan (Setup32Variant.swift).
; Assemble: nasm -f bin -I ../include/ setup32_multiboot.asm
%define SETUP32_HANDOFF_MULTIBOOT
%include "setup32.asm"
