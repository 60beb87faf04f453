; Fixture (b): a multiboot1 ELF32 linked higher-half (vaddr 0xC0100000, paddr 1 MiB), entered at
; its physical address; it enables paging itself, loads its own GDT without reloading any segment
; register and takes an interrupt: a CS other than 0x08 left by the loader faults at its iret.
%include "../include/serial.inc"
bits 32
KERNEL_VMA equ 0xC0000000
section .multiboot
align 4
    dd 0x1BADB002, 3, -(0x1BADB002 + 3)
section .text
global start
start:                                  ; entered at its physical address, paging off
    mov [entry_cs - KERNEL_VMA], cs
    mov [entry_magic - KERNEL_VMA], eax
    ; Page directory: 4 MiB pages, identity and at 0xC0000000.
    mov dword [page_dir - KERNEL_VMA], 0x83
    mov dword [page_dir - KERNEL_VMA + (KERNEL_VMA >> 22) * 4], 0x83
    mov eax, cr4
    or eax, 0x10                        ; PSE
    mov cr4, eax
    mov eax, page_dir - KERNEL_VMA
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    lea eax, [high]
    jmp eax
high:
    mov esp, stack_top
    ; Its own GDT, with the same selectors as QEMU's, and NO segment register reload:
    ; this works only when the loader left CS = 0x08 and data = 0x10.
    lgdt [gdt_ptr]
    ; IDT: vector 0x30 only.
    mov eax, isr
    mov [idt + 0x30 * 8], ax
    mov word [idt + 0x30 * 8 + 2], 0x08
    mov word [idt + 0x30 * 8 + 4], 0x8E00
    shr eax, 16
    mov [idt + 0x30 * 8 + 6], ax
    lidt [idt_ptr]
    int 0x30                            ; iret reloads CS from what the CPU pushed
    cmp dword [entry_magic], 0x2BADB002
    jne fail
    cmp word [entry_cs], 0x08
    jne fail
    cmp dword [isr_ran], 1
    jne fail
    mov esi, msg
    print
    debug_exit 0x10
fail:
    mov esi, fail_msg
    print
.halt:
    cli
    hlt
    jmp .halt
isr:
    mov dword [isr_ran], 1
    iretd
msg: db "higher-half multiboot fixture: paging on, interrupt taken with the loader's CS", 10, "PASS", 10, 0
fail_msg: db "FAILED", 10, 0
section .data
align 8
gdt:
    dq 0
    dq 0x00CF9A000000FFFF               ; 0x08 code
    dq 0x00CF92000000FFFF               ; 0x10 data
gdt_ptr:
    dw 23
    dd gdt
idt_ptr:
    dw 0x31 * 8 - 1
    dd idt
section .bss
align 4096
page_dir: resb 4096
idt: resb 0x31 * 8
entry_cs: resd 1
entry_magic: resd 1
isr_ran: resd 1
align 16
stack: resb 8192
stack_top:
