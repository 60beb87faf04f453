; kimage 32-bit setup: the start of the protected-mode part, loaded at code32_start: 0x100000
; (pref_address), or wherever a relocating loader put it (relocatable_kernel; relocate.inc).
; Entered in flat 32-bit protected mode, paging off, esi = boot_params, from GRUB linux or from
; kimage's 16-bit setup; or at +0x200 in long mode (startup_64 below, XLF_KERNEL_64). It executes the load plan kimage pack wrote right after it (plan.inc):
; moves the protected-mode part when the kernel's physical range overlaps it, runs the copy and
; zero steps, fills the boot info, loads CR3 with the tables built at pack time, enables paging
; and jumps to the kernel's entry point. It knows no ELF, and runs from wherever it was loaded
; or moved to (every address is ebp-relative).
; Assemble: nasm -f bin -I ../include/ setup32.asm

bits 32
org 0

%include "kimage/bootinfo.inc"
%include "plan.inc"
%include "bootparams.inc"

CR0_PG      equ 0x80000000
CR0_WP      equ 0x00010000
CR4_PSE     equ 0x00000010
CR4_PAE     equ 0x00000020
CR4_PGE     equ 0x00000080
CR4_LA57    equ 0x00001000
MSR_EFER    equ 0xC0000080
EFER_LME    equ 0x00000100
EFER_NXE    equ 0x00000800

start:
    ; 64-bit U-Boot's zboot jumps here still in long mode (arch/x86/lib/zimage.c passes
    ; image_64bit false to boot_linux_kernel): tell the two modes apart, 0x48 being dec eax in
    ; 32-bit code and a REX prefix in 64-bit code, and send long mode to startup_64.
    xor eax, eax
    db 0x48
    nop
    test eax, eax
    jz near startup_64
    jmp near start32

    ; The gap up to the 64-bit entry is startup_64's stack (it grows down from +0x200).
    times 0x200 - ($ - $$) db 0

; The Linux 64-bit boot protocol's entry (boot.rst "64-bit Boot Protocol"; 64-bit U-Boot's zboot
; and kexec enter here): long mode, an identity map, rsi = boot_params. Leave long mode and run
; the 32-bit entry, so both paths share one setup. Its stack is the gap above: the loader's may
; lie above 4 GiB. boot_params must lie below 4 GiB, as for the 32-bit entry.
bits 64
startup_64:
    cli
    cld
    lea rsp, [rel startup_64]
    lea rax, [rel gdt]
    mov [rel gdtr64 + 2], rax
    lgdt [rel gdtr64]
    push qword 0x10
    lea rax, [rel .compat32]
    push rax
    o64 retf
bits 32
.compat32:
    mov eax, cr0                    ; paging off (this page is identity-mapped): IA-32e mode ends
    and eax, ~CR0_PG
    mov cr0, eax
    mov ecx, MSR_EFER
    rdmsr
    and eax, ~EFER_LME
    wrmsr
    mov eax, cr4
    and eax, ~(CR4_PAE | CR4_PGE | CR4_LA57)
    mov cr4, eax
    mov ax, 0x18
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax

start32:
    cli
    cld
    mov ebx, esi                    ; ebx = boot_params for the whole stub
    call .here                      ; the loader's stack (GRUB: esp = boot_params) is good for this
.here:
    pop ebp
    sub ebp, .here                  ; ebp = where this stub runs
    call check_ram                  ; before the first copy: RAM behind every destination
%include "relocate.inc"             ; to PLAN_MOVE_DEST, wherever the loader put it

moved:
    ; Our own GDT, in this copy: the loader's may be overwritten by the steps.
    lea eax, [ebp + gdt]
    mov [ebp + gdtr + 2], eax
    lgdt [ebp + gdtr]
    push dword 0x10
    lea eax, [ebp + .reload]
    push eax
    retf
.reload:
    mov ax, 0x18
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, [ebp + plan + PLAN_STACK_TOP]
    call reset_cpu_state            ; the loader's CR4/EFER/IDT are not ours to trust (cpu_state.inc)

    ; The steps: segments copied and zeroed, the boot info zeroed and its template copied, the
    ; page tables' entries written (entries.inc).
    mov edx, ebp
    add edx, [ebp + plan + PLAN_STEPS]
    mov eax, [ebp + plan + PLAN_STEP_COUNT]
