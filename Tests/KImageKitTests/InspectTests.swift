import Foundation
import Testing
import KImageKit
import TestSupport

@Suite struct InspectTests {
    // MARK: ELF

    @Test func elfSegmentsDiagramWithVirtualAndPhysicalSideBySide() throws {
        let dir = try TemporaryDirectory()
        let path = try InspectFixtures.kernel(in: dir)
        guard case .elf(let r) = try Inspector.inspect(path: path) else { Issue.record("not recognised as ELF"); return }
        #expect(r.elfClass == .elf64 && r.machine == .x86_64)
        #expect(r.entry == 0xFFFF_FFFF_8010_0000 && r.entrySection == ".text")
        #expect(r.loadSegments.map(\.sections).map { $0.map(\.name) } == [[".text"], [".rodata"], [".data", ".goredirectstbl", ".bss"]])
        #expect(r.diagram().render(.ascii) == """
                       virtual                                                   physical
            0xffffffff80107040 +-----------------------------------------------+ 0x0000000000203040
                               | LOAD 2  RW-  12.06 KiB (file 64 B)            |
                               |   .data            +0x0       16 B            |
                               |   .goredirectstbl  +0x10      48 B            |
                               |   .bss             +0x40      12 KiB (nobits) |
            0xffffffff80104000 +-----------------------------------------------+ 0x0000000000200000
                               : gap 11.96 KiB, physical gap 1019.96 KiB       :
            0xffffffff80101020 +-----------------------------------------------+ 0x0000000000101020
                               | LOAD 1  R--  32 B                             |
                               |   .rodata  +0x0       32 B                    |
            0xffffffff80101000 +-----------------------------------------------+ 0x0000000000101000
                               : gap 3968 B                                    :
            0xffffffff80100080 +-----------------------------------------------+ 0x0000000000100080
                               | LOAD 0  R-X  128 B                            |
                               |   .text  +0x0       128 B                     |
            0xffffffff80100000 +-----------------------------------------------+ 0x0000000000100000

            """)
        #expect(r.warnings.isEmpty)
    }

    @Test func symbolCountAgreesWithReadelf() throws {
        let dir = try TemporaryDirectory()
        let path = try InspectFixtures.kernel(in: dir)
        guard case .elf(let r) = try Inspector.inspect(path: path) else { Issue.record("not ELF"); return }
        let readelf = try mustRun("readelf", ["-sW", path]).stdout
        // "Symbol table '.symtab' contains N entries:" counts the null symbol, kimage does not.
        let line = try #require(readelf.split(separator: "\n").first { $0.contains("'.symtab' contains") })
        let n = try #require(Int(line.split(separator: " ").first { Int($0) != nil } ?? ""))
        #expect(r.symbolTable == ".symtab")
        #expect(r.symbolCount == n - 1)
    }

    @Test func redirectTableNamesBothSymbolsAndSeesInstalledTrampolines() throws {
        let dir = try TemporaryDirectory()
        let path = try InspectFixtures.kernel(in: dir)
        guard case .elf(let r) = try Inspector.inspect(path: path) else { Issue.record("not ELF"); return }
        let t = try #require(r.redirects)
        #expect(t.section == ".goredirectstbl" && t.address == 0xFFFF_FFFF_8010_4010 && t.slots == 3)
        #expect(t.entries == [
            .init(source: 0xFFFF_FFFF_8010_0010, destination: 0xFFFF_FFFF_8010_0020, sourceSymbol: "legacy_puts",
                  destinationSymbol: "serial_puts", trampolineInstalled: false),
            .init(source: 0xFFFF_FFFF_8010_0030, destination: 0xFFFF_FFFF_8010_0040, sourceSymbol: "old_fn",
                  destinationSymbol: "new_fn", trampolineInstalled: true),
        ])
        let text = r.text()
        #expect(text.contains("redirect table .goredirectstbl at 0xffffffff80104010: 2 entries, 1 spare slot"))
        #expect(text.contains("""
              0: 0xffffffff80100010 -> 0xffffffff80100020  src not patched: the boot code installs it
                 legacy_puts -> serial_puts
              1: 0xffffffff80100030 -> 0xffffffff80100040  trampoline installed at src
                 old_fn -> new_fn

            """))
    }

    @Test func elf32RedirectTableWithARel32Trampoline() throws {
        let dir = try TemporaryDirectory()
        let obj = try Toolchain.nasm(fixture: "inspect/redirects32.asm", in: dir, name: "k32", format: "elf32")
        let path = try Toolchain.ld([obj], scriptFixture: "inspect/redirects32.ld", in: dir, output: "k32.elf",
                                    emulation: "elf_i386")
        guard case .elf(let r) = try Inspector.inspect(path: path) else { Issue.record("not ELF"); return }
        let t = try #require(r.redirects)
        #expect(t.slots == 2)
        #expect(t.entries == [
            .init(source: 0xC010_0010, destination: 0xC010_0030, sourceSymbol: "patched", destinationSymbol: "target", trampolineInstalled: true),
            .init(source: 0xC010_0020, destination: 0xC010_0030, sourceSymbol: "unpatched", destinationSymbol: "target", trampolineInstalled: false),
        ])
        #expect(r.text().contains("redirect table .goredirectstbl at 0xc0101000: 2 entries, 0 spare slots"))
    }

    @Test func writableExecutableSegmentIsPointedOut() throws {
        let dir = try TemporaryDirectory()
        let path = try InspectFixtures.rwxKernel(in: dir)
        guard case .elf(let r) = try Inspector.inspect(path: path) else { Issue.record("not ELF"); return }
        #expect(r.elfClass == .elf32)
        #expect(r.warnings.count == 1)
        #expect(r.warnings.first?.contains("segment 0 (LOAD 0xc0100000..0xc0100040) is writable and executable (RWX)") == true)
        #expect(r.diagram().render(.ascii).contains("| LOAD 0  RWX  64 B  W+X!"))
    }

    @Test func symbolNamesOutsideTheStringTableAreAWarningNotACrash() throws {
        let dir = try TemporaryDirectory()
        let path = try InspectFixtures.kernel(in: dir)
        var bytes = try contentsOf(path)
        let elf = try ELFFile(path: path)
        let symtab = try elf.symbolTableSection()
        // Symbol 1's st_name far past the end of .strtab.
        bytes.storeLE(UInt32(0x00FF_FFFF), at: Int(symtab.offset) + 24)
        let bad = FileBytes(bytes: bytes, name: "lying.elf")
        guard case .elf(let r) = try Inspector.inspect(file: bad) else { Issue.record("not ELF"); return }
        #expect(r.symbolCount == nil)
        #expect(r.warnings.contains { $0.contains("symbol table unreadable") && $0.contains("st_name") })
        #expect(r.text().contains("symbols:  unreadable (see warnings)"))
    }

    // MARK: Boot images

    @Test func bzImageHeaderDecodesToTheScriptsKnownValues() throws {
        let dir = try TemporaryDirectory()
        let path = try InspectFixtures.bzImage(in: dir)
        guard case .bootImage(let r) = try Inspector.inspect(path: path) else { Issue.record("not a boot image"); return }
        #expect(r.header.versionString == "2.15")
        #expect(r.header.setupSects == 27)
        #expect(r.protectedModeOffset == 0x3800)
        #expect(r.syssizeBytes == 0x10000 && r.protectedModeFileSize == 0x10000)
        #expect(r.headerEnd == 0x26C)
        #expect(r.kernelVersion == "6.1.0-kimage-fixture (fixture@example.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.0-1")
        #expect(r.header.loadflagNames == ["LOADED_HIGH"])
        #expect(r.header.xloadflagNames == ["XLF_KERNEL_64", "XLF_CAN_BE_LOADED_ABOVE_4G", "XLF_EFI_HANDOVER_32",
                                            "XLF_EFI_HANDOVER_64", "XLF_EFI_KEXEC", "XLF_5LEVEL", "XLF_5LEVEL_ENABLED"])
        #expect(r.payload == .init(offset: 0x3C00, length: 0xC000, format: "xz"))
        #expect(r.warnings.isEmpty)
        func field(_ name: String) -> BootImageInspection.Field? { r.fields.first { $0.field.name == name } }
        #expect(field("code32_start")?.raw == 0x100000)
        #expect(field("cmdline_size")?.meaning == "command line up to 2047 characters")
        #expect(field("pref_address")?.raw == 0x100_0000)
        #expect(field("init_size")?.raw == 0x3F9_8000)
        #expect(field("setup_sects")?.meaning == "27 sectors (13.50 KiB); PM part at 0x3800")
        #expect(field("syssize")?.meaning == "65536 bytes (64 KiB) in 16-byte units")
        #expect(field("version")?.meaning == "protocol 2.15")
        #expect(field("min_alignment")?.meaning == "2^21 = 2 MiB at least")
        #expect(r.fields.allSatisfy { $0.present })
        #expect(r.fields.count == SetupHeader.layout.fields.count)
    }

    @Test func bzImageLayoutDiagram() throws {
        let dir = try TemporaryDirectory()
        let path = try InspectFixtures.bzImage(in: dir)
        guard case .bootImage(let r) = try Inspector.inspect(path: path) else { Issue.record("not a boot image"); return }
        #expect(r.diagram().render(.ascii) == """
             loaded at                                            file offset
                       +----------------------------------------+ 0x00000000 (0 B)
                       | boot sector  512 B                     |
                       |   header fields 0x1f1..0x200           |
                       +----------------------------------------+ 0x00000200 (512 B)
                       | 16-bit setup  13.50 KiB                |
                       |   setup_sects 27                       |
                       |   header 0x200..0x26c                  |
                       |   kernel_version string at 0x3000      |
            0x00100000 +----------------------------------------+ 0x00003800 (14 KiB)
                       | protected-mode part: head  1 KiB       |
                       |   syssize 0x1000 = 64 KiB              |
                       |   code32_start 0x00100000              |
            0x00100400 +----------------------------------------+ 0x00003c00 (15 KiB)
                       | payload (xz)  48 KiB                   |
                       |   payload_offset 0x400                 |
            0x0010c400 +----------------------------------------+ 0x0000fc00 (63 KiB)
                       | protected-mode part: tail  15 KiB      |
            0x00110000 +----------------------------------------+ 0x00013800 (78 KiB)

            """)
    }

    func patched(_ path: String, _ body: (inout [UInt8]) -> Void) throws -> FileBytes {
        var bytes = try contentsOf(path)
        body(&bytes)
        return FileBytes(bytes: bytes, name: "lying.img")
    }

    @Test func setupSectsPastTheEndIsAWarning() throws {
        let dir = try TemporaryDirectory()
        let file = try patched(try InspectFixtures.bzImage(in: dir)) { $0[0x1F1] = 200 }
        guard case .bootImage(let r) = try Inspector.inspect(file: file) else { Issue.record("not a boot image"); return }
        #expect(r.warnings.contains { $0.contains("setup_sects 200 puts the end of the setup at file offset 0x19200, past the end of the file (79872 bytes)") })
        #expect(r.warnings.contains { $0.contains("above 64, which GRUB refuses") })
        #expect(r.parts.map(\.name) == ["boot sector", "16-bit setup"])
        #expect(r.text().contains("truncated: setup_sects says 100 KiB"))
    }

    @Test func syssizeBeyondTheFileIsAWarning() throws {
        let dir = try TemporaryDirectory()
        let file = try patched(try InspectFixtures.bzImage(in: dir)) { $0.storeLE(UInt32(0x2000), at: 0x1F4) }
        guard case .bootImage(let r) = try Inspector.inspect(file: file) else { Issue.record("not a boot image"); return }
        #expect(r.warnings == ["syssize 0x2000 says the protected-mode part is 131072 bytes, but only 65536 follow the setup: the file is truncated or syssize is wrong (loaders load the 65536 bytes that are there)"])
    }

    @Test func trailingBytesPastSyssizeAreShown() throws {
        let dir = try TemporaryDirectory()
        let file = try patched(try InspectFixtures.bzImage(in: dir)) { $0 += [UInt8](repeating: 0xEE, count: 0x200) }
        guard case .bootImage(let r) = try Inspector.inspect(file: file) else { Issue.record("not a boot image"); return }
        #expect(r.parts.last == .init(name: "trailing bytes past syssize", offset: 0x13800, size: 0x200, loadAddress: 0x110000,
                                      notes: ["loaded too: loaders go by file size"]))
        #expect(r.warnings.count == 1 && r.warnings[0].contains("512 trailing bytes past syssize"))
    }

    @Test func aPESignatureAfterSyssizeIsNamedNotWarnedAbout() throws {
        let dir = try TemporaryDirectory()
        let file = try patched(try InspectFixtures.bzImage(in: dir)) { b in
            // An EFI-stub kernel: "MZ", the PE header at 0x40, data directory 4 = the appended bytes.
            b[0] = 0x4D; b[1] = 0x5A
            b.storeLE(UInt32(0x40), at: 0x3C)
            b.replaceSubrange(0x40..<0x44, with: [0x50, 0x45, 0, 0])
            b.storeLE(UInt16(0x20B), at: 0x40 + 24)
            b.storeLE(UInt32(b.count), at: 0x40 + 24 + 112 + 32)
            b.storeLE(UInt32(0x5C0), at: 0x40 + 24 + 112 + 36)
            b += [UInt8](repeating: 0x30, count: 0x5C0)
        }
        guard case .bootImage(let r) = try Inspector.inspect(file: file) else { Issue.record("not a boot image"); return }
        #expect(r.warnings.isEmpty, "\(r.warnings)")
        #expect(r.parts.last?.name == "PE signature (certificate table)")
        #expect(r.parts.last?.size == 0x5C0)
    }

    @Test func oldProtocolIsAWarningForGrubLinux() throws {
        let dir = try TemporaryDirectory()
        let file = try patched(try InspectFixtures.bzImage(in: dir)) {
            $0.storeLE(UInt16(0x0202), at: 0x206)
            $0[0x201] = 0x26   // header ends at 0x228 in 2.02
        }
        guard case .bootImage(let r) = try Inspector.inspect(file: file) else { Issue.record("not a boot image"); return }
        #expect(r.warnings.contains { $0.contains("protocol 2.02 is too old for GRUB's linux, which needs 2.03") })
        #expect(r.fields.filter(\.present).last?.field.name == "ext_loader_type")
        #expect(r.text().contains("fields from 0x228 on are past this header's end (0x228)"))
    }

    @Test func headerCutShortIsAnError() throws {
        let dir = try TemporaryDirectory()
        let file = try patched(try InspectFixtures.bzImage(in: dir)) { $0 = Array($0.prefix(0x240)) }
        #expect(throws: InspectError.bootImageTooShort(path: "lying.img", size: 0x240, needed: 0x26C)) {
            try Inspector.inspect(file: file)
        }
    }

    // MARK: Page tables

    @Test func rangesEndingAt2To64ShowTheirTrueEnd() throws {
        #expect(hexEnd(start: 0xFFFF_FFFF_FFE0_0000, size: 0x20_0000, digits: 16) == "0x10000000000000000")
        #expect(hexEnd(start: 0x1000, size: 0x1000, digits: 8) == "0x00002000")
        #expect(hexEnd(start: 0, size: 0) == "0x0")
        var b = try PageTableBuilder(mode: .fourLevel)
        try b.add(Mapping(virtualStart: 0xFFFF_FFFF_FFE0_0000, physicalStart: 0, size: 0x20_0000))
        let tables = try b.build(base: 0x20_0000)
        guard case .pageTables(let r) = try Inspector.inspect(file: FileBytes(bytes: tables.bytes, name: "t.bin"), mode: .fourLevel, base: 0x20_0000) else {
            Issue.record("not a blob"); return
        }
        #expect(r.text(style: .ascii).contains(" 0xffffffffffe00000-0x10000000000000000 0x0000000000000000-0x0000000000200000 2M "),
                "\(r.text(style: .ascii))")
    }

    @Test func pageTableBlobWalksBackIntoTheAddressSpaceDiagram() throws {
        var b = try PageTableBuilder(mode: .fourLevel, recursiveSlot: 510)
        try b.add(Mapping(virtualStart: 0, physicalStart: 0, size: 0x80_0000, flags: MappingFlags(writable: true, executable: false)))
        try b.add(Mapping(virtualStart: 0xFFFF_FFFF_8000_0000, physicalStart: 0x10_0000, size: 0x1_0000,
                          flags: MappingFlags(writable: false, executable: true, global: true)))
        let tables = try b.build(base: 0x20_0000)
        guard case .pageTables(let r) = try Inspector.inspect(file: FileBytes(bytes: tables.bytes, name: "t.bin"), mode: .fourLevel, base: 0x20_0000) else {
            Issue.record("not a blob"); return
        }
        #expect(r.tablesReached == tables.tableCount)
        #expect(r.recursiveSlots == [510])
        #expect(r.runs.map(\.pageSize) == [0x20_0000, 0x1000])
        #expect(r.diagram().render(.ascii) == """
            +----------------------------------------------------------+ 0x10000000000000000 (16 EiB)
            : unmapped  1.99 GiB                                       :
            +----------------------------------------------------------+ 0xffffffff80010000 (-1.99 GiB)
            | r-x global  64 KiB  (4K pages)                           |
            | -> phys 0x0000000000100000-0x0000000000110000            |
            +----------------------------------------------------------+ 0xffffffff80000000 (-2 GiB)
            : unmapped  510 GiB                                        :
            +----------------------------------------------------------+ 0xffffff8000000000 (-512 GiB)
            | recursive slot PML4[510]  512 GiB                        |
            | the tables themselves                                    |
            +----------------------------------------------------------+ 0xffffff0000000000 (-1 TiB)
            : unmapped  127 TiB                                        :
            +----------------------------------------------------------+ 0xffff800000000000 (-128 TiB)
            : non-canonical hole  15.99 EiB                            :
            +----------------------------------------------------------+ 0x0000800000000000 (128 TiB)
            : unmapped  127.99 TiB                                     :
            +----------------------------------------------------------+ 0x0000000000800000 (8 MiB)
            | rw-  8 MiB  (2M pages)                                   |
            | -> phys 0x0000000000000000-0x0000000000800000 (identity) |
            +----------------------------------------------------------+ 0x0000000000000000 (0 B)

            """)
        let text = r.text()
        #expect(text.contains("\n 0x0000000000000000-0x0000000000800000 0x0000000000000000-0x0000000000800000 2M   rw-"))
        #expect(text.contains("\n 0xffffffff80000000-0xffffffff80010000 0x0000000000100000-0x0000000000110000 4K   r-x global"))
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 100 })
    }

    @Test func thirtyTwoBitBlobDiagram() throws {
        var b = try PageTableBuilder(mode: .bits32)
        try b.add(Mapping(virtualStart: 0, physicalStart: 0, size: 0x20_0000))
        try b.add(Mapping(virtualStart: 0xC000_0000, physicalStart: 0x10_0000, size: 0x40_0000))
        let tables = try b.build(base: 0x10_0000)
        guard case .pageTables(let r) = try Inspector.inspect(file: FileBytes(bytes: tables.bytes, name: "t.bin"), mode: .bits32, base: 0x10_0000) else {
            Issue.record("not a blob"); return
        }
        #expect(r.diagram().render(.unicode) == """
            ┌──────────────────────────────────────────┐ 0x100000000 (4 GiB)
            ┆ unmapped  1020 MiB                       ┆
            ├──────────────────────────────────────────┤ 0xc0400000 (3076 MiB)
            │ rwx  4 MiB  (4K pages)                   │
            │ -> phys 0x00100000-0x00500000            │
            ├──────────────────────────────────────────┤ 0xc0000000 (3 GiB)
            ┆ unmapped  3070 MiB                       ┆
            ├──────────────────────────────────────────┤ 0x00200000 (2 MiB)
            │ rwx  2 MiB  (4K pages)                   │
            │ -> phys 0x00000000-0x00200000 (identity) │
            └──────────────────────────────────────────┘ 0x00000000 (0 B)

            """)
    }

    @Test func blobWithoutModeAndBaseIsAnErrorThatSaysWhatToGive() throws {
        let file = FileBytes(bytes: [UInt8](repeating: 0, count: 4096), name: "t.bin")
        #expect(throws: InspectError.needsModeAndBase(path: "t.bin", missing: ["--mode", "--base"], firstBytes: "00 00 00 00")) {
            try Inspector.inspect(file: file)
        }
        #expect(throws: InspectError.needsModeAndBase(path: "t.bin", missing: ["--base"], firstBytes: "00 00 00 00")) {
            try Inspector.inspect(file: file, mode: .pae)
        }
    }

    @Test func pagingOptionsOnAnELFAreRefused() throws {
        let dir = try TemporaryDirectory()
        let path = try InspectFixtures.kernel(in: dir)
        #expect(throws: InspectError.pagingOptionsForNonBlob(path: path, kind: "an ELF file")) {
            try Inspector.inspect(path: path, mode: .fourLevel, base: 0)
        }
    }

    @Test func recognisesEachKindFromItsBytes() throws {
        var boot = [UInt8](repeating: 0, count: 0x300)
        boot.storeLE(UInt16(0xAA55), at: 0x1FE)
        boot.replaceSubrange(0x202..<0x206, with: Array("HdrS".utf8))
        func kind(_ b: [UInt8]) -> InspectedKind { b.withUnsafeBytes { InspectedKind.recognise($0) } }
        #expect(kind([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1]) == .elf)
        #expect(kind(boot) == .bootImage)
        boot[0x202] = 0
        #expect(kind(boot) == .pageTables)
        #expect(kind([0x55]) == .pageTables)
    }
}

/// Cut and corrupted inputs: every one gives a report (with warnings) or a KImageError, never a
/// trap. Deterministic: a fixed-seed generator picks the bytes.
@Suite struct InspectRobustnessTests {
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    func survives(_ bytes: [UInt8], mode: PagingMode? = nil, base: UInt64? = nil) -> Bool {
        do {
            let r = try Inspector.inspect(file: FileBytes(bytes: bytes, name: "x"), mode: mode, base: base)
            _ = r.text(style: .ascii)
            _ = r.json()
            return true
        } catch is any KImageError {
            return true
        } catch {
            return false
        }
    }

    @Test func cutAndCorruptedBootImages() throws {
        let dir = try TemporaryDirectory()
        let image = try contentsOf(try InspectFixtures.bzImage(in: dir))
        for cut in Array(0x1F0...0x280) + Array(stride(from: 0x280, to: image.count, by: 331)) {
            #expect(survives(Array(image.prefix(cut))), "cut at \(cut)")
        }
        var g = Generator(state: 5)
        for round in 0..<400 {
            var b = image
            for _ in 0..<(1 + g.next(8)) { b[0x1F1 + g.next(0x7B)] = UInt8(g.next(256)) }
            if round % 3 == 0 { b = Array(b.prefix(0x26C + g.next(b.count - 0x26C))) }
            #expect(survives(b), "round \(round)")
        }
    }

    @Test func cutAndCorruptedELFs() throws {
        let dir = try TemporaryDirectory()
        let elf = try contentsOf(try InspectFixtures.kernel(in: dir))
        for cut in stride(from: 0, to: elf.count, by: 61) {
            #expect(survives(Array(elf.prefix(cut))), "cut at \(cut)")
        }
        let file = try ELFFile(path: dir.file("inspect-kernel.elf"))
        let shoff = Int(file.bytes.loadLE(UInt64.self, at: 40)!)
        var g = Generator(state: 11)
        for round in 0..<300 {
            var b = elf
            for _ in 0..<(1 + g.next(4)) {
                // The ELF header, the program headers, the section headers, the symbol table.
                let regions = [0..<64, 64..<(64 + 3 * 56), shoff..<elf.count]
                let r = regions[g.next(regions.count)]
                b[r.lowerBound + g.next(r.count)] = UInt8(g.next(256))
            }
            #expect(survives(b), "round \(round)")
        }
    }

    @Test func corruptedPageTableBlobs() throws {
        var builder = try PageTableBuilder(mode: .fourLevel, recursiveSlot: 510)
        try builder.add(Mapping(virtualStart: 0, physicalStart: 0, size: 0x40_0000))
        try builder.add(Mapping(virtualStart: 0xFFFF_FFFF_8000_0000, physicalStart: 0x10_0000, size: 0x2_0000))
        let tables = try builder.build(base: 0x10_0000).bytes
        var g = Generator(state: 3)
        for round in 0..<200 {
            var b = tables
            for _ in 0..<(1 + g.next(6)) { b[g.next(b.count)] = UInt8(g.next(256)) }
            let mode = PagingMode.allCases[g.next(4)]
            #expect(survives(Array(b.prefix(round % 5 == 0 ? g.next(b.count) + 1 : b.count)), mode: mode, base: 0x10_0000), "round \(round)")
        }
    }
}
