; SSEBootTests' kernel: prints CR0.EM/MP and CR4.OSFXSR/OSXMMEXCPT, then, when OSFXSR is set,
; runs SSE and x87 instructions (without it they raise #UD: a triple fault, no PASS).
; One source for both ELF classes: BITS64 selects 64-bit code.
%ifdef BITS64
bits 64
%define SP_ rsp
%define AX_ rax
%else
bits 32
%define SP_ esp
%define AX_ eax
%endif
global _start
section .text
_start:
    mov SP_, stack_top
    mov AX_, cr0
    mov ebx, eax
    mov al, 'E'
    call put
    mov eax, ebx
    shr eax, 2
    call bit
    mov al, 'M'
    call put
    mov eax, ebx
    shr eax, 1
    call bit
    mov AX_, cr4
    mov ebx, eax
    mov al, 'F'
    call put
    mov eax, ebx
    shr eax, 9
    call bit
    mov al, 'X'
    call put
    mov eax, ebx
    shr eax, 10
    call bit
    test ebx, 1 << 9
    jz .done
%ifdef BITS64
    xorps xmm15, xmm15              ; what every Go ABI0 wrapper starts with
%else
    xorps xmm7, xmm7
%endif
    movaps xmm0, [rel_value]
    addps xmm0, xmm0
    movaps [rel_value], xmm0
    cmp dword [rel_value], 0x40000000  ; 1.0f + 1.0f = 2.0f
    jne .fail
    fld1                            ; x87 after fninit
    fistp dword [rel_value + 4]
    cmp dword [rel_value + 4], 1
    jne .fail
    mov al, 'S'
    call put
.done:
    mov al, 'P'
    call put
    mov eax, 0x10
    out 0xF4, eax
.fail:
    cli
    hlt
    jmp .fail
; prints '=' and the low bit of eax as '0'/'1', then ' '
bit:
    and eax, 1
    add eax, '0'
    push AX_
    mov al, '='
    call put
    pop AX_
    call put
    mov al, ' '
put:
    mov dx, 0x3F8
    out dx, al
    ret
section .data
align 16
rel_value: dd 0x3F800000, 0, 0, 0
section .bss
align 16
    resb 4096
stack_top:
