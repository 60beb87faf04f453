; kimage boot sector for images that are also EFI applications: file offsets 0..0x1FF. "MZ" and
; e_lfanew make firmware find the PE32+ header at 0x40, which kimage pack writes (PEHeader.swift)
; into the zeros below, as Linux's header.S does; the boot protocol owns 0x1EF onward. A BIOS
; that boots the raw file runs this at 0000:7C00 ("MZ" is dec bp; pop dx): it says what the image
; needs and halts.
; Assemble: nasm -f bin -I . bootsector_efi.asm

bits 16
org 0

    db "MZ"                     ; DOS e_magic
    jmp 0x07C0:go               ; normalise CS so the message is addressed from 0

    times 0x3C - ($ - $$) db 0
    dd 0x40                     ; e_lfanew: "PE\0\0" right after the DOS header

    ; 0x40..: PE signature, COFF and optional headers, section table (up to 3 sections).
    times 0x170 - ($ - $$) db 0

%include "bootsector_print.inc"

message:
    db "kimage: start this image from UEFI or a boot-protocol loader.", 13, 10, 0

    %if ($ - $$) > 0x1EF
    %error "boot sector code reaches the setup header"
    %endif
    times 0x1EF - ($ - $$) db 0xFF
    db 0xFF, 0xFF               ; 0x1EF..0x1F0: Linux's sentinel
    ; 0x1F1..0x1FD: setup_sects, root_flags, syssize, ram_size, vid_mode, root_dev (kimage fills)
    times 0x1FE - ($ - $$) db 0
    dw 0xAA55                   ; boot_flag
