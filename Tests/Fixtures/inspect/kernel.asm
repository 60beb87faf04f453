bits 64
section .text
global _start
global legacy_puts
global serial_puts
global old_fn
global new_fn
_start: jmp _start
align 16
legacy_puts: times 16 db 0x90
serial_puts: ret
align 16
old_fn: db 0xFF, 0x25, 0, 0, 0, 0
        dq new_fn
align 16
new_fn: ret
times 0x80-($-$$) db 0xCC
section .rodata
msg: times 0x20 db 'r'
section .data
value: times 0x10 db 1
section .goredirectstbl progbits alloc write noexec align=8
dq legacy_puts, serial_puts
dq old_fn, new_fn
dq 0, 0
section .bss nobits alloc write
buf: resb 0x3000
