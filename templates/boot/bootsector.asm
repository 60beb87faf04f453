; kimage boot sector: file offsets 0..0x1FF of a boot image. Boot-protocol loaders never run it;
; they read the header fields at 0x1F1.. (kimage pack fills them). A BIOS that boots the image
; directly runs this code at 0000:7C00: it says what the image needs and halts.
; Assemble: nasm -f bin -I . bootsector.asm

bits 16
org 0

    jmp 0x07C0:go               ; normalise CS so the message is addressed from 0

    ; Loaders may write the old command-line magic at 0x20..0x23: keep code clear of it.
    times 0x30 - ($ - $$) db 0

%include "bootsector_print.inc"

message:
    db "kimage: this is a Linux/x86 boot-protocol image; boot it with a boot-protocol", 13, 10
    db "loader (qemu -kernel, GRUB linux or linux16), not from a boot sector. Halted.", 13, 10, 0

    times 0x1F1 - ($ - $$) db 0
    ; 0x1F1..0x1FD: setup_sects, root_flags, syssize, ram_size, vid_mode, root_dev (kimage fills)
    times 0x1FE - ($ - $$) db 0
    dw 0xAA55                   ; boot_flag
