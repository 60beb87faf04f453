; The redirect installer fixture (TemplateInstallerTests): snapshot the bytes at physical 0 (where
; a zero entry's trampoline would land), run the installer, call every src_i and expect dst_i's
; value, call the canary (the poison entry right after the table), compare, report on COM1 and
; leave through isa-debug-exit (0x10 ok, 0x11 wrong landing, 0x12 poisoned, 0x13 zero entry).
; Defines: BITS64 (else ELF32), COUNT (redirects src_i -> dst_i), INSTALLS (the installer is linked).
%ifdef BITS64
bits 64
default rel
%define AX rax
%define WORD 8
%define SLOT dq
%define ALIGNMENT 16
%define SI rsi
%define point_si(label) lea rsi, [label]
%else
bits 32
%define AX eax
%define WORD 4
%define SLOT dd
%define ALIGNMENT 8
%define SI esi
%define point_si(label) mov esi, label
%endif
%defstr COUNT_TEXT COUNT
section .goredirectstbl progbits alloc noexec nowrite align=ALIGNMENT
section .kimage_test_poison progbits alloc noexec nowrite align=ALIGNMENT
    SLOT canary_src, canary_dst
section .text.entry progbits alloc exec nowrite align=16
global _start
%ifdef INSTALLS
extern kimage_install_redirects
%endif
_start:
    cli
%ifdef BITS64
    lea rsp, [stack_top]
%else
    mov esp, stack_top
%endif
    mov AX, [abs 0]
    mov [low_before], AX
    mov AX, [abs WORD]
    mov [low_before + WORD], AX
%ifdef INSTALLS
    call kimage_install_redirects
%endif
%assign i 0
%rep COUNT
    call src_%[i]
    cmp eax, 1000 + i
    jne wrong
%assign i i + 1
%endrep
    call canary_src
    cmp eax, 1
    jne poisoned
    mov AX, [abs 0]
    cmp AX, [low_before]
    jne zero_entry
    mov AX, [abs WORD]
    cmp AX, [low_before + WORD]
    jne zero_entry
    point_si(ok)
    mov edi, 0x10
    jmp finish
wrong:
    point_si(msg_wrong)
    mov edi, 0x11
    jmp finish
poisoned:
    point_si(msg_poison)
    mov edi, 0x12
    jmp finish
zero_entry:
    point_si(msg_zero)
    mov edi, 0x13
finish:
    mov dx, 0x3F8
.put:
    mov al, [SI]
    test al, al
    jz .exit
    out dx, al
    inc SI
    jmp .put
.exit:
    mov eax, edi
    mov dx, 0xF4
    out dx, eax
.halt:
    hlt
    jmp .halt

; Each source is longer than its trampoline (14 or 5 bytes), as redirect requires.
%assign i 0
%rep COUNT
global src_%[i]:function (src_%[i].end - src_%[i])
global dst_%[i]:function (dst_%[i].end - dst_%[i])
src_%[i]:
    mov eax, i
    ret
    times 16 nop
.end:
dst_%[i]:
    mov eax, 1000 + i
    ret
.end:
%assign i i + 1
%endrep
global canary_src:function (canary_src.end - canary_src)
global canary_dst:function (canary_dst.end - canary_dst)
canary_src:
    mov eax, 1
    ret
    times 16 nop
.end:
canary_dst:
    mov eax, 2
    ret
.end:

section .rodata
ok: db "installer ok: ", COUNT_TEXT, " redirects", 10, 0
msg_wrong: db "a call did not land in its destination", 10, 0
msg_poison: db "the installer read past the end of the table", 10, 0
msg_zero: db "the installer wrote a trampoline for a zero entry", 10, 0

section .bss
align 16
%ifdef BITS64
low_before: resq 2
%else
low_before: resd 2
%endif
stack: resb 8192
stack_top:
