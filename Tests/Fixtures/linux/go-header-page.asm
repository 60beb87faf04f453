bits 64
default rel
section .note.go.buildid progbits alloc noexec nowrite align=4
    dd 4, 8, 4                  ; "Go", type 4: the Go linker's build ID note
    db "Go", 0, 0
    db "buildid!"
%ifdef CODE_BELOW_1MIB
section .lowtext progbits alloc exec nowrite align=1
    db 0x90
%endif
section .text
global _start
_start:
    cmp esi, 0x6b696d67         ; kimage's entry magic
    jne fail
    cmp qword [data_word], 0x7E57DA7A
    jne fail
    lea rdi, [bss_start]
    mov ecx, 4096
.zero:
    cmp byte [rdi], 0
    jne fail
    inc rdi
    dec ecx
    jnz .zero
    lea rsi, [msg_ok]
    mov eax, 0x10
    jmp out
fail:
    lea rsi, [msg_fail]
    mov eax, 1
out:
    mov ebx, eax
    mov dx, 0x3F8
.put:
    lodsb
    test al, al
    jz .done
    out dx, al
    jmp .put
.done:
    mov eax, ebx
    mov dx, 0xF4
    out dx, eax
    cli
    hlt
section .data
data_word: dq 0x7E57DA7A
msg_ok: db "header page fixture: PASS", 10, 0
msg_fail: db "header page fixture: FAIL", 10, 0
section .bss
bss_start: resb 4096
