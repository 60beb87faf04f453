; kimage redirect installer, x86-64, nasm. void kimage_install_redirects(void)
;
; Walks the table `kimage redirect` filled in .goredirectstbl (u64 src, u64 dst per entry) and
; writes at each src the 14-byte trampoline `jmp [rip+0]; dq dst` (FF 25 00 00 00 00 + dst), so
; every call to src lands in dst and no register is clobbered on the way.
; - The loop tests before it reads: an empty table (NUM_REDIRECTS = 0) installs nothing.
; - A zero entry (src = dst = 0, the spare slots of `kimage redirect --allow-spare`) ends it.
; - CR0.WP is cleared while writing, since kimage pack maps .text read-only, and restored after.
; Call it once, early, with interrupts off and before any other CPU runs. Kernels whose table
; was written with `kimage redirect --patch` need not call it (calling it again is harmless).
; Clobbers rax, rcx, rdx, rsi, rdi (caller-saved in the System V ABI).

bits 64
default rel

; Empty, but it makes the linker's .goredirectstbl output section PROGBITS, so the slots the
; linker script reserves have file bytes for `kimage redirect` to fill.
section .goredirectstbl progbits alloc noexec nowrite align=16

section .text
global kimage_install_redirects
extern __kimage_redirects_start
extern __kimage_redirects_end

kimage_install_redirects:
    lea rsi, [__kimage_redirects_start]
    lea rcx, [__kimage_redirects_end]
    mov rdx, cr0
    push rdx
    and rdx, ~(1 << 16)             ; CR0.WP = 0: supervisor writes ignore read-only pages
    mov cr0, rdx
.next:
    cmp rsi, rcx
    jae .done
    mov rdi, [rsi]                  ; src
    mov rax, [rsi + 8]              ; dst
    mov rdx, rdi
    or rdx, rax
    jz .done                        ; zero entry: spare slots follow
    mov dword [rdi], 0x000025FF     ; FF 25 00 00: jmp [rip + disp32]...
    mov word [rdi + 4], 0           ; ...00 00: disp32 = 0, the target follows the instruction
    mov [rdi + 6], rax              ; the absolute address jmp reads
    add rsi, 16
    jmp .next
.done:
    pop rdx
    mov cr0, rdx                    ; restore WP; mov to CR0 also serialises the new code
    ret
