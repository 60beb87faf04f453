; The README's 5-level kernel (readme-test la57-kernel): prints CR4.LA57 and the boot info's
; paging_mode on COM1 and exits through isa-debug-exit. Linked by la57.ld.
bits 64
default rel
section .text
global _start
_start:
    mov ebx, [rdi + 12]         ; boot info paging_mode
    lea rsi, [msg]
    call puts
    mov rax, cr4
    shr eax, 12                 ; CR4.LA57
    and al, 1
    add al, '0'
    call putc
    lea rsi, [mode]
    call puts
    lea eax, [rbx + '0']
    call putc
    mov al, 10
    call putc
    mov al, 0x10
    out 0xf4, al
putc:
    mov dx, 0x3f8
    out dx, al
    ret
puts:
    lodsb
    test al, al
    jz .done
    call putc
    jmp puts
.done:
    ret
section .data
msg: db "CR4.LA57=", 0
mode: db ", boot info paging_mode=", 0

