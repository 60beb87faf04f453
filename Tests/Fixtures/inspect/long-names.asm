; Sections whose names reach past inspect's column (ld's .note.gnu.build-id is 18 characters; one
; of 24; a nobits one longer still), all in one RWX segment (long-names.ld).
bits 64
section .text
global _start
_start: jmp _start
section .note.gnu.build-id progbits alloc noexec nowrite
times 0x24 db 0
section .a_section_name_of_24_ch progbits alloc noexec nowrite
times 8 db 0
section .a_very_long_section_name_beyond_any_column nobits alloc noexec write
resb 0x10000
