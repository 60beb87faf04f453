; kimage's 32-bit setup for the Linux 64-bit handoff, with the LZ4 decoder (--compress lz4).
; kimage pack picks it from the plan (Setup32Variant.swift).
; Assemble: nasm -f bin -I ../include/ setup32_linux_lz4.asm
%define SETUP32_HANDOFF_LINUX
%define SETUP32_LZ4
%include "setup32.asm"
