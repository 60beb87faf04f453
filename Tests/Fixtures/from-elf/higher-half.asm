; A higher-half kernel with a text and a data segment, for `kimage pagetables --from-elf`.
section .text
global _start
_start: hlt
section .data
dq 1
