; kimage 32-bit setup: the start of the protected-mode part, loaded at code32_start: 0x100000
; (pref_address), or wherever a relocating loader put it (relocatable_kernel; relocate.inc).
; Entered in flat 32-bit protected mode, paging off, esi = boot_params, from GRUB linux or from
; kimage's 16-bit setup; or at +0x200 in long mode (startup_64 below, XLF_KERNEL_64). It executes the load plan kimage pack wrote right after it (plan.inc):
; moves the protected-mode part when the kernel's physical range overlaps it, runs the copy and
; zero steps, fills the boot info, loads CR3 with the tables built at pack time, enables paging
; and jumps to the kernel's entry point. It knows no ELF, and runs from wherever it was loaded
; or moved to (every address is ebp-relative).
; It is assembled in variants (setup32_*.asm), each carrying one handoff family's code and the
; LZ4 decoder or not, so an image holds only what its plan runs; kimage pack picks the variant
; (Setup32Variant.swift). Assemble: nasm -f bin -I ../include/ setup32_kimage.asm

bits 32
org 0

%include "kimage/bootinfo.inc"
%include "plan.inc"
%include "bootparams.inc"

%ifdef SETUP32_HANDOFF_KIMAGE
%elifdef SETUP32_HANDOFF_MULTIBOOT
%elifdef SETUP32_HANDOFF_LINUX
%else
%error "setup32.asm is assembled through a variant (setup32_kimage.asm, ...), which names the handoff it carries"
%endif

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

; The gap up to the 64-bit entry: its last STARTUP64_STACK bytes are startup_64's stack (it grows
; down from +0x200 until the setup takes the plan's stack; the RAM check below is the deepest
; caller, 44 bytes); code fills the rest, so the gap costs the image no bytes. Only code and
; constants go here: a stub loaded where its plan runs keeps what that stack wrote.
STARTUP64_STACK equ 0x50

%include "ramcheck.inc"

; Says the NUL-terminated message at eax on COM1 and halts.
cpu_fail:
    mov esi, eax
    call ram_puts
halt:
    cli
    hlt
    jmp halt

    times (0x200 - STARTUP64_STACK) - ($ - $$) db 0    ; nasm refuses a negative count: keep the stack's room
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
%ifdef SETUP32_LZ4
    cmp eax, STEP_LZ4               ; --compress lz4 (lz4.inc)
    je .lz4
%endif
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
%ifdef SETUP32_LZ4
.lz4:
    call lz4_step
    jmp .next
%endif
.zero:
    xor eax, eax
    push ecx
    shr ecx, 2
    rep stosd
    pop ecx
    and ecx, 3
    rep stosb
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

    ; The handoff this variant carries fills its information structure and enters the kernel.
%ifdef SETUP32_HANDOFF_KIMAGE
%include "handoff_kimage.inc"
%elifdef SETUP32_HANDOFF_MULTIBOOT
    cmp dword [ebp + plan + PLAN_HANDOFF], HANDOFF_MULTIBOOT
    jne handoff_multiboot2
%include "handoff_multiboot.inc"
%else
%include "handoff_linux.inc"
%include "cpu_check.inc"
%endif

; Copies ecx bytes from esi to edi (never overlapping: the plan guarantees it).
copy:
    push ecx
    shr ecx, 2
    rep movsd
    pop ecx
    and ecx, 3
    rep movsb
    ret

msg_ram_1: db "kimage setup: no RAM at ", 0    ; ramcheck.inc's messages (its code is in the gap)
msg_ram_2: db " in the E820 map, needed by ", 0
msg_ram_3: db " (", 0
msg_ram_4: db "..0x", 0
msg_ram_5: db "); boot with more memory (QEMU -m) or link the kernel lower", 13, 10, 0

%include "entries.inc"
%ifdef SETUP32_LZ4
%include "lz4.inc"
%endif
%include "cpu_state.inc"

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
