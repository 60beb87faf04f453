; The smallest kernel that stops: an entry that halts (its bytes are the same in every mode).
section .text
global _start
_start: hlt
