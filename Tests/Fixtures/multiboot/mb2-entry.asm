; Fixture (c)'s entry: a multiboot2 header asking for every tag kmain2 checks, then kmain2(ebx);
; when every check passed, long mode by the kernel itself (an identity map of 1 GiB in 2 MiB
; pages) and "long mode reached" on COM1, as a 64-bit hobby kernel with 32-bit start code does.
%include "../include/multiboot-entry.inc"
%include "../include/serial.inc"
%include "../include/multiboot-header.inc"
bits 32
section .multiboot
multiboot2_header
    align 8
    dw 1, 0                     ; information request, required
    dd 8 + 4 * 8
    dd 1, 2, 3, 4, 6, 9, 14, 8
    align 8
    dw 1, 1                     ; optional: SMBIOS, new ACPI
    dd 8 + 4 * 2
    dd 13, 15
    align 8
    dw 4, 0                     ; console flags: EGA text supported
    dd 12, 2
    align 8
    dw 6, 0                     ; module alignment
    dd 8
multiboot2_header_end
multiboot_start kmain2
    test eax, eax
    jnz .fail
    ; Long mode, by the kernel itself: identity-map 1 GiB with 2 MiB pages.
    mov edi, pd
    mov eax, 0x83
    mov ecx, 512
.pd:
    mov [edi], eax
    mov dword [edi + 4], 0
    add eax, 0x200000
    add edi, 8
    loop .pd
    mov dword [pdpt], pd + 3
    mov dword [pml4], pdpt + 3
    mov eax, cr4
    or eax, 0x20
    mov cr4, eax
    mov eax, pml4
    mov cr3, eax
    mov ecx, 0xC0000080
    rdmsr
    or eax, 0x100
    wrmsr
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    lgdt [gdt64_ptr]
    jmp 0x08:long64
.fail:
    debug_exit 1
    cli
    hlt
bits 64
long64:
    lea rsi, [rel msg]
    print
    debug_exit 0x10
    cli
    hlt
msg: db "long mode reached", 10, "PASS", 10, 0
bits 32
section .data
align 8
gdt64:
    dq 0
    dq 0x00AF9A000000FFFF
gdt64_ptr:
    dw 15
    dd gdt64
section .bss
align 4096
pml4: resb 4096
pdpt: resb 4096
pd: resb 4096
entry_state_bss
