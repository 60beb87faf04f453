; kimage 16-bit setup: file offset 0x200 of a boot image, run by 16-bit boot-protocol loaders
; (QEMU -kernel, GRUB linux16) at (X>>4)+0x20:0000 with DS = X>>4. It reads the E820 map,
; enables A20 when it is off, builds boot_params from the header the loader filled in, enters
; protected mode with the GDT a 32-bit loader would give (0x10 code, 0x18 data) and jumps to
; code32_start with esi = boot_params, exactly like GRUB linux does.
; Offsets below are from X (the boot sector's load address). kimage pack fills the header.
; Assemble: nasm -f bin -I . setup16.asm

bits 16
org 0x200

%include "bootparams.inc"

BOOT_PARAMS     equ 0x1000          ; boot_params page, after the setup (setup_sects <= 6)
STACK_TOP       equ 0x9000          ; GRUB linux16's SP; QEMU puts the command line at X+0x10000
E820_MAGIC      equ 0x534D4150      ; "SMAP"

    jmp short header_end            ; 0x200: EB 66, the header ends at 0x268 (2.11 .. 2.13)
    db "HdrS"                       ; 0x202
    times 0x268 - ($ - $$) - 0x200 db 0   ; 0x206..0x267: header fields, filled by kimage pack

header_end:
    cli
    cld
    mov ax, cs
    sub ax, 0x20                    ; CS = DS + 0x20 at entry: address everything from X
    mov ds, ax
    mov es, ax
    mov ss, ax                      ; SS:SP may not be ours (old loaders): take our own stack
    mov sp, STACK_TOP
    push ax
    push word normalised
    retf

normalised:
    ; boot_params: zeroed, then the header as the loader left it (0x1F1 .. 0x202 + byte[0x201]).
    xor eax, eax
    mov di, BOOT_PARAMS
    mov cx, BP_SIZE / 4
    rep stosd
    mov si, BP_SETUP_SECTS
    mov di, BOOT_PARAMS + BP_SETUP_SECTS
    xor cx, cx
    mov cl, [BP_JUMP + 1]
    add cx, BP_HEADER - BP_SETUP_SECTS
    rep movsb

    ; E820: the entry returned with EBX = 0 is valid; some BIOSes end with CF = 1 instead.
    xor ebx, ebx
    xor bp, bp
    mov di, BOOT_PARAMS + BP_E820_TABLE
.e820:
    mov eax, 0xE820
    mov edx, E820_MAGIC
    mov ecx, BP_E820_ENTRY_SIZE
    int 0x15
    jc .e820_done
    cmp eax, E820_MAGIC
    jne .e820_bad
    inc bp
    add di, BP_E820_ENTRY_SIZE
    test ebx, ebx
    jz .e820_done
    cmp bp, BP_E820_MAX
    jb .e820
    jmp .e820_done
.e820_bad:
    xor bp, bp                      ; a BIOS that stops answering 'SMAP' gives nothing usable
.e820_done:
    mov ax, bp
    mov [BOOT_PARAMS + BP_E820_ENTRIES], al

    ; A20: only touch the hardware when the wrap-around test says it is off.
    call a20_enabled
    jnz .a20_done
    mov ax, 0x2401                  ; BIOS
    int 0x15
    call a20_enabled
    jnz .a20_done
    call kbc_wait                   ; keyboard controller: write output port
    mov al, 0xD1
    out 0x64, al
    call kbc_wait
    mov al, 0xDF
    out 0x60, al
    call kbc_wait
    call a20_enabled
    jnz .a20_done
    in al, 0x92                     ; fast A20, bit 0 kept clear (it resets the machine)
    or al, 0x02
    and al, 0xFE
    out 0x92, al
    call a20_enabled
    jnz .a20_done
    mov si, a20_message
    jmp fatal
.a20_done:

    ; Protected mode the way Linux's setup enters it: NMI and PICs masked, IDT limit 0.
    cli
    mov al, 0x80
    out 0x70, al
    mov al, 0xFF
    out 0xA1, al
    mov al, 0xFB
    out 0x21, al
    xor ebx, ebx
    mov bx, ds
    shl ebx, 4                      ; ebx = X, linear
    lea eax, [ebx + gdt]
    mov [gdtr + 2], eax
    lgdt [gdtr]
    lidt [idtr]
    lea eax, [ebx + pm32]
    mov ecx, cr0
    or cl, 1
    mov cr0, ecx
    push dword 0x10
    push eax
    o32 retf

bits 32
pm32:
    mov ax, 0x18
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    lea esp, [ebx + STACK_TOP]
    lea esi, [ebx + BOOT_PARAMS]
    mov eax, [esi + BP_CODE32_START] ; as the loader may have changed it
    xor ebx, ebx
    xor ecx, ecx
    xor edx, edx
    xor edi, edi
    xor ebp, ebp
    jmp eax

bits 16
; ZF clear when A20 is on: 0000:0500 and FFFF:0510 are different bytes.
a20_enabled:
    push ds
    push es
    xor ax, ax
    mov ds, ax
    not ax
    mov es, ax
    mov cl, [0x0500]
    mov ch, [es:0x0510]
    mov byte [0x0500], 0x00
    mov byte [es:0x0510], 0xFF
    mov al, [0x0500]
    mov [es:0x0510], ch
    mov [0x0500], cl
    pop es
    pop ds
    test al, al                     ; 0xFF: the write wrapped around, A20 off
    setz al
    test al, al
    ret

kbc_wait:
    mov cx, 0xFFFF
.loop:
    in al, 0x64
    test al, 0x02
    jz .done
    loop .loop
.done:
    ret

; Prints ds:si with the BIOS and halts.
fatal:
    lodsb
    test al, al
    jz .halt
    mov ah, 0x0E
    mov bx, 0x0007
    int 0x10
    jmp fatal
.halt:
    cli
    hlt
    jmp .halt

a20_message:    db "kimage setup: A20 gate not responding", 13, 10, 0

align 8
gdt:
    dq 0
    dq 0
    dq 0x00CF9A000000FFFF           ; 0x10: flat 32-bit code
    dq 0x00CF92000000FFFF           ; 0x18: flat data
gdt_end:
gdtr:
    dw gdt_end - gdt - 1
    dd 0                            ; linear base, set at run time
idtr:
    dw 0
    dd 0
