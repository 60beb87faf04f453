; kimage EFI stub: the PE32+ entry point of a kimage image (AddressOfEntryPoint), entered by UEFI
; firmware in long mode with the Microsoft x64 ABI (rcx = image handle, rdx = system table;
; UEFI 2.3.4); or, as the EFI handover entry (handover_offset + 0x200, boot.rst "EFI Handover
; Protocol"), by a loader that loaded the protected-mode part itself (GRUB linuxefi), with the
; SysV ABI (rdi = image handle, rsi = system table, rdx = its boot_params): the same path, with
; the loader's command line and initrd instead of LoadOptions. It sits in the protected-mode part after the boot info and is position-independent:
; firmware maps the image anywhere (shared/reference/uefi.md §1.4).
; What it does, all decided at pack time and read from the parameters below:
;   allocates every physical range the load plan writes (AllocatePages at fixed addresses) and,
;   when one is taken, says which on ConOut and COM1 and returns the EFI error;
;   copies the protected-mode part to where the plan expects it to run;
;   takes LoadOptions (UTF-16) as the command line, records the ACPI RSDP, SMBIOS and the GOP
;   framebuffer, gets the memory map and exits boot services (retrying once on a stale map key,
;   as the spec requires and Linux's efi_exit_boot_services does);
;   turns the EFI map into E820 entries in a boot_params page (the type table of Linux's
;   drivers/firmware/efi/libstub/x86-stub.c setup_e820), fills efi_info and the boot info's
;   UEFI fields, leaves long mode (Intel SDM 3A "Switching Out of IA-32e Mode") and enters the
;   32-bit setup at the start of the protected-mode part with esi = boot_params, as a 32-bit
;   boot-protocol loader would: the same load plan and handoff run as on BIOS.
; Assemble: nasm -f bin -I ../include/ efi64.asm

bits 64
default rel
org 0

%include "kimage/bootinfo.inc"
%include "bootparams.inc"
%include "efistub.inc"

EFI_INVALID_PARAMETER equ 0x8000000000000002

ST_CONOUT           equ 0x40        ; EFI_SYSTEM_TABLE (UEFI 4.3)
ST_BOOT_SERVICES    equ 0x60
ST_TABLE_COUNT      equ 0x68
ST_TABLES           equ 0x70
BS_ALLOCATE_PAGES   equ 0x28        ; EFI_BOOT_SERVICES (UEFI 4.4)
BS_FREE_PAGES       equ 0x30
BS_GET_MEMORY_MAP   equ 0x38
BS_HANDLE_PROTOCOL  equ 0x98
BS_EXIT_BOOT_SERVICES equ 0xE8
BS_LOCATE_DEVICE_PATH equ 0xB8
BS_LOCATE_PROTOCOL  equ 0x140
EFI_BUFFER_TOO_SMALL equ 0x8000000000000005
CONOUT_OUTPUT_STRING equ 0x08
LI_DEVICE_HANDLE    equ 0x18        ; EFI_LOADED_IMAGE_PROTOCOL (UEFI 9.1)
LI_LOAD_OPTIONS_SIZE equ 0x30
LI_LOAD_OPTIONS     equ 0x38
SFS_OPEN_VOLUME     equ 0x08        ; EFI_SIMPLE_FILE_SYSTEM_PROTOCOL (UEFI 13.4)
FILE_OPEN           equ 0x08        ; EFI_FILE_PROTOCOL (UEFI 13.5)
FILE_CLOSE          equ 0x10
FILE_READ           equ 0x20
FILE_GET_POSITION   equ 0x30
FILE_SET_POSITION   equ 0x38
FILE_MODE_READ      equ 1
INITRD_ADDR_MAX     equ 0x37FFFFFF  ; the setup header's initrd_addr_max
GOP_MODE            equ 0x18        ; EFI_GRAPHICS_OUTPUT_PROTOCOL (UEFI 12.9)
MODE_INFO           equ 0x08
MODE_FB_BASE        equ 0x18
MODE_FB_SIZE        equ 0x20
INFO_WIDTH          equ 0x04
INFO_HEIGHT         equ 0x08
INFO_FORMAT         equ 0x0C
INFO_MASKS          equ 0x10
INFO_PIXELS_PER_LINE equ 0x20

ALLOCATE_MAX_ADDRESS equ 1
ALLOCATE_ADDRESS    equ 2
LOADER_DATA         equ 2

; The work area: one allocation below 4 GiB that outlives boot services.
WORK_PAGES          equ 10
W_BOOT_PARAMS       equ 0x0000
W_CMDLINE           equ 0x1000
CMDLINE_MAX         equ 2047
W_PATH              equ 0x1800      ; initrd=: the path in UTF-16
PATH_MAX            equ 511
W_MAP_SIZE          equ 0x1C00
W_MAP_KEY           equ 0x1C08
W_DESC_SIZE         equ 0x1C10
W_DESC_VERSION      equ 0x1C18
W_STACK_TOP         equ 0x2000      ; the 32-bit switch's stack grows down from here
W_MAP               equ 0x2000
W_MAP_BYTES         equ EFI_MEMORY_MAP_CAPACITY
W_NO_BOOT_INFO      equ 0x8000      ; stands in for the boot info when the plan has none


; Jumps to %2 unless rax:rdx hold the GUID at %1 (a configuration-table entry's first 16 bytes).
%macro unless_guid 2
    cmp rax, [%1]
    jne %2
    cmp rdx, [%1 + 8]
    jne %2
%endmacro

; Pages below INITRD_ADDR_MAX for F_SIZE bytes of initrd, their address in F_INITRD; jumps to
; %1 when the firmware has none (both initrd routes: LoadFile2 and the file on the ESP).
%macro allocate_initrd_pages 1
    mov qword [rsp + F_INITRD], INITRD_ADDR_MAX
    mov ecx, ALLOCATE_MAX_ADDRESS
    mov edx, LOADER_DATA
    mov r8, [rsp + F_SIZE]
    add r8, 4095
    shr r8, 12
    lea r9, [rsp + F_INITRD]
    call [r14 + BS_ALLOCATE_PAGES]
    test rax, rax
    jnz %1
%endmacro

; Frame of efi_main: shadow space, 5th argument, locals, a message buffer.
F_ARG5              equ 0x20
F_LOADED_IMAGE      equ 0x30
F_ADDRESS           equ 0x38
F_STATUS            equ 0x40
F_MESSAGE           equ 0x48
F_LOADER_BP         equ 0x148       ; the handover loader's boot_params, 0 from the firmware
F_OWN_START         equ 0x150       ; what the handover loader allocated for the image
F_OWN_END           equ 0x158
F_ROOT              equ 0x160       ; initrd=: the volume's root directory
F_FILE              equ 0x168       ; initrd=: the file
F_SIZE              equ 0x170
F_INITRD            equ 0x178
F_PATH              equ 0x180       ; initrd=: the argument, for messages
F_DEVICE_PATH       equ 0x188       ; LoadFile2: what LocateDevicePath left of the path
FRAME               equ 0x198       ; after 8 pushes rsp is 8 mod 16: this realigns it

header:
    dd EFI_STUB_MAGIC
    dd efi_main
    times EFI_P_HANDOVER - ($ - $$) db 0    ; the rest of the parameters: kimage pack fills them
    dd efi_handover
    times EFI_P_SIZE - ($ - $$) db 0

%macro save_registers 0
    push rbp
    push rbx
    push rsi
    push rdi
    push r12
    push r13
    push r14
    push r15
    sub rsp, FRAME
    cld
%endmacro

efi_handover:
    save_registers
    mov r12, rdi                    ; image handle
    mov r13, rsi                    ; system table
    mov [rsp + F_LOADER_BP], rdx
    lea r15, [header]
    ; The loader allocated init_size bytes for the protected-mode part where it put it: the
    ; ranges inside are ours already (GRUB linuxefi takes pref_address this way).
    mov rax, r15
    mov ecx, [r15 + EFI_P_PM_OFFSET]
    sub rax, rcx
    mov [rsp + F_OWN_START], rax
    mov ecx, [r15 + EFI_P_INIT_SIZE]
    add rax, rcx
    mov [rsp + F_OWN_END], rax
    jmp efi_start

efi_main:
    save_registers
    mov r12, rcx                    ; image handle
    mov r13, rdx                    ; system table
    xor eax, eax
    mov [rsp + F_LOADER_BP], rax
    mov [rsp + F_OWN_START], rax
    mov [rsp + F_OWN_END], rax
    lea r15, [header]
efi_start:
    mov r14, [r13 + ST_BOOT_SERVICES]

    mov rcx, r12
    lea rdx, [guid_loaded_image]
    lea r8, [rsp + F_LOADED_IMAGE]
    call [r14 + BS_HANDLE_PROTOCOL]
    lea rsi, [msg_loaded_image]
    test rax, rax
    jnz fail

    ; Every destination of the plan, at its address, before anything else can take it.
    xor esi, esi
.range:
    cmp esi, [r15 + EFI_P_RANGE_COUNT]
    jae .ranges_done
    call loader_owns
    jz .allocated
    mov eax, [rdi + rsi * EFI_RANGE_SIZE + EFI_RANGE_START]
    mov [rsp + F_ADDRESS], rax
    mov ecx, ALLOCATE_ADDRESS
    mov edx, LOADER_DATA
    mov r8d, [rdi + rsi * EFI_RANGE_SIZE + EFI_RANGE_PAGES]
    lea r9, [rsp + F_ADDRESS]
    call [r14 + BS_ALLOCATE_PAGES]
    test rax, rax
    jnz range_failed
.allocated:
    inc esi
    jmp .range
.ranges_done:

    mov eax, 0xFFFFFFFF                 ; highest address the work area may end at
    mov [rsp + F_ADDRESS], rax
    mov ecx, ALLOCATE_MAX_ADDRESS
    mov edx, LOADER_DATA
    mov r8d, WORK_PAGES
    lea r9, [rsp + F_ADDRESS]
    call [r14 + BS_ALLOCATE_PAGES]
    lea rsi, [msg_work]
    test rax, rax
    jnz fail
    mov rbx, [rsp + F_ADDRESS]
    mov rdi, rbx
    mov ecx, WORK_PAGES * 4096
    xor eax, eax
    rep stosb

    ; The protected-mode part, to where its plan, boot info and tables expect it (backwards
    ; when a handover loader put it just below: the two may overlap).
    mov rsi, r15
    mov eax, [r15 + EFI_P_PM_OFFSET]
    sub rsi, rax
    mov edi, [r15 + EFI_P_RUNTIME_BASE]
    mov ecx, [r15 + EFI_P_PM_SIZE]
    cmp rdi, rsi
    jbe .forward
    lea rsi, [rsi + rcx - 1]
    lea rdi, [rdi + rcx - 1]
    std
    rep movsb
    cld
    jmp .copied
.forward:
    rep movsb
.copied:
    mov ebp, [r15 + EFI_P_BOOT_INFO]    ; rbp = boot info template for the rest of the stub
    cmp dword [rbp + KIMAGE_BI_MAGIC], KIMAGE_BOOTINFO_MAGIC
    je .boot_info
    lea rbp, [rbx + W_NO_BOOT_INFO]     ; a handoff without kimage's boot info (Linux): a blank one
.boot_info:

    ; A handover loader's command line and initrd stand (GRUB's memory, kept past
    ; ExitBootServices); the firmware's LoadOptions are the loader's own, not ours.
    mov rsi, [rsp + F_LOADER_BP]
    test rsi, rsi
    jz .load_options
    mov eax, [rsi + BP_CMD_LINE_PTR]
    mov [rbx + W_BOOT_PARAMS + BP_CMD_LINE_PTR], eax
    mov eax, [rsi + BP_RAMDISK_IMAGE]
    mov [rbx + W_BOOT_PARAMS + BP_RAMDISK_IMAGE], eax
    mov eax, [rsi + BP_RAMDISK_SIZE]
    mov [rbx + W_BOOT_PARAMS + BP_RAMDISK_SIZE], eax
    mov eax, [rsi + BP_EXT_RAMDISK_IMAGE]
    mov [rbx + W_BOOT_PARAMS + BP_EXT_RAMDISK_IMAGE], eax
    mov eax, [rsi + BP_EXT_RAMDISK_SIZE]
    mov [rbx + W_BOOT_PARAMS + BP_EXT_RAMDISK_SIZE], eax
    call extension                  ; rdi, as after the LoadOptions
    jmp .tables
.load_options:
    ; LoadOptions, UTF-16 and not always NUL-terminated, as an ASCII command line.
    mov rdx, [rsp + F_LOADED_IMAGE]
    mov ecx, [rdx + LI_LOAD_OPTIONS_SIZE]
    shr ecx, 1
    mov rsi, [rdx + LI_LOAD_OPTIONS]
    lea rdi, [rbx + W_CMDLINE]
    xor edx, edx
    test rsi, rsi
    jz .cmdline_done
.utf16:
    test ecx, ecx
    jz .cmdline_done
    cmp edx, CMDLINE_MAX
    jae .cmdline_done
    movzx eax, word [rsi]
    test eax, eax
    jz .cmdline_done
    cmp eax, 0x7F
    jbe .ascii
    mov eax, '?'
.ascii:
    mov [rdi + rdx], al
    inc edx
    add rsi, 2
    dec ecx
    jmp .utf16
.cmdline_done:
    mov byte [rdi + rdx], 0
    ; The EFI shell passes its whole command line, the image's own path first: drop a first
    ; word that ends in ".efi" (any case) and the spaces after it.
    xor ecx, ecx
.word:
    cmp ecx, edx
    jae .word_end
    cmp byte [rdi + rcx], ' '
    je .word_end
    inc ecx
    jmp .word
.word_end:
    cmp ecx, 4
    jb .keep
    mov eax, [rdi + rcx - 4]
    or eax, 0x20202000
    cmp eax, 0x6966652E             ; ".efi"
    jne .keep
.spaces:
    cmp ecx, edx
    jae .shift
    cmp byte [rdi + rcx], ' '
    jne .shift
    inc ecx
    jmp .spaces
.shift:
    lea rsi, [rdi + rcx]
    sub edx, ecx
    lea ecx, [edx + 1]              ; with the NUL
    push rdi
    rep movsb
    pop rdi
.keep:
    test edx, edx
    jz .no_cmdline
    mov [rbx + W_BOOT_PARAMS + BP_CMD_LINE_PTR], edi
.no_cmdline:

    ; The initrd a loader offers through LoadFile2 on the LINUX_EFI_INITRD_MEDIA device path
    ; (systemd-boot, GRUB 2.12), first, as Linux's EFI stub does (efi_load_initrd_dev_path).
    lea rax, [initrd_media_path]
    mov [rsp + F_DEVICE_PATH], rax
    lea rcx, [guid_load_file2]
    lea rdx, [rsp + F_DEVICE_PATH]
    lea r8, [rsp + F_ROOT]
    call [r14 + BS_LOCATE_DEVICE_PATH]
    test rax, rax
    jnz .no_load_file2
    mov rcx, [rsp + F_ROOT]
    lea rdx, [guid_load_file2]
    lea r8, [rsp + F_FILE]
    call [r14 + BS_HANDLE_PROTOCOL]
    test rax, rax
    jnz load_file2_failed
    mov qword [rsp + F_SIZE], 0     ; no buffer: the protocol says how big
    mov rcx, [rsp + F_FILE]
    mov rdx, [rsp + F_DEVICE_PATH]
    xor r8d, r8d
    lea r9, [rsp + F_SIZE]
    mov qword [rsp + F_ARG5], 0
    call [rcx]
    mov rdx, EFI_BUFFER_TOO_SMALL
    cmp rax, rdx
    jne load_file2_failed
    allocate_initrd_pages load_file2_failed
    mov rcx, [rsp + F_FILE]
    mov rdx, [rsp + F_DEVICE_PATH]
    xor r8d, r8d
    lea r9, [rsp + F_SIZE]
    mov rax, [rsp + F_INITRD]
    mov [rsp + F_ARG5], rax
    call [rcx]
    test rax, rax
    jnz load_file2_failed
    mov rax, [rsp + F_INITRD]
    mov [rbx + W_BOOT_PARAMS + BP_RAMDISK_IMAGE], eax
    mov rax, [rsp + F_SIZE]
    mov [rbx + W_BOOT_PARAMS + BP_RAMDISK_SIZE], eax
    jmp .no_initrd
.no_load_file2:

    ; initrd=PATH, as Linux's EFI stub reads it (efi_load_initrd_cmdline): the file, '/' or '\'
    ; separated, from the root of the volume this image was loaded from, anywhere below
    ; initrd_addr_max; boot_params then tells the 32-bit setup, as a BIOS loader would.
    lea rsi, [rbx + W_CMDLINE]
    mov rdx, 0x003D647274696E69     ; "initrd="
    mov r8, 0x00FFFFFFFFFFFFFF
.scan:
    mov rax, [rsi]
    and rax, r8
    cmp rax, rdx
    jne .scan_next
    lea rcx, [rbx + W_CMDLINE]
    cmp rsi, rcx
    je .initrd
    cmp byte [rsi - 1], ' '
    je .initrd
.scan_next:
    cmp byte [rsi], 0
    je .no_initrd
    inc rsi
    jmp .scan
.initrd:
    mov [rsp + F_PATH], rsi
    add rsi, 7
    lea rdi, [rbx + W_PATH]
    xor ecx, ecx
.path:
    movzx eax, byte [rsi + rcx]
    cmp eax, ' '
    jbe .path_end
    cmp ecx, PATH_MAX
    jae .path_end
    cmp eax, '/'
    jne .path_char
    mov eax, '\'
.path_char:
    mov [rdi + rcx * 2], ax
    inc ecx
    jmp .path
.path_end:
    mov word [rdi + rcx * 2], 0
    test ecx, ecx
    jz .no_initrd
    mov rax, [rsp + F_LOADED_IMAGE]
    mov rcx, [rax + LI_DEVICE_HANDLE]
    lea rdx, [guid_sfs]
    lea r8, [rsp + F_ROOT]
    call [r14 + BS_HANDLE_PROTOCOL]
    test rax, rax
    jnz initrd_failed
    mov rcx, [rsp + F_ROOT]
    lea rdx, [rsp + F_ROOT]
    call [rcx + SFS_OPEN_VOLUME]
    test rax, rax
    jnz initrd_failed
    mov rcx, [rsp + F_ROOT]
    lea rdx, [rsp + F_FILE]
    lea r8, [rbx + W_PATH]
    mov r9d, FILE_MODE_READ
    mov qword [rsp + F_ARG5], 0
    call [rcx + FILE_OPEN]
    test rax, rax
    jnz initrd_failed
    mov rcx, [rsp + F_FILE]         ; its size: the position at its end
    mov rdx, -1
    call [rcx + FILE_SET_POSITION]
    mov rcx, [rsp + F_FILE]
    lea rdx, [rsp + F_SIZE]
    call [rcx + FILE_GET_POSITION]
    test rax, rax
    jnz initrd_failed
    mov rcx, [rsp + F_FILE]
    xor edx, edx
    call [rcx + FILE_SET_POSITION]
    mov rax, [rsp + F_SIZE]
    test rax, rax
    jz .initrd_closed
    allocate_initrd_pages initrd_failed
    mov rcx, [rsp + F_FILE]
    lea rdx, [rsp + F_SIZE]
    mov r8, [rsp + F_INITRD]
    call [rcx + FILE_READ]
    test rax, rax
    jnz initrd_failed
    mov rax, [rsp + F_INITRD]
    mov [rbx + W_BOOT_PARAMS + BP_RAMDISK_IMAGE], eax
    mov rax, [rsp + F_SIZE]
    mov [rbx + W_BOOT_PARAMS + BP_RAMDISK_SIZE], eax
.initrd_closed:
    mov rcx, [rsp + F_FILE]
    call [rcx + FILE_CLOSE]
    mov rcx, [rsp + F_ROOT]
    call [rcx + FILE_CLOSE]
.no_initrd:

    ; ACPI and SMBIOS from the configuration table (ACPI 2.0 preferred over 1.0).
    call extension
.tables:
    mov rcx, [r13 + ST_TABLE_COUNT]
    mov rsi, [r13 + ST_TABLES]
.table:
    test rcx, rcx
    jz .tables_done
    mov rax, [rsi]
    mov rdx, [rsi + 8]
    mov r8, [rsi + 0x10]
    unless_guid guid_acpi20, .not_acpi20
    mov [rdi + KIMAGE_BIX_ACPI_RSDP], r8
    jmp .next_table
.not_acpi20:
    unless_guid guid_acpi10, .not_acpi10
    cmp qword [rdi + KIMAGE_BIX_ACPI_RSDP], 0
    jne .next_table
    mov [rdi + KIMAGE_BIX_ACPI_RSDP], r8
    jmp .next_table
.not_acpi10:
    unless_guid guid_smbios, .not_smbios
    mov [rdi + KIMAGE_BIX_SMBIOS], r8
    jmp .next_table
.not_smbios:
    unless_guid guid_smbios3, .next_table
    mov [rdi + KIMAGE_BIX_SMBIOS3], r8
.next_table:
    add rsi, 0x18
    dec rcx
    jmp .table
.tables_done:
    mov rax, [rdi + KIMAGE_BIX_ACPI_RSDP]
    mov [rbx + W_BOOT_PARAMS + BP_ACPI_RSDP_ADDR], rax

    ; The GOP framebuffer, when there is one with a linear framebuffer (not Blt-only).
    lea rcx, [guid_gop]
    xor edx, edx
    lea r8, [rsp + F_ADDRESS]
    call [r14 + BS_LOCATE_PROTOCOL]
    test rax, rax
    jnz .no_gop
    call extension
    mov rax, [rsp + F_ADDRESS]
    mov rax, [rax + GOP_MODE]
    mov rdx, [rax + MODE_INFO]
    mov ecx, [rdx + INFO_FORMAT]
    cmp ecx, 3
    jae .no_gop
    mov [rdi + KIMAGE_BIX_FB_FORMAT], ecx
    mov rcx, [rax + MODE_FB_BASE]
    mov [rdi + KIMAGE_BIX_FRAMEBUFFER], rcx
    mov rcx, [rax + MODE_FB_SIZE]
    mov [rdi + KIMAGE_BIX_FRAMEBUFFER_SIZE], rcx
    mov ecx, [rdx + INFO_WIDTH]
    mov [rdi + KIMAGE_BIX_FB_WIDTH], ecx
    mov ecx, [rdx + INFO_HEIGHT]
    mov [rdi + KIMAGE_BIX_FB_HEIGHT], ecx
    mov ecx, [rdx + INFO_PIXELS_PER_LINE]
    shl ecx, 2
    mov [rdi + KIMAGE_BIX_FB_PITCH], ecx
    mov dword [rdi + KIMAGE_BIX_FB_BPP], 32
    mov rcx, [rdx + INFO_MASKS]
    mov [rdi + KIMAGE_BIX_FB_MASKS], rcx
    mov rcx, [rdx + INFO_MASKS + 8]
    mov [rdi + KIMAGE_BIX_FB_MASKS + 8], rcx
.no_gop:

    ; Memory map, then ExitBootServices; a stale key means the map changed: once more.
    xor esi, esi
.map:
    mov qword [rbx + W_MAP_SIZE], W_MAP_BYTES
    lea rcx, [rbx + W_MAP_SIZE]
    lea rdx, [rbx + W_MAP]
    lea r8, [rbx + W_MAP_KEY]
    lea r9, [rbx + W_DESC_SIZE]
    lea rax, [rbx + W_DESC_VERSION]
    mov [rsp + F_ARG5], rax
    call [r14 + BS_GET_MEMORY_MAP]
    test rax, rax
    jnz map_failed
    mov rcx, r12
    mov rdx, [rbx + W_MAP_KEY]
    call [r14 + BS_EXIT_BOOT_SERVICES]
    test rax, rax
    jz .exited
    mov rdx, EFI_INVALID_PARAMETER
    cmp rax, rdx
    jne exit_failed
    test esi, esi
    jnz exit_failed
    inc esi
    jmp .map
.exited:
    cli                             ; only runtime services from here: no console, no allocation

    ; boot_params: efi_info as Linux's stub fills it, loader type, E820 from the EFI map.
    lea rdi, [rbx + W_BOOT_PARAMS]
    mov dword [rdi + BP_EFI_LOADER_SIGNATURE], 0x34364C45   ; "EL64"
    mov [rdi + BP_EFI_SYSTAB], r13d
    mov rax, r13
    shr rax, 32
    mov [rdi + BP_EFI_SYSTAB_HI], eax
    mov eax, [rbx + W_DESC_SIZE]
    mov [rdi + BP_EFI_MEMDESC_SIZE], eax
    mov eax, [rbx + W_DESC_VERSION]
    mov [rdi + BP_EFI_MEMDESC_VERSION], eax
    lea rax, [rbx + W_MAP]
    mov [rdi + BP_EFI_MEMMAP], eax
    shr rax, 32
    mov [rdi + BP_EFI_MEMMAP_HI], eax
    mov eax, [rbx + W_MAP_SIZE]
    mov [rdi + BP_EFI_MEMMAP_SIZE], eax
    mov byte [rdi + BP_TYPE_OF_LOADER], 0x21    ; as Linux's EFI stub

    lea rsi, [rbx + W_MAP]
    mov ecx, [rbx + W_MAP_SIZE]
    mov r8d, [rbx + W_DESC_SIZE]
    lea rdi, [rbx + W_BOOT_PARAMS + BP_E820_TABLE]
    xor edx, edx
.descriptor:
    cmp ecx, r8d
    jb .descriptors_done
    cmp r8d, 0x28
    jb .descriptors_done
    mov eax, [rsi]
    cmp eax, 16
    jae .skip
    lea r9, [e820_type]
    movzx eax, byte [r9 + rax]
    test eax, eax
    jz .skip
    mov r10, [rsi + 0x08]           ; PhysicalStart
    mov r11, [rsi + 0x18]           ; NumberOfPages
    shl r11, 12
    test edx, edx
    jz .new
    cmp [rdi - BP_E820_ENTRY_SIZE + 16], eax    ; same type and contiguous: grow the previous entry
    jne .new
    mov r9, [rdi - BP_E820_ENTRY_SIZE]
    add r9, [rdi - BP_E820_ENTRY_SIZE + 8]
    cmp r9, r10
    jne .new
    add [rdi - BP_E820_ENTRY_SIZE + 8], r11
    jmp .skip
.new:
    cmp edx, BP_E820_MAX
    jae .skip
    mov [rdi], r10
    mov [rdi + 8], r11
    mov [rdi + 16], eax
    add rdi, BP_E820_ENTRY_SIZE
    inc edx
.skip:
    add rsi, r8
    sub ecx, r8d
    jmp .descriptor
.descriptors_done:
    mov [rbx + W_BOOT_PARAMS + BP_E820_ENTRIES], dl

    ; The boot info's UEFI fields, in its template (the plan copies them into the boot info;
    ; the 32-bit setup fills the rest and keeps these).
    or dword [rbp + KIMAGE_BI_FLAGS], KIMAGE_BIF_UEFI
    call extension
    mov [rdi + KIMAGE_BIX_EFI_SYSTEM_TABLE], r13
    lea rax, [rbx + W_MAP]
    mov [rdi + KIMAGE_BIX_EFI_MEMMAP], rax
    mov eax, [rbx + W_MAP_SIZE]
    mov [rdi + KIMAGE_BIX_EFI_MEMMAP_SIZE], eax
    mov eax, [rbx + W_DESC_SIZE]
    mov [rdi + KIMAGE_BIX_EFI_MEMDESC_SIZE], eax
    mov eax, [rbx + W_DESC_VERSION]
    mov [rdi + KIMAGE_BIX_EFI_MEMDESC_VERSION], eax

    ; Continue in the copy of this stub: below 4 GiB and identity-mapped, as leaving long
    ; mode needs. ebp = the 32-bit setup (the start of the protected-mode part).
    mov eax, [r15 + EFI_P_RUNTIME_BASE]
    mov ebp, eax
    add eax, [r15 + EFI_P_PM_OFFSET]
    add rax, leave64 - header
    jmp rax

leave64:
    lea rsp, [rbx + W_STACK_TOP]
    lea rax, [gdt]
    mov [gdtr + 2], rax
    lgdt [gdtr]
    push qword 0x10
    lea rax, [compat32]
    push rax
    o64 retf

bits 32
compat32:
    mov eax, cr0                    ; paging off: this leaves IA-32e mode
    and eax, 0x7FFFFFFF
    mov cr0, eax
    mov ecx, 0xC0000080             ; EFER.LME off
    rdmsr
    and eax, ~0x100
    wrmsr
    mov eax, cr4                    ; PAE, PGE, LA57 off: the setup enables what its plan needs
    and eax, ~(0x20 | 0x80 | 0x1000)
    mov cr4, eax
    mov ax, 0x18
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    lea esi, [ebx + W_BOOT_PARAMS]
    xor ebx, ebx
    xor edi, edi
    jmp ebp

bits 64
; rdi = the ranges, esi = an index: ZF set when that range lies inside what a handover loader
; already allocated for the image (never from the firmware entry: that window is empty).
loader_owns:
    mov eax, [r15 + EFI_P_RANGES]
    lea rdi, [r15 + rax]
    mov eax, [rdi + rsi * EFI_RANGE_SIZE + EFI_RANGE_START]
    cmp rax, [rsp + 8 + F_OWN_START]
    jb .no
    mov ecx, [rdi + rsi * EFI_RANGE_SIZE + EFI_RANGE_PAGES]
    shl rcx, 12
    add rax, rcx
    cmp rax, [rsp + 8 + F_OWN_END]
    ja .no
    xor eax, eax                    ; ZF
    ret
.no:
    or eax, 1                       ; NZ
    ret

; rdi = the UEFI extension of the boot info template: right after its header there; the plan
; copies it to its place after the command line buffer (BootImageLayout.bootInfoCopies).
extension:
    lea rdi, [rbp + KIMAGE_BI_E820_ENTRIES] ; in the template, the extension follows the header
    ret

; AllocatePages at a fixed range failed (rax = status, esi = index): name the range, free the
; ranges already taken, return the status to the firmware.
range_failed:
    mov [rsp + F_STATUS], rax
    lea rdi, [rsp + F_MESSAGE]
    push rsi
    lea rsi, [msg_range]
    call put_string
    pop rsi
    mov eax, [r15 + EFI_P_RANGES]
    lea r8, [r15 + rax]
    mov eax, [r8 + rsi * EFI_RANGE_SIZE + EFI_RANGE_START]
    mov ecx, 8
    call put_hex
    mov word [rdi], '..'
    add rdi, 2
    mov eax, [r8 + rsi * EFI_RANGE_SIZE + EFI_RANGE_PAGES]
    shl rax, 12
    add eax, [r8 + rsi * EFI_RANGE_SIZE + EFI_RANGE_START]
    mov ecx, 8
    call put_hex
    push rsi
    lea rsi, [msg_range_status]
    call put_string
    mov rax, [rsp + 8 + F_STATUS]
    mov ecx, 16
    call put_hex
    lea rsi, [msg_range_end]
    call put_string
    mov byte [rdi], 0
    lea rsi, [rsp + 8 + F_MESSAGE]
    call say
    pop rsi
.free:
    test esi, esi
    jz .freed
    dec esi
    call loader_owns
    jz .free
    mov ecx, [rdi + rsi * EFI_RANGE_SIZE + EFI_RANGE_START]
    mov edx, [rdi + rsi * EFI_RANGE_SIZE + EFI_RANGE_PAGES]
    call [r14 + BS_FREE_PAGES]
    jmp .free
.freed:
    mov rax, [rsp + F_STATUS]
    jmp leave

; The initrd named by initrd= could not be read (rax = status): name it and the status.
initrd_failed:
    mov [rsp + F_STATUS], rax
    lea rdi, [rsp + F_MESSAGE]
    lea rsi, [msg_initrd]
    call put_string
    mov rsi, [rsp + F_PATH]
    mov ecx, 120                    ; the path, as much as the message buffer takes
.path:
    lodsb
    cmp al, ' '
    jbe .path_end
    stosb
    dec ecx
    jnz .path
.path_end:
    lea rsi, [msg_initrd_status]
    call put_string
    mov rax, [rsp + F_STATUS]
    mov ecx, 16
    call put_hex
    lea rsi, [msg_initrd_end]
    call put_string
    mov byte [rdi], 0
    lea rsi, [rsp + F_MESSAGE]
    call say
    mov rax, [rsp + F_STATUS]
    jmp leave

load_file2_failed:
    lea rsi, [msg_load_file2]
    jmp fail
map_failed:
    lea rsi, [msg_map]
    jmp fail
exit_failed:
    lea rsi, [msg_exit]
; rsi = message, rax = status: say it and return the status.
fail:
    mov [rsp + F_STATUS], rax
    call say
    mov rax, [rsp + F_STATUS]
leave:
    add rsp, FRAME
    pop r15
    pop r14
    pop r13
    pop r12
    pop rdi
    pop rsi
    pop rbx
    pop rbp
    ret

; Copies the NUL-terminated rsi to rdi (without the NUL); rdi ends after it.
put_string:
    lodsb
    test al, al
    jz .done
    stosb
    jmp put_string
.done:
    ret

; Writes "0x" and the low ecx hex digits of rax at rdi; rdi ends after them.
put_hex:
    mov word [rdi], '0x'
    add rdi, 2
    add rdi, rcx
    push rdi
.digit:
    dec rdi
    mov edx, eax
    and edx, 15
    add edx, '0'
    cmp edx, '9'
    jbe .store
    add edx, 'a' - '9' - 1
.store:
    mov [rdi], dl
    shr rax, 4
    dec ecx
    jnz .digit
    pop rdi
    ret

; Prints the NUL-terminated ASCII at rsi (lines end in CR LF) on ConOut and on COM1.
say:
    push rbp
    push rsi
    push rdi
    mov rbp, rsp
    sub rsp, 0x440
    and rsp, -16
    lea rdi, [rsp + 0x20]
    mov ecx, 0x200
.char:
    lodsb
    test al, al
    jz .end
    mov r8b, al
    mov dx, 0x3FD                   ; COM1 line status: wait for an empty transmitter
.busy:
    in al, dx
    test al, 0x20
    jz .busy
    mov al, r8b
    mov dx, 0x3F8
    out dx, al
    movzx eax, r8b
    stosw
    dec ecx
    jnz .char
.end:
    xor eax, eax
    stosw
    mov rcx, [r13 + ST_CONOUT]
    lea rdx, [rsp + 0x20]
    call [rcx + CONOUT_OUTPUT_STRING]
    mov rsp, rbp
    pop rdi
    pop rsi
    pop rbp
    ret

msg_loaded_image:  db "kimage EFI stub: the firmware gave no loaded-image protocol for this image", 13, 10, 0
msg_work:          db "kimage EFI stub: no 40 KiB below 4 GiB for boot_params and the memory map", 13, 10, 0
msg_map:           db "kimage EFI stub: GetMemoryMap failed (more than 512 descriptors?)", 13, 10, 0
msg_exit:          db "kimage EFI stub: ExitBootServices failed twice", 13, 10, 0
msg_range:         db "kimage EFI stub: cannot allocate ", 0
msg_range_status:  db " for the kernel (EFI status ", 0
msg_initrd:        db "kimage EFI stub: cannot load the initrd ", 0
msg_initrd_status: db " (EFI status ", 0
msg_initrd_end:    db "): initrd= names a file on this image's own FAT volume, from its root, e.g. initrd=\boot\initrd.img", 13, 10, 0
msg_load_file2:    db "kimage EFI stub: the loader offers an initrd (LINUX_EFI_INITRD_MEDIA LoadFile2) but did not give it", 13, 10, 0
msg_range_end:     db "): that memory is taken or is not RAM; give the machine more memory or link the kernel elsewhere", 13, 10, 0

; E820 type per EFI memory type 0..15 (0: dropped), as Linux's setup_e820.
e820_type:         db 2, 1, 1, 1, 1, 2, 2, 1, 5, 3, 4, 2, 2, 2, 7, 0

; An EFI_GUID as the firmware stores it: a dword, two words, eight bytes.
%macro efi_guid 11
    dd %1
    dw %2, %3
    db %4, %5, %6, %7, %8, %9, %10, %11
%endmacro

align 8
guid_loaded_image: efi_guid 0x5B1B31A1, 0x9562, 0x11D2, 0x8E, 0x3F, 0x00, 0xA0, 0xC9, 0x69, 0x72, 0x3B
guid_load_file2:   efi_guid 0x4006C0C1, 0xFCB3, 0x403E, 0x99, 0x6D, 0x4A, 0x6C, 0x87, 0x24, 0xE0, 0x6D
; The vendor media device path Linux's stub looks for: MEDIA (4), VENDOR (3), 20 bytes, the
; LINUX_EFI_INITRD_MEDIA GUID, then the end node.
initrd_media_path: db 4, 3, 20, 0
                   efi_guid 0x5568E427, 0x68FC, 0x4F3D, 0xAC, 0x74, 0xCA, 0x55, 0x52, 0x31, 0xCC, 0x68
                   db 0x7F, 0xFF, 4, 0
guid_sfs:          efi_guid 0x964E5B22, 0x6459, 0x11D2, 0x8E, 0x39, 0x00, 0xA0, 0xC9, 0x69, 0x72, 0x3B
guid_gop:          efi_guid 0x9042A9DE, 0x23DC, 0x4A38, 0x96, 0xFB, 0x7A, 0xDE, 0xD0, 0x80, 0x51, 0x6A
guid_acpi20:       efi_guid 0x8868E871, 0xE4F1, 0x11D3, 0xBC, 0x22, 0x00, 0x80, 0xC7, 0x3C, 0x88, 0x81
guid_acpi10:       efi_guid 0xEB9D2D30, 0x2D88, 0x11D3, 0x9A, 0x16, 0x00, 0x90, 0x27, 0x3F, 0xC1, 0x4D
guid_smbios:       efi_guid 0xEB9D2D31, 0x2D88, 0x11D3, 0x9A, 0x16, 0x00, 0x90, 0x27, 0x3F, 0xC1, 0x4D
guid_smbios3:      efi_guid 0xF2FD1544, 0x9794, 0x4A2C, 0x99, 0x2E, 0xE5, 0xBB, 0xCF, 0x20, 0xE3, 0x94

align 8
gdt:
    dq 0
    dq 0
    dq 0x00CF9A000000FFFF           ; 0x10: flat 32-bit code, as the boot protocol's __BOOT_CS
    dq 0x00CF92000000FFFF           ; 0x18: flat data
gdt_end:
gdtr:
    dw gdt_end - gdt - 1
    dq 0                            ; linear base, set at run time

align 8
ranges:                             ; kimage pack appends the ranges here
