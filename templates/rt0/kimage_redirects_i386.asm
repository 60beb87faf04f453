; kimage redirect installer, i386, nasm. void kimage_install_redirects(void)
;
; Walks the table `kimage redirect` filled in .goredirectstbl (u32 src, u32 dst per entry) and
; writes at each src the 5-byte trampoline `jmp rel32` (E9 + dst - (src + 5)), so every call to
; src lands in dst.
; - The loop tests before it reads: an empty table (NUM_REDIRECTS = 0) installs nothing.
; - A zero entry (src = dst = 0, the spare slots of `kimage redirect --allow-spare`) ends it.
; - CR0.WP is cleared while writing, since kimage pack maps .text read-only, and restored after.
; Call it once, early, with interrupts off and before any other CPU runs. Kernels whose table
; was written with `kimage redirect --patch` need not call it (calling it again is harmless).
; Preserves ebx, esi, edi, ebp (cdecl).

bits 32

; Empty, but it makes the linker's .goredirectstbl output section PROGBITS, so the slots the
; linker script reserves have file bytes for `kimage redirect` to fill.
section .goredirectstbl progbits alloc noexec nowrite align=8

section .text
global kimage_install_redirects
extern __kimage_redirects_start
extern __kimage_redirects_end

kimage_install_redirects:
    push ebx
    push esi
    push edi
    mov esi, __kimage_redirects_start
    mov ecx, __kimage_redirects_end
    mov edx, cr0
    push edx
    and edx, ~(1 << 16)             ; CR0.WP = 0: supervisor writes ignore read-only pages
    mov cr0, edx
.next:
    cmp esi, ecx
    jae .done
    mov edi, [esi]                  ; src
    mov eax, [esi + 4]              ; dst
    mov ebx, edi
    or ebx, eax
    jz .done                        ; zero entry: spare slots follow
    sub eax, edi
    sub eax, 5                      ; rel32 counts from the end of the 5-byte jmp
    mov byte [edi], 0xE9
    mov [edi + 1], eax
    add esi, 8
    jmp .next
.done:
    pop edx
    mov cr0, edx                    ; restore WP; mov to CR0 also serialises the new code
    pop edi
    pop esi
    pop ebx
    ret
