; MultibootLoadTests' kernel: position independent (it finds its base with call/pop), it checks
; that it runs at EXPECT_BASE, that its data is loaded and its bss zeroed, and what the loader
; says of where it put things, printing "ok"/"FAIL" lines, "base 0x..." and "PASS" on COM1 and
; exiting through isa-debug-exit with 0x10 when every check passed, 1 otherwise.
; Defines: one header, EXPECT_BASE (a number, written as the tests print it: 0x200000):
;   MB1_ADDRESS    multiboot1 with flag 16: the address fields say where the bytes go;
;   MB2_ADDRESS    multiboot2 with an address tag (2) and an entry address tag (3);
;   MB2_RELOCATABLE multiboot2 with a relocatable tag (10): RELOC_MIN, RELOC_MAX, RELOC_ALIGN,
;                  RELOC_PREFERENCE.
; Multiboot2 kernels check that tag 21 holds the base; both, that module 0, when there is one,
; starts on a page boundary (MB1 flag 0, MB2 tag 6).
%include "../include/serial.inc"
%include "../include/multiboot-header.inc"
bits 32
%ifdef MB1_ADDRESS
%define MAGIC 0x2BADB002
%else
%define MAGIC 0x36D76289
%endif
%defstr EXPECT_BASE_TEXT EXPECT_BASE
%strcat BASE_MESSAGE "runs at the expected base ", EXPECT_BASE_TEXT
section .text
image_start:
%ifdef MB1_ADDRESS
align 4
hdr: dd 0x1BADB002, 0x10001, -(0x1BADB002 + 0x10001)
    dd hdr, image_start, data_end, bss_end, _start
%else
multiboot2_header
%ifdef MB2_ADDRESS
    dw 2, 0
    dd 24, mb2_header, image_start, data_end, bss_end
    dw 3, 0
    dd 12, _start
    dd 0
%elifdef MB2_RELOCATABLE
    dw 10, 0
    dd 24, RELOC_MIN, RELOC_MAX, RELOC_ALIGN, RELOC_PREFERENCE
%else
%error "define MB1_ADDRESS, MB2_ADDRESS or MB2_RELOCATABLE"
%endif
    dw 6, 0                     ; module alignment
    dd 8
multiboot2_header_end
%endif
global _start
_start:
    mov esi, eax                    ; the magic
    xor edi, edi                    ; failures
    call .here
.here:
    pop ebp
    sub ebp, .here - image_start    ; ebp = where image_start runs
    cmp esi, MAGIC
    check e, "eax holds the loader magic"
    puts "base "
    mov eax, ebp
    call puthex
    putc 10
    cmp ebp, EXPECT_BASE
    check e, BASE_MESSAGE
    cmp dword [ebp + data_word - image_start], 0x600DF00D
    check e, "data loaded"
    cmp dword [ebp + bss_word - image_start], 0
    check e, "bss zeroed"
%ifdef MB1_ADDRESS
    ; MBI: module 0, when there is one, must be page-aligned.
    cmp dword [ebx + 20], 0         ; mods_count
    je .no_module
    mov eax, [ebx + 24]             ; mods_addr
    test dword [eax], 0xFFF
    check z, "module 0 starts on a page boundary"
.no_module:
%else
    ; MBI2: tag 21 must hold the base; module 0 (tag 3), when there is one, must be page-aligned.
    lea esi, [ebx + 8]
    xor ecx, ecx                    ; tag 21 seen
.walk:
    mov eax, [esi]
    test eax, eax
    jz .walked
    cmp eax, 21
    jne .not21
    inc ecx
    cmp [esi + 8], ebp
    check e, "tag 21 (load base) holds the base"
.not21:
    cmp dword [esi], 3
    jne .next
    test dword [esi + 8], 0xFFF
    check z, "module 0 starts on a page boundary"
.next:
    mov eax, [esi + 4]
    add eax, 7
    and eax, ~7
    add esi, eax
    jmp .walk
.walked:
    test ecx, ecx
    check nz, "tag 21 is there"
%endif
    test edi, edi
    jnz .fail
    puts "PASS"
    putc 10
    debug_exit 0x10
.fail:
    debug_exit 1
.halt:
    cli
    hlt
    jmp .halt

; Prints eax in hex (eax, ecx, edx clobbered).
puthex:
    push ebx
    mov ebx, eax
    puts "0x"
    mov ecx, 8
.digit:
    rol ebx, 4
    mov eax, ebx
    and eax, 0xF
    cmp al, 10
    jb .dec
    add al, 'a' - 10 - '0'
.dec:
    add al, '0'
    mov dx, 0x3F8
    out dx, al
    dec ecx
    jnz .digit
    pop ebx
    ret
section .data
data_word: dd 0x600DF00D
data_end:
section .bss
bss_word: resd 1
resb 8192
bss_end:
