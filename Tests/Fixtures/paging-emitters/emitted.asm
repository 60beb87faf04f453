; Wraps the tables `kimage pagetables --format nasm` emitted (tables.inc, found with -I) in a
; .tables section, for PagingEmitterTests to link with tables.ld and compare with the bin blob.
section .tables progbits alloc write align=4096
%include "tables.inc"
