; A 16-bit setup (kimage pack --setup16) with its own header that only reports it ran, from real
; mode; flat binary.
bits 16
org 0x200
    jmp short code
    db "HdrS"
    dw 0x020C               ; version
    times 0x211 - ($ - $$) - 0x200 db 0
    db 1                    ; loadflags: LOADED_HIGH
    times 0x214 - ($ - $$) - 0x200 db 0
    dd 0x100000             ; code32_start
    times 0x268 - ($ - $$) - 0x200 db 0
code:
    mov ax, cs
    mov ds, ax
    mov si, message - 0x200
    mov dx, 0x3F8
.next:
    lodsb
    test al, al
    jz .done
    out dx, al
    jmp .next
.done:
    mov ax, 0x10
    out 0xF4, ax
    hlt
message: db "own setup16 ran", 10, 0