.step:
    test eax, eax
    jz .steps_done
    push eax
    movzx eax, byte [edx + STEP_KIND]
    cmp eax, STEP_LZ4               ; --compress lz4 (lz4.inc)
    je .lz4
    mov edi, [edx + STEP_DEST]
    mov ecx, [edx + STEP_LENGTH]
    cmp eax, STEP_COPY
    je .copy
    cmp eax, STEP_ZERO
    je .zero
    cmp eax, STEP_ENTRIES
    je .entries
    cmp eax, STEP_ENTRIES32
    je .entries
    jmp .next                       ; STEP_NEED_RAM: checked before the move, nothing to run
.copy:
    mov esi, [edx + STEP_SOURCE]
    add esi, ebp
    call copy
    jmp .next
.entries:
    call entries
    jmp .next
.lz4:
    call lz4_step
    jmp .next
.zero:
    xor eax, eax
    call fill
.next:
    pop eax
    add edx, STEP_SIZE
    dec eax
    jmp .step
.steps_done:

    ; setup_data that a loader put right after the image (QEMU 7.2 did, with an RNG seed) may
    ; now lie under what the steps wrote: unlink the list rather than hand the kernel garbage.
    cmp dword [ebx + BP_SETUP_DATA + 4], 0
    jne .setup_data_ok
    mov eax, [ebx + BP_SETUP_DATA]
    cmp eax, 0x100000
    jb .setup_data_ok
    cmp eax, [ebp + plan + PLAN_STACK_TOP]
    jae .setup_data_ok
    mov dword [ebx + BP_SETUP_DATA], 0
.setup_data_ok:

    ; Every handoff but kimage's own builds its own structure and enters the kernel (handoff.inc).
    cmp dword [ebp + plan + PLAN_HANDOFF], HANDOFF_KIMAGE
    jne handoff

    ; Boot info: what only the boot loader knows.
    mov edi, [ebp + plan + PLAN_BOOTINFO]
    mov [edi + KIMAGE_BI_BOOT_PARAMS], ebx
    mov eax, [ebx + BP_RAMDISK_SIZE]
    test eax, eax
    jz .no_initrd
    mov [edi + KIMAGE_BI_INITRD_SIZE], eax
    mov eax, [ebx + BP_EXT_RAMDISK_SIZE]
    mov [edi + KIMAGE_BI_INITRD_SIZE + 4], eax
    mov eax, [ebx + BP_RAMDISK_IMAGE]
    mov [edi + KIMAGE_BI_INITRD], eax
    mov eax, [ebx + BP_EXT_RAMDISK_IMAGE]
    mov [edi + KIMAGE_BI_INITRD + 4], eax
.no_initrd:
    movzx eax, byte [ebx + BP_TYPE_OF_LOADER]
    mov [edi + KIMAGE_BI_LOADER_TYPE], eax
    call loader_efi                 ; efi_info from a loader on UEFI (loader_efi.inc)

    movzx ecx, byte [ebx + BP_E820_ENTRIES]
    cmp ecx, KIMAGE_BI_E820_MAX
    jbe .e820_count
    mov ecx, KIMAGE_BI_E820_MAX
.e820_count:
    mov [edi + KIMAGE_BI_E820_COUNT], ecx
    lea esi, [ebx + BP_E820_TABLE]   ; packed 20-byte entries become 24-byte ones
    lea edx, [edi + KIMAGE_BI_E820_ENTRIES]
.e820:
    test ecx, ecx
    jz .e820_done
    push ecx
    push edi
    mov edi, edx
    mov ecx, BP_E820_ENTRY_SIZE / 4
    rep movsd
    mov dword [edi], 0
    pop edi
    pop ecx
    add edx, KIMAGE_E820_ENTRY_SIZE
    dec ecx
    jmp .e820
.e820_done:

    ; Command line: the loader's when it gave a non-empty one, else kimage pack --cmdline.
    mov esi, [ebx + BP_CMD_LINE_PTR] ; ext_cmd_line_ptr above 4 GiB is unreachable here
    mov edx, KIMAGE_BIF_CMDLINE_FROM_LOADER
    test esi, esi
    jz .default_cmdline
    cmp byte [esi], 0
    jne .copy_cmdline
.default_cmdline:
    mov esi, ebp
    add esi, [ebp + plan + PLAN_CMDLINE]
    mov edx, KIMAGE_BIF_CMDLINE_FROM_PACK
.copy_cmdline:
    push edi
    mov ecx, [edi + KIMAGE_BI_CMDLINE_CAPACITY]
    dec ecx                         ; room for the NUL
    lea edi, [edi + KIMAGE_BI_CMDLINE_BUFFER]
    xor eax, eax
.cmdline_byte:
    cmp byte [esi], 0
    je .cmdline_end
    cmp eax, ecx
    jae .cmdline_truncated
    push ecx
    mov cl, [esi]
    mov [edi + eax], cl
    pop ecx
    inc esi
    inc eax
    jmp .cmdline_byte
.cmdline_truncated:
    or edx, KIMAGE_BIF_CMDLINE_TRUNCATED
.cmdline_end:
    mov byte [edi + eax], 0
    pop edi
    mov [edi + KIMAGE_BI_CMDLINE_LENGTH], eax
    or [edi + KIMAGE_BI_FLAGS], edx

    test dword [ebp + plan + PLAN_FLAGS], PLAN_F_SSE
    jz .no_sse
    call enable_sse
.no_sse:

    ; Paging, with the tables the plan's steps just put in place. First the CPU features the
    ; tables need: a CPU without them would fault with no word said.
    mov eax, [ebp + plan + PLAN_MODE]
    cmp eax, KIMAGE_PAGING_NONE
    je enter32
    call check_cpu
    mov eax, [ebp + plan + PLAN_MODE]
    mov ecx, [ebp + plan + PLAN_CR3]
    cmp eax, KIMAGE_PAGING_32BIT
    jne .not32
    mov edx, cr4
    or edx, CR4_PSE                 ; PAE, PGE and LA57 were cleared by reset_cpu_state
    mov cr4, edx
    mov cr3, ecx
    jmp .paging_on
.not32:
    mov edx, cr4
    or edx, CR4_PAE
    cmp eax, KIMAGE_PAGING_5LEVEL
    jne .no_la57
    or edx, CR4_LA57
.no_la57:
    mov cr4, edx
    mov cr3, ecx
    mov esi, eax                    ; keep the mode across rdmsr/wrmsr
    mov ecx, MSR_EFER
    rdmsr
    test dword [ebp + plan + PLAN_FLAGS], PLAN_F_NXE
    jz .no_nxe
    or eax, EFER_NXE
.no_nxe:
    cmp esi, KIMAGE_PAGING_PAE
    je .efer
    or eax, EFER_LME
.efer:
    wrmsr
    cmp esi, KIMAGE_PAGING_PAE
    je .paging_on
    ; Long mode: PG on (compatibility mode, on this identity-mapped page), then 64-bit code.
    mov eax, cr0
    or eax, CR0_PG | CR0_WP
    mov cr0, eax
    push dword 0x08
    lea eax, [ebp + enter64]
    push eax
    retf
.paging_on:
    mov eax, cr0
    or eax, CR0_PG | CR0_WP
    mov cr0, eax

enter32:
    mov ecx, [ebp + plan + PLAN_ENTRY]
    mov ebx, [ebp + plan + PLAN_BOOTINFO]
    mov esp, [ebp + plan + PLAN_STACK_TOP]
    mov eax, KIMAGE_ENTRY_MAGIC
    xor edx, edx
    xor esi, esi
    xor edi, edi
    xor ebp, ebp
    jmp ecx

bits 64
enter64:
    mov ebp, ebp                    ; upper halves are undefined after the switch: zero-extend
    mov ax, 0x18
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov edi, [rbp + plan + PLAN_BOOTINFO]
    mov esp, [rbp + plan + PLAN_STACK_TOP]
    mov rax, [rbp + plan + PLAN_ENTRY]
    mov esi, KIMAGE_ENTRY_MAGIC
    xor ebx, ebx
    xor ecx, ecx
    xor edx, edx
    xor ebp, ebp
    jmp rax

bits 32
; Halts with a message on COM1 when the CPU lacks what the plan's paging mode needs: PSE (32-bit
; tables with 4 MiB pages), PAE, long mode, NX (when the tables use XD), LA57 (5-level tables:
; setting CR4.LA57 on a CPU without it faults, and with no IDT that is a silent triple fault).
check_cpu:
    mov esi, eax
    mov eax, 1
    cpuid
    lea eax, [ebp + msg_pse]
    test edx, 1 << 3
    jz cpu_fail
    cmp esi, KIMAGE_PAGING_32BIT
    je .ok
    lea eax, [ebp + msg_pae]
    test edx, 1 << 6
    jz cpu_fail
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jb .no_extended
    mov eax, 0x80000001
    cpuid
    jmp .extended
.no_extended:
    xor edx, edx
.extended:
    lea eax, [ebp + msg_nx]
    test dword [ebp + plan + PLAN_FLAGS], PLAN_F_NXE
    jz .nx_ok
    test edx, 1 << 20
    jz cpu_fail
.nx_ok:
    cmp esi, KIMAGE_PAGING_PAE
    je .ok
    lea eax, [ebp + msg_lm]
    test edx, 1 << 29
    jz cpu_fail
    cmp esi, KIMAGE_PAGING_5LEVEL
    jne .ok
    xor eax, eax                    ; leaf 7 exists only when the highest basic leaf is 7 or more
    cpuid
    cmp eax, 7
    jb .la57_missing
    mov eax, 7
    xor ecx, ecx
    cpuid
    test ecx, 1 << 16               ; CPUID.(EAX=7,ECX=0):ECX[16] = LA57
    jnz .ok
.la57_missing:
    lea eax, [ebp + msg_la57]
    jmp cpu_fail
.ok:
    ret

cpu_fail:
    mov esi, eax
    mov dx, 0x3F8
.next:
    lodsb
    test al, al
    jz .halt
    out dx, al
    jmp .next
.halt:
    cli
    hlt
    jmp .halt

msg_pse: db "kimage setup: this CPU has no PSE (4 MiB pages); the kernel's 32-bit tables need it", 13, 10, 0
msg_pae: db "kimage setup: this CPU has no PAE; the kernel's tables need it", 13, 10, 0
msg_nx:  db "kimage setup: this CPU has no NX; the kernel's tables use execute-disable bits", 13, 10, 0
msg_lm:  db "kimage setup: this CPU has no long mode; an ELF64 kernel needs an x86-64 CPU", 13, 10, 0
msg_la57: db "kimage setup: this CPU has no LA57 (5-level paging); the image was packed with --five-level: boot it on a CPU with LA57 or pack it without the flag", 13, 10, 0

%include "cpu_sse.inc"

; Copies ecx bytes from esi to edi (never overlapping: the plan guarantees it).
copy:
    push ecx
    shr ecx, 2
    rep movsd
    pop ecx
    and ecx, 3
    rep movsb
    ret

; Stores ecx bytes of al at edi.
fill:
    push ecx
    mov ah, al
    movzx eax, ax
    imul eax, eax, 0x00010001
    shr ecx, 2
    rep stosd
    pop ecx
    and ecx, 3
    rep stosb
    ret

%include "ramcheck.inc"
%include "entries.inc"
%include "lz4.inc"
%include "loader_efi.inc"
%include "cpu_state.inc"
%include "handoff.inc"

align 8
gdt:
    dq 0
    dq 0x00AF9A000000FFFF           ; 0x08: 64-bit code
    dq 0x00CF9A000000FFFF           ; 0x10: flat 32-bit code (the boot protocol's __BOOT_CS)
    dq 0x00CF92000000FFFF           ; 0x18: flat data (__BOOT_DS)
gdt_end:
gdtr:
    dw gdt_end - gdt - 1
    dd 0
gdtr64:                             ; lgdt in 64-bit mode reads a 64-bit base
    dw gdt_end - gdt - 1
    dq 0

align 16
plan:                               ; kimage pack appends the load plan here
