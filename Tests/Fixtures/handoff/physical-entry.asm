; A higher-half ELF64 whose e_entry is the physical address of 32-bit start code (the classic way:
; the kernel enables paging itself). It checks what the kimage handoff promises with paging off,
; and that the loader's CR4/EFER bits were reset. Linked by physical-entry.ld.
bits 32
%macro putc 1
    mov dx, 0x3F8
    mov al, %1
    out dx, al
%endmacro
%macro fail_unless_zero 2          ; register, digit
    jz %%ok
    putc 'F'
    putc %2
    jmp fail
%%ok:
%endmacro
section .text
global _start
_start:
    cmp eax, 0x6B696D67            ; KIMAGE_ENTRY_MAGIC
    setne cl
    cmp dword [ebx], 0x474D494B    ; the boot info's "KIMG"
    setne ch
    or cl, ch
    test cl, cl
    fail_unless_zero cl, '1'
    mov eax, cr0
    test eax, 0x80000000           ; paging off
    fail_unless_zero eax, '2'
    call .here                     ; running at the physical address
.here:
    pop eax
    cmp eax, 0x200000
    setae cl
    test cl, cl
    fail_unless_zero cl, '3'
    mov eax, cr4
    test eax, 0xA0                 ; PAE and PGE clear
    fail_unless_zero eax, '4'
    putc 'P'
    putc 'A'
    putc 'S'
    putc 'S'
    putc 10
    mov dx, 0xF4
    mov eax, 0x10
    out dx, eax
fail:
    cli
    hlt
    jmp fail
section .data
value: dd 42
