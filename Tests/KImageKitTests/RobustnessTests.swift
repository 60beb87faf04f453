import Testing
import Foundation
@testable import KImageKit
import TestSupport

/// Regression tests for what review and the fuzzer found in the readers: each builds its damaged
/// input from a fixture at test time and checks the error names the field and its value.
@Suite struct RobustnessTests {
    /// The message of the KImageError `body` throws (fails the test when it throws nothing).
    func message(_ body: () throws -> Void) -> String {
        do {
            try body()
            Issue.record("expected a KImageError, nothing was thrown")
        } catch let e as any KImageError {
            return e.description
        } catch {
            Issue.record("expected a KImageError, got \(error)")
        }
        return ""
    }

    /// The robustness kernel's bytes and where its header tables lie.
    func fixture(bits32: Bool = false) throws -> ([UInt8], ELFHeaderTables) {
        let dir = try TemporaryDirectory("kimage-robust")
        let path = try RobustnessFixture.kernel(in: dir, bits32: bits32)
        return (try contentsOf(path), try ELFHeaderTables(path: path))
    }

    /// A field of the ELF header or a section header, as KImageKit declares it.
    func header(_ name: String, _ tables: ELFHeaderTables) throws -> LayoutField {
        try #require(ELFLayouts.header(is64: tables.is64).field(named: name))
    }
    func sectionField(_ name: String, _ tables: ELFHeaderTables) throws -> LayoutField {
        try #require(ELFLayouts.sectionHeader(is64: tables.is64).field(named: name))
    }

    // Found by review: an empty file made FileBytes free its buffer twice (the throw ran deinit
    // after every property was set), so `kimage count --manifest empty.txt` aborted.
    @Test func anEmptyFileIsAnErrorNotADoubleFree() throws {
        let dir = try TemporaryDirectory("kimage-robust")
        let path = try dir.write("empty", "")
        for _ in 0..<3 {
            let text = message { _ = try FileBytes(path: path) }
            #expect(text.contains("is empty (0 bytes)"))
        }
        #expect(try RedirectManifest.read(path: path).isEmpty)
    }

    // Found by review: a SHT_NULL section was not checked against the file, yet lookups trust
    // every section that is not SHT_NOBITS (here: the symbol table's string table).
    @Test(arguments: [false, true]) func aNullSectionPastTheEndIsReported(bits32: Bool) throws {
        let (original, tables) = try fixture(bits32: bits32)
        var b = original
        let strtab = try #require(tables.sections[".strtab"]).index
        // sh_type, 4 bytes at offset 4 in both classes (gABI "Sections"); kimage declares only the
        // section header fields it reads itself.
        b.replaceSubrange(tables.sectionHeader(strtab) + 4..<tables.sectionHeader(strtab) + 8, with: [0, 0, 0, 0])
        try sectionField("sh_offset", tables).store(0x7FFF_0000, into: &b, base: tables.sectionHeader(strtab))
        let text = message { _ = try ELFFile(file: FileBytes(bytes: b, name: "k.elf")) }
        #expect(text.contains("k.elf is truncated: section \(strtab) (.strtab) at offset 0x7fff0000"), "\(text)")
    }

    // Review: e_phnum = 0xFFFF (PN_XNUM) takes its count from section 0's sh_info, which libelf
    // silently shortens when the table would run off the file.
    @Test func anExtendedProgramHeaderCountIsCheckedAgainstTheFile() throws {
        let (original, tables) = try fixture()
        var b = original
        try header("e_phnum", tables).store(0xFFFF, into: &b)
        let info = try sectionField("sh_info", tables)
        info.store(0x10_0000, into: &b, base: tables.sectionHeader(0))
        let text = message { _ = try ELFFile(file: FileBytes(bytes: b, name: "k.elf")) }
        #expect(text.contains("the program header table at e_phoff 0x40 (1048576 entries)"), "\(text)")
        // A count that fits is read as the real count.
        info.store(UInt64(tables.segmentCount), into: &b, base: tables.sectionHeader(0))
        let elf = try ELFFile(file: FileBytes(bytes: b, name: "k.elf"))
        #expect(elf.segments.count == tables.segmentCount)
    }

    // Found by review: with e_shoff 0 and e_shnum set, libelf reads section headers out of the
    // ELF header; the message named e_shnum with the wrong value.
    @Test func sectionHeadersAtOffsetZeroAreReported() throws {
        let (original, tables) = try fixture()
        var b = original
        let count = tables.sectionCount
        try header("e_shoff", tables).store(0, into: &b)
        let text = message { _ = try ELFFile(file: FileBytes(bytes: b, name: "k.elf")) }
        #expect(text.contains("k.elf: e_shoff = 0 while e_shnum is \(count): the section header table has no place in the file"), "\(text)")
    }

