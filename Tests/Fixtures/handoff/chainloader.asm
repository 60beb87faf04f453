; A boot-protocol loader that leaves CPU state behind, as SYSLINUX's EFI loader does: QEMU
; -kernel loads it (multiboot), the kimage image comes as module 0 (-initrd). It builds
; boot_params the way boot.rst says (setup header copied, E820 from the multiboot map,
; command line), copies the protected-mode part to 0x100000, sets CR4.PAE, CR4.PGE and
; EFER.NXE, and enters code32_start with esi = boot_params.
bits 32
BOOT_PARAMS equ 0x90000
section .multiboot
align 4
    dd 0x1BADB002, 3, -(0x1BADB002 + 3)
section .text
global _start
_start:
    mov esp, stack_top
    mov ebp, ebx                        ; the MBI
    mov edi, BOOT_PARAMS
    xor eax, eax
    mov ecx, 1024
    rep stosd
    mov edx, [ebp + 24]                 ; mods_addr
    mov edx, [edx]                      ; the image
    lea esi, [edx + 0x1F1]
    mov edi, BOOT_PARAMS + 0x1F1
    mov ecx, 0x268 - 0x1F1
    rep movsb
    mov byte [BOOT_PARAMS + 0x210], 0xFF    ; type_of_loader: undefined
    mov eax, [ebp + 16]
    mov [BOOT_PARAMS + 0x228], eax          ; cmd_line_ptr: the multiboot command line
    ; E820: the multiboot map's entries without their size fields.
    mov esi, [ebp + 48]
    mov ecx, [ebp + 44]
    add ecx, esi
    mov edi, BOOT_PARAMS + 0x2D0
    xor ebx, ebx
.e820:
    cmp esi, ecx
    jae .e820_done
    push ecx
    push esi
    add esi, 4
    mov ecx, 5
    rep movsd
    pop esi
    pop ecx
    add esi, [esi]
    add esi, 4
    inc ebx
    jmp .e820
.e820_done:
    mov [BOOT_PARAMS + 0x1E8], bl
    ; The protected-mode part: after (setup_sects + 1) sectors, syssize * 16 bytes.
    movzx eax, byte [edx + 0x1F1]
    test eax, eax
    jnz .sects
    mov eax, 4
.sects:
    inc eax
    shl eax, 9
    lea esi, [edx + eax]
    mov ecx, [edx + 0x1F4]
    shl ecx, 4
    mov edi, 0x100000
    rep movsb
    ; What the next loader should not have to clear, but must.
    mov eax, cr4
    or eax, 0xA0                        ; PAE | PGE
    mov cr4, eax
    mov ecx, 0xC0000080
    rdmsr
    or eax, 0x800                       ; NXE
    wrmsr
    mov esi, BOOT_PARAMS
    xor ebx, ebx
    xor ebp, ebp
    xor edi, edi
    mov eax, 0x100000
    jmp eax
section .bss
align 16
stack: resb 4096
stack_top:
