; kimage's 32-bit setup for the kimage handoff, with the LZ4 decoder (--compress lz4).
; kimage pack picks it from the plan (Setup32Variant.swift).
; Assemble: nasm -f bin -I ../include/ setup32_kimage_lz4.asm
%define SETUP32_HANDOFF_KIMAGE
%define SETUP32_LZ4
%include "setup32.asm"
