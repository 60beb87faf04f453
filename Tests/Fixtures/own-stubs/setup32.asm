; A 32-bit setup (kimage pack --setup32) that finds the part table after itself and checks both
; ELFs' magic; flat binary at 1 MiB.
bits 32
org 0x100000
%include "kimage/bootinfo.inc"
start:
    mov esi, parts
    cmp dword [esi], KIMAGE_PART_TABLE_MAGIC
    jne fail
    cmp dword [esi + 8], 2
    jne fail
    cmp dword [esi + 16], KIMAGE_PART_KERNEL_ELF
    jne fail
    mov eax, [esi + 20]
    test eax, 0xFFF
    jnz fail
    cmp dword [eax + 0x100000], 0x464C457F
    jne fail
    cmp dword [esi + 32], KIMAGE_PART_LOADER_ELF
    jne fail
    mov eax, [esi + 36]
    cmp dword [eax + 0x100000], 0x464C457F
    jne fail
    mov esi, pass_msg
    call print
    mov eax, 0x10
    out 0xF4, eax
fail:
    mov esi, fail_msg
    call print
    mov eax, 1
    out 0xF4, eax
print:
    mov dx, 0x3F8
.next:
    lodsb
    test al, al
    jz .done
    out dx, al
    jmp .next
.done:
    ret
pass_msg: db "own setup32: part table, kernel ELF and loader ELF found", 10, 0
fail_msg: db "own setup32: FAIL", 10, 0
align 16
parts:
