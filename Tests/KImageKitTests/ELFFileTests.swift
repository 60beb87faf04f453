import Testing
import KImageKit
import TestSupport

@Suite struct ELFFileTests {
    @Test func readsAnELF64KernelBuiltAtTestTime() throws {
        let dir = try TemporaryDirectory()
        let obj = try Toolchain.nasm("""
            bits 64
            section .text
            global _start
            global helper
            _start: jmp _start
            helper: ret
            section .data
            value: dq 42
            """, in: dir, name: "k")
        let elf = try Toolchain.ld([obj], script: nil, in: dir, output: "k.elf", extra: ["-Ttext=0x200000"])
        let file = try ELFFile(path: elf)
        #expect(file.elfClass == .elf64)
        #expect(file.machine == .x86_64)
        #expect(file.entry == 0x200000)
        let names = try file.symbols().map(\.name)
        #expect(names.contains("_start") && names.contains("helper"))
        let text = try #require(file.section(named: ".text"))
        #expect(file.fileOffset(ofVirtualAddress: 0x200000) == text.offset)
    }

    @Test func refusesWhatIsNotAnELF() throws {
        let bytes = FileBytes(bytes: Array("hello world, not an elf".utf8), name: "x.bin")
        #expect(throws: KImageError.self) { try ELFFile(file: bytes) }
        do {
            _ = try ELFFile(file: bytes)
        } catch let e as KImageError {
            #expect(e.description.contains("not an ELF"))
        }
    }
}