    @Test func aProgramHeaderTablePastTheEndIsReported() throws {
        let (original, tables) = try fixture(bits32: true)
        var b = original
        try header("e_phoff", tables).store(UInt64(b.count - 16), into: &b)
        let text = message { _ = try ELFFile(file: FileBytes(bytes: b, name: "k.elf")) }
        #expect(text.contains("k.elf is truncated: the program header table at e_phoff \(hex(b.count - 16))"), "\(text)")
    }

    @Test func aSymbolNamePastItsStringTableIsReported() throws {
        let (original, tables) = try fixture()
        var b = original
        let symtab = try #require(tables.sections[".symtab"]).offset
        let symbol = ELFLayouts.symbol(is64: tables.is64)
        try #require(symbol.field(named: "st_name")).store(0xFFFF_FF00, into: &b, base: symtab + symbol.size)    // symbol 1's
        let elf = try ELFFile(file: FileBytes(bytes: b, name: "k.elf"))
        let text = message { _ = try elf.symbols() }
        #expect(text.contains("symbol 1 st_name = 0xffffff00 points outside its string table .strtab"), "\(text)")
        let lookup = message { _ = try elf.definedSymbols(named: ["kern.Panic"]) }
        #expect(lookup.contains("symbol 1 st_name = 0xffffff00"), "\(lookup)")
    }

    // Found by review: a patch outside the file or overlapping another was a precondition
    // failure (a crash); it is an error now, and nothing is written.
    @Test func aBadPatchIsAnErrorAndWritesNothing() throws {
        let dir = try TemporaryDirectory("kimage-robust")
        let path = try RobustnessFixture.kernel(in: dir)
        let before = try contentsOf(path)
        let elf = try ELFFile(path: path)
        let size = UInt64(before.count)
        let outside = message { try elf.write(applying: [BytePatch(offset: size - 2, bytes: [1, 2, 3])], to: path) }
        #expect(outside.contains("a patch of 3 bytes at file offset \(hex(size - 2)) ends past the end of the file (\(size) bytes)"), "\(outside)")
        let huge = message { try elf.write(applying: [BytePatch(offset: UInt64.max - 1, bytes: [1, 2, 3])], to: path) }
        #expect(huge.contains("ends past the end of the file"), "\(huge)")
        let overlap = message { try elf.write(applying: [BytePatch(offset: 0x40, bytes: [1, 2, 3, 4]), BytePatch(offset: 0x42, bytes: [5])], to: path) }
        #expect(overlap.contains("a patch at file offset 0x42 overlaps the previous one, which ends at 0x44"), "\(overlap)")
        #expect(try contentsOf(path) == before)
        #expect(try dir.contents() == ["kernel.elf"])
        #expect(elf.fileBytes(at: 0, count: -1) == nil)
        #expect(elf.fileBytes(at: size, count: 1) == nil)
        #expect(elf.fileBytes(at: size - 1, count: 1) == [before.last!])
    }

    // Found by `make fuzz` (config): toml++ asserted (SIGABRT) on a table header whose key
    // starts with a character no key starts with; it is a syntax error with line and column now.
    @Test(arguments: ["[:a]\n", "[redirect]\npatch = true\n[[ !x]]\n", "[\t\u{1}]\n"])
    func aTableHeaderNoKeyCanStartIsASyntaxError(text: String) throws {
        let m = message { _ = try KImageConfig(text: text, path: "/p/kimage.toml") }
        #expect(m.contains("/p/kimage.toml:") && m.contains("Error while parsing table header: expected a bare key or a quoted key"), "\(m)")
    }

    // Found by `make fuzz` (config): toml++ asserted in parse_value() on `}` where an array
    // expects a value.
    @Test(arguments: ["[sources]\nmanifest = [}\n", "[sources]\nmanifest = [\"a\",\n  # c\n}]\n", "[sources]\nx = [[}]]\n"])
    func aBraceWhereAnArrayExpectsAValueIsASyntaxError(text: String) throws {
        let m = message { _ = try KImageConfig(text: text, path: "kimage.toml") }
        #expect(m.contains("kimage.toml:") && m.contains("Error while parsing array: expected a value, ',' or closing ']', saw '}'"), "\(m)")
        // Braces of inline tables inside arrays, and in strings, are fine.
        let fine = message { _ = try KImageConfig(text: "[sources]\nx = [{a = \"}\"}, {b = [1]}]\n", path: "kimage.toml") }
        #expect(!fine.contains("Error while parsing array"), "\(fine)")
    }

