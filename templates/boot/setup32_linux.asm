; kimage's 32-bit setup for the Linux 64-bit handoff, without the LZ4 decoder.
; kimage pack picks it from the plan (Setup32Variant.swift).
; Assemble: nasm -f bin -I ../include/ setup32_linux.asm
%define SETUP32_HANDOFF_LINUX
%include "setup32.asm"
