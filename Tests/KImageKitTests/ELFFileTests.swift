import Foundation
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

@Suite struct ELFHeadersOnlyTests {
    @Test func headersOnlyReadAgreesWithTheFullRead() throws {
        let dir = try TemporaryDirectory()
        let obj = try Toolchain.nasm("""
            bits 64
            section .text
            global _start
            _start: jmp _start
            section .data
            times 8192 db 0x5a
            """, in: dir, name: "k")
        let path = try Toolchain.ld([obj], script: nil, in: dir, output: "k.elf", extra: ["-Ttext=0x200000"])
        let full = try ELFFile(path: path)
        let headers = try ELFHeaders(path: path)
        #expect(headers.file.isPartial && !full.file.isPartial)
        #expect(headers.sections == full.sections)
        #expect(headers.segments == full.segments)
        #expect(headers.entry == full.entry && headers.elfClass == full.elfClass)
        // Segment contents were not read: the data section's bytes are still zero in memory.
        let data = try #require(full.section(named: ".data"))
        #expect(headers.bytes[Int(data.offset)] == 0 && full.bytes[Int(data.offset)] == 0x5a)
        try headers.file.verifyUnchanged()
    }

    @Test func aPartialReadNoticesTheFileChanging() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("f.bin", String(repeating: "x", count: 4096))
        let file = try FileBytes(partOf: path)
        try file.load(offset: 0, count: 16)
        #expect(Array(file.bytes[0..<2]) == [0x78, 0x78])
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("more".utf8))
        try handle.close()
        #expect(throws: KImageError.self) { try file.verifyUnchanged() }
    }
}