    @Test func tableHeaderLookalikesInsideValuesAreLeftToTheParser() throws {
        // `[` at a line start inside an array or a multi-line string is no table header.
        let text = "[pack]\ncmdline = \"\"\"\n[!]\n\"\"\"\nmap = [\n  [ +1 ],\n]\n"
        let m = message { _ = try KImageConfig(text: text, path: "kimage.toml") }
        #expect(!m.contains("expected a bare key or a quoted key"), "\(m)")
    }

    /// The decoders that take raw bytes, fed every truncation of a real input: each either
    /// decodes or throws a KImageError, never traps.
    @Test func everyTruncationOfAKernelIsAnErrorOrAKernel() throws {
        let (original, _) = try fixture()
        var failures = 0
        for cut in stride(from: 0, through: original.count, by: 7) {
            do {
                let elf = try ELFFile(file: FileBytes(bytes: original[0..<cut], name: "k.elf"))
                _ = try elf.symbols()
            } catch is any KImageError {
                failures += 1
            }
        }
        #expect(failures > 0)
    }
}

/// The atomic writer's guarantees under abuse.
@Suite struct RobustnessOutputFileTests {
    @Test func aDeadProcessesTemporaryIsRemovedALiveOnesIsKept() throws {
        let dir = try TemporaryDirectory("kimage-robust")
        let target = dir.file("kernel.img")
        let dead = try deadPID()
        try "stale".write(toFile: dir.file(".kernel.img.kimage-tmp.\(dead)"), atomically: false, encoding: .utf8)
        try "live".write(toFile: dir.file(".kernel.img.kimage-tmp.1"), atomically: false, encoding: .utf8)
        try "odd".write(toFile: dir.file(".kernel.img.kimage-tmp.-1"), atomically: false, encoding: .utf8)
        try "other".write(toFile: dir.file(".other.kimage-tmp.\(dead)"), atomically: false, encoding: .utf8)
        try OutputFile.write([1, 2, 3], to: target)
        #expect(try contentsOf(target) == [1, 2, 3])
        #expect(try dir.contents() == [".kernel.img.kimage-tmp.-1", ".kernel.img.kimage-tmp.1", ".other.kimage-tmp.\(dead)", "kernel.img"])
    }

    @Test func aSymbolicLinkIsFollowedAndKept() throws {
        let dir = try TemporaryDirectory("kimage-robust")
        try FileManager.default.createDirectory(atPath: dir.file("build"), withIntermediateDirectories: true)
        try OutputFile.write([9, 9], to: dir.file("build/kernel.elf"))
        try FileManager.default.createSymbolicLink(atPath: dir.file("kernel.elf"), withDestinationPath: "build/kernel.elf")
        try OutputFile.write([7], to: dir.file("kernel.elf"))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir.file("kernel.elf")) == "build/kernel.elf")
        #expect(try contentsOf(dir.file("build/kernel.elf")) == [7])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.file("build")) == ["kernel.elf"])
    }

    // Renaming over a FIFO or device (`-o /dev/null`, run as root) would replace the node.
    @Test func aFIFOIsWrittenNotReplaced() throws {
        let dir = try TemporaryDirectory("kimage-robust")
        let fifo = dir.file("pipe")
        #expect(mkfifo(fifo, 0o600) == 0)
        let reader = open(fifo, O_RDONLY | O_NONBLOCK)
        #expect(reader >= 0)
        defer { close(reader) }
        try OutputFile.write([0x6B, 0x69], to: fifo)
        var buffer = [UInt8](repeating: 0, count: 8)
        let n = read(reader, &buffer, 8)
        #expect(n == 2 && buffer[0] == 0x6B && buffer[1] == 0x69)
        var st = stat()
        #expect(lstat(fifo, &st) == 0 && (st.st_mode & S_IFMT) == S_IFIFO)
        #expect(try dir.contents() == ["pipe"])
    }

    @Test func aFailingBodyLeavesTheTargetAndNoTemporary() throws {
        let dir = try TemporaryDirectory("kimage-robust")
        let target = dir.file("kernel.elf")
        try OutputFile.write([1, 2, 3, 4], to: target)
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try OutputFile.write(to: target) { sink in
                try sink.write([9, 9, 9, 9, 9, 9])
                throw Boom()
            }
        }
        #expect(try contentsOf(target) == [1, 2, 3, 4])
        #expect(try dir.contents() == ["kernel.elf"])
    }

    /// A pid no process has: one above the largest pid the kernel hands out, else a reaped child's.
    func deadPID() throws -> Int32 {
        if let text = try? String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8),
           let max = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), max < Int32.max {
            return max + 1
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }
}
