import Foundation

/// Multiboot kernels that check where they were loaded, built at test time (nasm, ld). Their
/// code is position independent: each finds its own load base (call/pop), and prints on COM1
/// "ok"/"FAIL" lines, "base 0x..." and "PASS", exiting through isa-debug-exit with 0x10 when
/// every check passed. Each checks the loader's magic, that it runs at `expectBase`, that the
/// MBI2 load base tag (21) names that address (multiboot2), and that module 0, when there is
/// one, starts on a page boundary (MB1 flag 0, MB2 tag 6).
public enum MultibootLoadFixture {
    public enum Kind: Sendable {
        /// MB1 with flag 16: the address fields say where the bytes go; the program headers lie
        /// (their p_paddr is `linkBase + 0x100000`), so a loader that used them would fail.
        case multiboot1AddressFields
        /// MB2 with an address tag (2) and an entry address tag (3); program headers lie as above.
        case multiboot2AddressTag
        /// MB2 with a relocatable tag (10): min_addr, max_addr, align, preference.
        case multiboot2Relocatable(min: UInt32, max: UInt32, align: UInt32, preference: UInt32)
    }

    public static func build(_ kind: Kind, linkBase: UInt64, expectBase: UInt64, in dir: TemporaryDirectory, name: String) throws -> String {
        var header: String
        var mb2 = true
        var lie = false
        switch kind {
        case .multiboot1AddressFields:
            mb2 = false
            lie = true
            header = """
                align 4
                hdr: dd 0x1BADB002, 0x10001, -(0x1BADB002 + 0x10001)
                    dd hdr, image_start, data_end, bss_end, _start
                """
        case .multiboot2AddressTag:
            lie = true
            header = """
                align 8
                hdr: dd 0xE85250D6, 0, hdr_end - hdr, -(0xE85250D6 + (hdr_end - hdr))
                    dw 2, 0
                    dd 24, hdr, image_start, data_end, bss_end
                    dw 3, 0
                    dd 12, _start
                    dd 0
                    dw 6, 0
                    dd 8
                    dw 0, 0
                    dd 8
                hdr_end:
                """
        case .multiboot2Relocatable(let min, let max, let align, let preference):
            header = """
                align 8
                hdr: dd 0xE85250D6, 0, hdr_end - hdr, -(0xE85250D6 + (hdr_end - hdr))
                    dw 10, 0
                    dd 24, \(min), \(max), \(align), \(preference)
                    dw 6, 0
                    dd 8
                    dw 0, 0
                    dd 8
                hdr_end:
                """
        }
        let source = """
            bits 32
            %macro putc 1
                mov dx, 0x3F8
                mov al, %1
                out dx, al
            %endmacro
            %macro puts 1
                %strlen n %1
                %assign i 1
                %rep n
                    %substr c %1 i
                    putc c
                    %assign i i+1
                %endrep
            %endmacro
            %macro check 2                  ; condition code that means ok, message
                j%1 %%ok
                puts "FAIL "
                inc edi
                jmp %%say
            %%ok:
                puts "ok "
            %%say:
                puts %2
                putc 10
            %endmacro
            section .text
            image_start:
            \(header)
            global _start
            _start:
                mov esi, eax                    ; the magic
                xor edi, edi                    ; failures
                call .here
            .here:
                pop ebp
                sub ebp, .here - image_start    ; ebp = where image_start runs
                cmp esi, \(mb2 ? "0x36D76289" : "0x2BADB002")
                check e, "eax holds the loader magic"
                puts "base "
                mov eax, ebp
                call puthex
                putc 10
                cmp ebp, \(expectBase)
                check e, "runs at the expected base \(String(format: "0x%llx", expectBase))"
                cmp dword [ebp + data_word - image_start], 0x600DF00D
                check e, "data loaded"
                cmp dword [ebp + bss_word - image_start], 0
                check e, "bss zeroed"
            \(mb2 ? mb2Walk : mb1Module)
                test edi, edi
                jnz .fail
                puts "PASS"
                putc 10
                mov dx, 0xF4
                mov eax, 0x10
                out dx, eax
            .fail:
                mov dx, 0xF4
                mov eax, 1
                out dx, eax
            .halt:
                cli
                hlt
                jmp .halt

            ; Prints eax in hex (eax, ecx, edx clobbered).
            puthex:
                push ebx
                mov ebx, eax
                puts "0x"
                mov ecx, 8
            .digit:
                rol ebx, 4
                mov eax, ebx
                and eax, 0xF
                cmp al, 10
                jb .dec
                add al, 'a' - 10 - '0'
            .dec:
                add al, '0'
                mov dx, 0x3F8
                out dx, al
                dec ecx
                jnz .digit
                pop ebx
                ret
            section .data
            data_word: dd 0x600DF00D
            data_end:
            section .bss
            bss_word: resd 1
            resb 8192
            bss_end:
            """
        let obj = try Toolchain.nasm(source, in: dir, name: name, format: "elf32")
        let at = lie ? " AT(\(String(format: "0x%llx", linkBase + 0x10_0000)))" : ""
        return try Toolchain.ld([obj], script: """
            ENTRY(_start)
            SECTIONS {
              . = \(String(format: "0x%llx", linkBase));
              .text :\(at) { *(.text) *(.data) }
              .bss : { *(.bss) }
            }
            """, in: dir, output: name + ".elf", emulation: "elf_i386", extra: ["-z", "max-page-size=4096", "--no-warn-rwx-segments"])
    }

    /// MBI2: tag 21 must hold the base; module 0 (tag 3), when there is one, must be page-aligned.
    static let mb2Walk = """
            lea esi, [ebx + 8]
            xor ecx, ecx                    ; tag 21 seen
        .walk:
            mov eax, [esi]
            test eax, eax
            jz .walked
            cmp eax, 21
            jne .not21
            inc ecx
            cmp [esi + 8], ebp
            check e, "tag 21 (load base) holds the base"
        .not21:
            cmp dword [esi], 3
            jne .next
            test dword [esi + 8], 0xFFF
            check z, "module 0 starts on a page boundary"
        .next:
            mov eax, [esi + 4]
            add eax, 7
            and eax, ~7
            add esi, eax
            jmp .walk
        .walked:
            test ecx, ecx
            check nz, "tag 21 is there"
        """

    /// MBI: module 0, when there is one, must be page-aligned.
    static let mb1Module = """
            cmp dword [ebx + 20], 0         ; mods_count
            je .no_module
            mov eax, [ebx + 24]             ; mods_addr
            test dword [eax], 0xFFF
            check z, "module 0 starts on a page boundary"
        .no_module:
        """
}
