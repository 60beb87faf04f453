; kimage's 32-bit setup for the kimage handoff, without the LZ4 decoder.
; kimage pack picks it from the plan (Setup32Variant.swift).
; Assemble: nasm -f bin -I ../include/ setup32_kimage.asm
%define SETUP32_HANDOFF_KIMAGE
%include "setup32.asm"
