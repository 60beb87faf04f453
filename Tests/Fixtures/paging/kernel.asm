; PagingBootTests' kernel: a multiboot ELF32 that loads the page tables `kimage pagetables` wrote,
; turns paging on in the mode under test and checks them (see the suite's comment).
; Defines: MODE (1-4, below), HIGH and HIGH_RO (the aliases), TABLES (the tables' file, quoted),
; NASM_TABLES when TABLES is nasm source, SELF and SLOT for the recursive slot.
; MODE 1 = 32-bit (PSE), 2 = PAE (NXE), 3 = 4-level, 4 = 5-level (LA57).
%define DATA_PHYS 0x300000
; puts/hex32 exist twice, assembled for 32- and 64-bit code (inc esi is a REX prefix in 64-bit).
%define SUFFIX 32
%macro PUTS 1
    lea esi, [%1]
    call puts %+ SUFFIX
%endmacro
%macro HEX32 0
    call hex %+ SUFFIX
%endmacro
%macro ROUTINES 0
puts %+ SUFFIX:       ; esi = NUL-terminated string
    mov dx, 0x3f8
%%next:
    mov al, [esi]
    test al, al
    jz %%done
    out dx, al
    inc esi
    jmp %%next
%%done:
    ret
hex %+ SUFFIX:        ; eax = value: 8 hex digits to COM1
    mov ecx, 8
    mov ebx, eax
%%digit:
    rol ebx, 4
    mov al, bl
    and al, 0xF
    add al, '0'
    cmp al, '9'
    jbe %%out
    add al, 'A' - '9' - 1
%%out:
    mov dx, 0x3f8
    out dx, al
    dec ecx
    jnz %%digit
    ret
%endmacro
bits 32
section .multiboot
align 4
    dd 0x1BADB002, 0, -0x1BADB002

section .text
global _start
_start:
    mov esp, stack_top
    lgdt [gdtr]
    jmp 0x08:.flat
.flat:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov dword [DATA_PHYS], 0x12345678
    mov dword [DATA_PHYS + 4], 0
%if MODE <= 2
    ; 32-bit interrupt gate for #PF (14) and #GP (13).
    mov eax, pf32
    mov edi, idt + 14 * 8
    call gate32
    mov eax, gp32
    mov edi, idt + 13 * 8
    call gate32
    lidt [idtr32]
    mov eax, cr4
  %if MODE == 1
    or eax, 1 << 4          ; PSE for 4 MiB pages
  %else
    or eax, 1 << 5          ; PAE
  %endif
    mov cr4, eax
  %if MODE == 2
    mov ecx, 0xC0000080
    rdmsr
    or eax, 1 << 11         ; EFER.NXE: the tables use XD
    wrmsr
  %endif
    mov eax, kimage_cr3
    mov cr3, eax
    mov eax, cr0
    or eax, (1 << 31) | (1 << 16)   ; PG | WP
    mov cr0, eax
    PUTS msg_on
    mov eax, [HIGH]
    cmp eax, 0x12345678
    jne fail
    PUTS msg_read
    mov dword [HIGH + 4], 0xCAFEBABE
    cmp dword [DATA_PHYS + 4], 0xCAFEBABE
    jne fail
    PUTS msg_write
  %ifdef SLOT
    ; The top table's slot, read through the recursive window, holds the top table.
    mov eax, [SELF + SLOT * 4]
    and eax, 0xFFFFF000
    cmp eax, kimage_cr3
    jne fail
    PUTS msg_recursive
  %endif
    mov dword [HIGH_RO], 1
    PUTS msg_nofault
    mov al, 0x13
    out 0xf4, al
    hlt
%else
    mov eax, pf64
    mov edi, idt + 14 * 16
    call gate64
    mov eax, gp64
    mov edi, idt + 13 * 16
    call gate64
    mov eax, cr4
  %if MODE == 4
    or eax, (1 << 5) | (1 << 12)    ; PAE | LA57
  %else
    or eax, 1 << 5
  %endif
    mov cr4, eax
    mov eax, kimage_cr3
    mov cr3, eax
    mov ecx, 0xC0000080
    rdmsr
    or eax, (1 << 8) | (1 << 11)    ; LME | NXE
    wrmsr
    mov eax, cr0
    or eax, (1 << 31) | (1 << 16)
    mov cr0, eax
    jmp 0x18:long64
%endif

gate32:     ; eax = handler, edi = gate
    mov [edi], ax
    mov word [edi + 2], 0x08
    mov word [edi + 4], 0x8E00
    shr eax, 16
    mov [edi + 6], ax
    ret
gate64:
    mov [edi], ax
    mov word [edi + 2], 0x18
    mov word [edi + 4], 0x8E00
    shr eax, 16
    mov [edi + 6], ax
    mov dword [edi + 8], 0
    mov dword [edi + 12], 0
    ret

fail:
    PUTS msg_fail
    mov al, 0x31
    out 0xf4, al
    hlt

ROUTINES

pf32:
    PUTS msg_pf
    mov eax, [esp]
    HEX32
    PUTS msg_cr2
    mov eax, cr2
    HEX32
    PUTS msg_nl
    mov al, 0x21
    out 0xf4, al
    hlt
gp32:
    PUTS msg_gp
    mov al, 0x32
    out 0xf4, al
    hlt

bits 64
%define SUFFIX 64
ROUTINES
long64:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    lidt [idtr64]
    PUTS msg_on
    mov rbx, HIGH
    mov eax, [rbx]
    cmp eax, 0x12345678
    jne fail64
    PUTS msg_read
    mov dword [rbx + 4], 0xCAFEBABE
    cmp dword [DATA_PHYS + 4], 0xCAFEBABE
    jne fail64
    PUTS msg_write
%ifdef SLOT
    mov rbx, SELF
    mov eax, [rbx + SLOT * 8]
    and eax, 0xFFFFF000
    cmp eax, kimage_cr3
    jne fail64
    PUTS msg_recursive
%endif
    mov rbx, HIGH_RO
    mov dword [rbx], 1
    PUTS msg_nofault
    mov al, 0x13
    out 0xf4, al
    hlt
fail64:
    PUTS msg_fail
    mov al, 0x31
    out 0xf4, al
    hlt
pf64:
    PUTS msg_pf
    mov eax, [rsp]
    HEX32
    PUTS msg_cr2
    mov rax, cr2
    push rax
    shr rax, 32
    HEX32
    pop rax
    HEX32
    PUTS msg_nl
    mov al, 0x21
    out 0xf4, al
    hlt
gp64:
    PUTS msg_gp
    mov al, 0x32
    out 0xf4, al
    hlt

section .data
align 8
gdt:
    dq 0
    dq 0x00CF9A000000FFFF   ; 0x08 code, 32-bit
    dq 0x00CF92000000FFFF   ; 0x10 data
    dq 0x00AF9A000000FFFF   ; 0x18 code, 64-bit
gdt_end:
gdtr:
    dw gdt_end - gdt - 1
    dd gdt
align 8
idtr32:
    dw 256 * 8 - 1
    dd idt
align 8
idtr64:
    dw 256 * 16 - 1
    dq idt
msg_on: db "paging on", 10, 0
msg_read: db "high read ok", 10, 0
msg_write: db "high write ok", 10, 0
msg_recursive: db "recursive ok", 10, 0
msg_nofault: db "no fault on the read-only page", 10, 0
msg_fail: db "check failed", 10, 0
msg_pf: db "#PF err=", 0
msg_cr2: db " cr2=", 0
msg_nl: db 10, 0
msg_gp: db "#GP", 10, 0

section .bss
align 16
idt: resb 256 * 16
stack: resb 4096
stack_top:

section .tables progbits alloc write align=4096
kimage_tables_start:
; The tables kimage pagetables wrote: a blob (incbin) or nasm source (%include).
%ifdef NASM_TABLES
%include TABLES
%else
incbin TABLES
%endif
%ifdef NASM_TABLES
kimage_cr3 equ kimage_pt_cr3
%else
kimage_cr3 equ kimage_tables_start
%endif
