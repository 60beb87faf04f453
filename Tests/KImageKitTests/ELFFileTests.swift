import Foundation
import Testing
import KImageKit
import TestSupport

@Suite struct ELFFileTests {
    @Test func readsAnELF64KernelBuiltAtTestTime() throws {
        let dir = try TemporaryDirectory()
        let obj = try Toolchain.nasm(fixture: "elf/kernel.asm", in: dir, name: "k")
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
        #expect(throws: ELFError.self) { try ELFFile(file: bytes) }
        do {
            _ = try ELFFile(file: bytes)
        } catch let e as any KImageError {
            #expect(e.description.contains("not an ELF"))
        }
    }
}

@Suite struct ELFHeadersOnlyTests {
    @Test func headersOnlyReadAgreesWithTheFullRead() throws {
        let dir = try TemporaryDirectory()
        let obj = try Toolchain.nasm(fixture: "elf/kernel.asm", in: dir, name: "k")
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

    /// redirect's read: headers, .symtab and .strtab, nothing else; the symbols are the whole
    /// read's, code bytes are read only when asked for, and the patched copy is byte-identical.
    @Test func aSymbolsOnlyReadAgreesWithTheFullRead() throws {
        let dir = try TemporaryDirectory()
        let obj = try Toolchain.nasm(fixture: "elf/kernel.asm", in: dir, name: "k")
        let path = try Toolchain.ld([obj], script: nil, in: dir, output: "k.elf", extra: ["-Ttext=0x200000"])
        let full = try ELFFile(path: path)
        let lazy = try ELFFile(symbolsOf: path)
        #expect(lazy.file.isPartial && !full.file.isPartial)
        #expect(try lazy.symbols() == full.symbols())
        #expect(try lazy.definedSymbols(named: ["helper", "_start"]) == full.definedSymbols(named: ["helper", "_start"]))
        #expect(lazy.sections == full.sections && lazy.segments == full.segments)
        let data = try #require(full.section(named: ".data"))
        #expect(lazy.bytes[Int(data.offset)] == 0 && full.bytes[Int(data.offset)] == 0x5a, "section contents are not read")
        #expect(lazy.fileBytes(at: data.offset, count: 4) == [0x5a, 0x5a, 0x5a, 0x5a], "until asked for")
        let helper = try #require(try full.symbols().first { $0.name == "helper" })
        let at = try #require(full.fileOffset(ofVirtualAddress: helper.value))
        let patch = [BytePatch(offset: at, bytes: [0xCC, 0xCC])]
        try lazy.write(applying: patch, to: dir.file("lazy.elf"))
        try full.write(applying: patch, to: dir.file("full.elf"))
        #expect(try contentsOf(dir.file("lazy.elf")) == contentsOf(dir.file("full.elf")))
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
        #expect(throws: FileError.self) { try file.verifyUnchanged() }
    }
}
