import Foundation
import Testing
import KImageKit
import TestSupport

@Suite struct BootImageTests {
    // MARK: stubs

    @Test(arguments: ["bootsector", "bootsector_efi", "setup16", "efi64"] + Setup32Variant.allCases.map(\.stubName))
    func committedStubBytesAreWhatNasmAssemblesFromTheTemplates(stub: String) throws {
        let dir = try TemporaryDirectory()
        let out = dir.file(stub + ".bin")
        try mustRun("nasm", ["-f", "bin", "-I", Paths.templates + "/include/", "-I", Paths.templates + "/boot/",
                             "-o", out, Paths.templates + "/boot/\(stub).asm"])
        let stubs = ["bootsector": StubBytes.bootsector, "bootsector_efi": StubBytes.bootsectorEFI, "setup16": StubBytes.setup16,
                     "efi64": StubBytes.efi64].merging(Setup32Variant.allCases.map { ($0.stubName, $0.bytes) }) { a, _ in a }
        let expected = try #require(stubs[stub])
        #expect(try contentsOf(out) == expected, "templates/boot/\(stub).asm changed: run scripts/gen-stubs")
    }

    @Test func bootSectorEndsWithTheBootFlagAndSetupStartsWithTheHeaderJump() {
        #expect(StubBytes.bootsector.count == 512)
        #expect(StubBytes.bootsector[510] == 0x55 && StubBytes.bootsector[511] == 0xAA)
        #expect(Array(StubBytes.setup16[0..<6]) == [0xEB, 0x66] + Array("HdrS".utf8))
        for v in Setup32Variant.allCases {
            #expect(v.bytes.count % 16 == 0, "\(v.stubName): the plan follows the stub at a 16-byte boundary")
        }
    }

    // MARK: encodings

    @Test func loadPlanEncodesHeaderStepsAndCommandLine() {
        var plan = LoadPlan()
        plan.moveDestination = 0x20_0000
        plan.imageSize = 0x5000
        plan.pagingMode = .fourLevel
        plan.noExecute = true
        plan.sse = true
        plan.cr3 = 0x20_3000
        plan.bootInfo = 0x20_0400
        plan.stackTop = 0x21_0000
        plan.entry = 0xFFFF_8000_0010_0000
        plan.steps = [.copy(destination: 0x10_0000, sourceOffset: 0x4000, size: 0x123), .zero(destination: 0x10_1000, size: 0x80)]
        plan.defaultCommandLine = Array("quiet".utf8)
        let b = plan.encode(at: 0x300)
        #expect(b.count == plan.encodedSize && b.count % 16 == 0)
        #expect(b.loadLE(UInt32.self, at: 0x00) == 0x4E4C_504B)
        #expect(b.loadLE(UInt32.self, at: 0x04) == 7)            // move | NXE | SSE
        #expect(b.loadLE(UInt32.self, at: 0x08) == 3)            // 4-level
        #expect(b.loadLE(UInt32.self, at: 0x0C) == 0x20_0000)
        #expect(b.loadLE(UInt32.self, at: 0x10) == 0x5000)
        #expect(b.loadLE(UInt32.self, at: 0x14) == 0x20_3000)
        #expect(b.loadLE(UInt32.self, at: 0x18) == 0x20_0400)
        #expect(b.loadLE(UInt32.self, at: 0x1C) == 0x21_0000)
        #expect(b.loadLE(UInt64.self, at: 0x20) == 0xFFFF_8000_0010_0000)
        #expect(b.loadLE(UInt32.self, at: 0x28) == 0x340)        // steps right after the header
        #expect(b.loadLE(UInt32.self, at: 0x2C) == 2)
        #expect(b.loadLE(UInt32.self, at: 0x30) == 0x360)        // then the command line
        #expect(Array(b[0x40..<0x50]) == le32([1, 0x10_0000, 0x4000, 0x123]))
        #expect(Array(b[0x50..<0x60]) == le32([2, 0x10_1000, 0, 0x80]))
        #expect(Array(b[0x60..<0x66]) == Array("quiet".utf8) + [0])
    }

    @Test func bootInfoTemplateMatchesBootinfoH() throws {
        var bi = BootInfo()
        bi.address = 0x10_D000
        bi.pagingMode = .pae
        bi.firstFree = 0x12_0000
        bi.cr3 = 0x10_F000
        let b = bi.encode()
        #expect(b.count == 0xCC0 + 2048 + 0x70, "version 2: the UEFI extension follows the command line buffer")
        #expect(b.loadLE(UInt32.self, at: 0) == 0x474D_494B && Array(b[0..<4]) == Array("KIMG".utf8))
        #expect(b.loadLE(UInt32.self, at: 4) == 2)
        #expect(b[(0xCC0 + 2048)...].allSatisfy { $0 == 0 }, "the EFI stub fills the extension at boot")
        #expect(b.loadLE(UInt32.self, at: 8) == UInt32(b.count))
        #expect(b.loadLE(UInt32.self, at: 0x0C) == 2)
        #expect(b.loadLE(UInt64.self, at: 0x70) == 0x10_F000)
        #expect(b.loadLE(UInt64.self, at: 0x80) == 0x10_D000 + 0xCC0)
        #expect(b.loadLE(UInt32.self, at: 0x8C) == 2048)
        #expect(b.loadLE(UInt64.self, at: 0x90) == 0x10_D000 + 0xC0)
        #expect(b.loadLE(UInt32.self, at: 0x9C) == 24)
        #expect(b.loadLE(UInt64.self, at: 0xA0) == 0x12_0000)
        // The C header agrees on every offset the stub writes (gcc checks it).
        let dir = try TemporaryDirectory()
        let src = try dir.write("offsets.c", """
            #include "kimage/bootinfo.h"
            #define AT(f, o) _Static_assert(__builtin_offsetof(struct kimage_bootinfo, f) == o, #f);
            AT(initrd, 0x50) AT(initrd_size, 0x58) AT(boot_params, 0x78) AT(cmdline_length, 0x88)
            AT(e820_count, 0x98) AT(loader_type, 0xB8) AT(flags, 0xBC) AT(stack_top, 0xB0) AT(entry, 0xA8)
            #define UX(f, o) _Static_assert(__builtin_offsetof(struct kimage_bootinfo_uefi, f) == o, #f);
            \(UEFIExtension.layout.fields.map { "UX(\($0.name), \($0.offset))" }.joined(separator: " "))
            _Static_assert(sizeof(struct kimage_bootinfo_uefi) == \(UEFIExtension.size), "size");
            _Static_assert(KIMAGE_BIF_UEFI == \(UEFIExtension.flag), "flag");
            """)
        for bits in ["-m32", "-m64"] {
            try mustRun("gcc", ["-ffreestanding", bits, "-fsyntax-only", "-I", Paths.templates + "/include", src])
        }
        // And the nasm include, which the EFI stub assembles against.
        let asm = try dir.write("offsets.asm", "%include \"kimage/bootinfo.inc\"\n"
            + UEFIExtension.layout.fields.map { "dd KIMAGE_BIX_\($0.name.uppercased())\n" }.joined() + "dd KIMAGE_BIX_SIZE, KIMAGE_BIF_UEFI\n")
        try mustRun("nasm", ["-f", "bin", "-I", Paths.templates + "/include/", "-o", dir.file("offsets.bin"), asm])
        let values = try contentsOf(dir.file("offsets.bin"))
        #expect((0..<values.count / 4).map { values.loadLE(UInt32.self, at: $0 * 4)! }
                == UEFIExtension.layout.fields.map { UInt32($0.offset) } + [UInt32(UEFIExtension.size), UEFIExtension.flag])
    }

    @Test func protocolOptionAcceptsOnlyVersionsWhoseHeaderEndsAt0x268() throws {
        #expect(try PackOptions.parseProtocol("2.12") == 0x020C)
        #expect(try PackOptions.parseProtocol("2.11") == 0x020B)
        #expect(try PackOptions.parseProtocol("0x020D") == 0x020D)
        for bad in ["2.10", "2.14", "2.15", "2", "two"] {
            #expect(throws: BootImageError.self) { try PackOptions.parseProtocol(bad) }
        }
    }

    // MARK: a packed image

    func packed(_ spec: PackFixture.Spec, extra: (inout PackOptions) -> Void = { _ in }) throws -> (TemporaryDirectory, PackReport, [UInt8]) {
        let dir = try TemporaryDirectory()
        let elf = try PackFixture.build(spec, in: dir)
        var options = PackOptions(kernelPath: elf, outputPath: dir.file("k.img"))
        extra(&options)
        let report = try BootImagePacker.pack(options)
        return (dir, report, try contentsOf(dir.file("k.img")))
    }

    /// The tables as the plan's steps write them: the image carries steps, not table bytes.
    func tablesFromPlan(_ report: PackReport, _ image: [UInt8]) throws -> [UInt8] {
        let h = try SetupHeader(decoding: image)
        let planAt = try #require(report.parts.first { $0.name == "load plan" }?.fileOffset)
        let tables = try #require(report.parts.first { $0.name == "page tables" })
        #expect(tables.fileOffset == nil, "the tables have no bytes in the file")
        return try image.withUnsafeBytes { raw in
            let plan = try #require(LoadPlan(decoding: raw, at: Int(planAt)))
            return plan.execute(base: tables.physical, count: Int(tables.size), part: UnsafeRawBufferPointer(rebasing: raw[h.realModeSize...]))
        }
    }

    static let c = PackFixture.Spec(name: "c", bits64: true, virtualBase: 0xFFFF_8000_0010_0000, expectedCmdline: "", paging: 3)

    @Test func headerTellsLoadersTheTruth() throws {
        let (_, report, image) = try packed(Self.c)
        let h = try SetupHeader(decoding: image)
        #expect(h.bootFlag == 0xAA55 && h.hasHeaderMagic)
        #expect(h.version == 0x020C)
        #expect(h.jump == 0x66EB && h.headerEnd == 0x268)
        #expect(h.setupSects == 7, "PE sections start on a 4 KiB boundary: 8n-1 setup sectors")
        let pm = image.count - h.realModeSize
        #expect(pm % 512 == 0 && Int(h.syssize) * 16 == pm, "syssize is exact, the part padded to the PE FileAlignment")
        #expect(h.loadflags == SetupHeader.loadedHigh)
        #expect(h.xloadflags == SetupHeader.xlfKernel64 | SetupHeader.xlfEFIHandover64,
                "XLF_KERNEL_64: setup32's startup_64 is at +0x200; XLF_EFI_HANDOVER_64: the EFI stub's handover entry")
        #expect(image[h.realModeSize + 0x200] == 0xFA, "+0x200 starts with cli (startup_64)")
        #expect(Array(image[h.realModeSize..<h.realModeSize + 4]) == [0x31, 0xC0, 0x48, 0x90],
                "+0 tells long mode (64-bit U-Boot) from protected mode first")
        let stubAt = try #require(report.parts.first { $0.name == "EFI stub" }?.fileOffset)
        let handover = Int(h.handoverOffset) + 0x200
        #expect(handover == Int(stubAt) - h.realModeSize + Int(EFIStub.assembledHandover),
                "handover_offset + 0x200 is the stub's handover entry, from the part's start")
        #expect(h.code32Start == 0x10_0000 && h.prefAddress == 0x10_0000, "loaded at 1 MiB unless a loader relocates it")
        #expect(h.relocatableKernel == 1 && h.kernelAlignment == 0x20_0000 && h.minAlignment == 12,
                "the setup moves the part from any page (relocate.inc); OVMF's legacy loader searches by kernel_alignment")
        #expect(h.cmdlineSize == 2047)
        #expect(UInt64(h.initSize) == report.firstFree - 0x10_0000, "init_size covers everything up to the first free byte")
        #expect(UInt64(h.initSize) >= UInt64(pm), "init_size covers at least the loaded bytes")
        #expect(h.initSize % 4096 == 0)
        let offset = Int(h.kernelVersion) + 0x200
        #expect(offset < Int(h.setupSects) * 512)
        let version = String(decoding: image[offset...].prefix { $0 != 0 }, as: UTF8.self)
        #expect(version == "kimage \(KImageVersion.string) c.elf")
        #expect(Array(image[0x268..<0x26C]) == Array(StubBytes.setup16[0x68..<0x6C]), "the setup's first instruction is intact")
    }

    @Test(arguments: [UInt16(0x020B), 0x020D])
    func declaredProtocolVersionIsWritten(version: UInt16) throws {
        let (_, report, image) = try packed(Self.c) { $0.protocolVersion = version }
        let h = try SetupHeader(decoding: image)
        #expect(h.version == version && h.headerEnd == 0x268)
        #expect(report.protocolVersion == SetupHeader.versionString(version))
    }

    @Test func overlappingKernelMovesTheImageAboveEverything() throws {
        let (_, report, image) = try packed(Self.c)
        let h = try SetupHeader(decoding: image)
        let moved = try #require(report.movedTo)
        let pmSize = UInt64(image.count - h.realModeSize)
        let kernelEnd = report.segments.map { $0.physicalAddress + $0.memorySize }.max()!
        #expect(moved >= 0x10_0000 + pmSize && moved >= kernelEnd && moved % 4096 == 0)
        let pm = Array(image[h.realModeSize...])
        let plan = Setup32Variant(handoff: .kimage, lz4: false).bytes.count
        #expect(pm.loadLE(UInt32.self, at: plan) == 0x4E4C_504B)
        #expect(pm.loadLE(UInt32.self, at: plan + 0x04)! & 1 == 1)
        #expect(pm.loadLE(UInt32.self, at: plan + 0x0C) == UInt32(moved))
        #expect(pm.loadLE(UInt32.self, at: plan + 0x10) == UInt32(pmSize))
    }

    @Test func identityKernelAboveTheImageDoesNotMove() throws {
        var spec = PackFixture.Spec(name: "hi", bits64: false, virtualBase: 0x100_0000, expectedCmdline: "", paging: 0)
        spec.physicalBase = 0x100_0000
        let (_, report, _) = try packed(spec)
        #expect(report.movedTo == nil)
        #expect(report.cr3 == 0 && report.pagingMode == BootPagingMode.none.name)
    }

    @Test func tablesMapSegmentsWithTheirOwnRightsAndIdentityMapTheRest() throws {
        let (_, report, image) = try packed(Self.c) { $0.maps = ["0xFFFFC00000000000=0xB8000+4K:rw,uc"]; $0.recursiveSlot = 511 }
        let h = try SetupHeader(decoding: image)
        let tablesPart = try #require(report.parts.first { $0.name == "page tables" })
        let bytes = try tablesFromPlan(report, image)
        #expect(tablesPart.physical == report.cr3)
        let walk = try PageTableWalker.walkDetailed(bytes: bytes, mode: .fourLevel, base: report.cr3)
        #expect(walk.recursiveSlots == [511])
        func lookup(_ va: UInt64) -> LeafRun? { walk.runs.first { va >= $0.virtualStart && va - $0.virtualStart < $0.size } }
        for s in report.segments {
            let run = try #require(lookup(s.virtualAddress), "segment \(s.index) is mapped")
            #expect(run.physicalStart + (s.virtualAddress - run.virtualStart) == s.physicalAddress)
            #expect(run.flags.writable == s.flags.contains("W"))
            #expect(run.flags.executable == s.flags.contains("X"))
            #expect(!(run.flags.writable && run.flags.executable), "W^X")
        }
        let user = try #require(lookup(0xFFFF_C000_0000_0000))
        #expect(user.physicalStart == 0xB8000 && user.flags.cache != .writeBack)
        // The stub's pages: identity, executable, read-only; everything else identity is RW NX.
        let movedTo = try #require(report.movedTo)
        let stub = try #require(lookup(movedTo))
        #expect(stub.virtualStart == stub.physicalStart && stub.flags.executable && !stub.flags.writable)
        for va: UInt64 in [0, 0x9_0000, report.bootInfo, report.stackTop - 8, 0xFEE0_0000, 0xFFFF_F000] {
            let run = try #require(lookup(va), "\(hex(va)) is identity-mapped")
            #expect(run.virtualStart == run.physicalStart && run.flags.writable && !run.flags.executable, "\(hex(va)): \(run)")
        }
        _ = h
    }

    @Test func aPageTwoSegmentsShareGetsBothRights() throws {
        let dir = try TemporaryDirectory()
        // No ALIGN: .data starts in .text's last page, as its own RW segment.
        let obj = try Toolchain.nasm(fixture: "from-elf/shared-page.asm", in: dir, name: "k")
        let elf = try Toolchain.ld([obj], scriptFixture: "from-elf/shared-page.ld", in: dir, output: "k.elf",
                                   extra: ["-z", "max-page-size=4096"])
        let file = try ELFFile(path: elf)
        #expect(file.loadSegments.count == 2)
        var options = PackOptions(kernelPath: elf, outputPath: dir.file("k.img"))
        options.commandLine = "x"
        let report = try BootImagePacker.pack(options)
        let image = try contentsOf(dir.file("k.img"))
        let tablesPart = try #require(report.parts.first { $0.name == "page tables" })
        let bytes = try tablesFromPlan(report, image)
        let runs = try PageTableWalker.walkDetailed(bytes: bytes, mode: .fourLevel, base: report.cr3).runs
        func flags(_ va: UInt64) -> MappingFlags? { runs.first { va >= $0.virtualStart && va - $0.virtualStart < $0.size }?.flags }
        #expect(flags(0xFFFF_FFFF_8010_0000) == MappingFlags(writable: false, executable: true))
        #expect(flags(0xFFFF_FFFF_8010_1000) == MappingFlags(writable: true, executable: true), "the shared page")
        // pagetables --from-elf maps the kernel exactly as pack did: one function for both.
        let fromELF = try Mapping.fromLoadSegments(of: file)
        #expect(fromELF.count == 2 && fromELF.last?.flags == MappingFlags(writable: true, executable: true))
        for m in fromELF {
            for page in stride(from: m.virtualStart, to: m.virtualEnd, by: 4096) {
                #expect(flags(page) == m.flags, "\(hex(page)): pack \(String(describing: flags(page))), pagetables \(m.flags)")
            }
        }
        var builder = try PageTableBuilder(mode: .fourLevel)
        try builder.add(fromELF)
        #expect(try builder.build(base: 0x20_0000).tableCount > 0)
    }

    @Test func depfileRuleNamesEveryInputAndEscapesSpaces() throws {
        let (dir, _, _) = try packed(Self.c)
        var options = PackOptions(kernelPath: dir.file("c.elf"), outputPath: dir.file("my image.img"))
        options.loaderPath = dir.file("c.elf")
        let report = try BootImagePacker.pack(options)
        #expect(try BootImagePacker.depfileRule(report) == dir.path.replacingOccurrences(of: " ", with: "\\ ") + "/my\\ image.img: \(dir.file("c.elf")) \(dir.file("c.elf"))\n")
    }

    @Test func packingIsDeterministic() throws {
        let (dir, _, first) = try packed(Self.c)
        var options = PackOptions(kernelPath: dir.file("c.elf"), outputPath: dir.file("again.img"))
        options.commandLine = ""
        _ = try BootImagePacker.pack(options)
        #expect(try contentsOf(dir.file("again.img")) == first)
    }

    func le32(_ values: [UInt32]) -> [UInt8] {
        var b: [UInt8] = []
        for v in values { b.appendLE(v) }
        return b
    }
}

/// The decoders `inspect` uses read back exactly what pack's encoders wrote.
@Suite struct BootImageDecodingTests {
    @Test func loadPlanRoundTrips() throws {
        var plan = LoadPlan()
        plan.moveDestination = 0x0681_C000
        plan.imageSize = 0x1234_5000
        plan.pagingMode = .fourLevel
        plan.noExecute = true
        plan.sse = true
        plan.cr3 = 0x0681_F000
        plan.bootInfo = 0x0681_D000
        plan.stackTop = 0x0CF3_C000
        plan.entry = 0xFFFF_FFFF_8010_0000
        plan.steps = [.copy(destination: 0x100000, sourceOffset: 0xCA00, size: 0x30D400), .zero(destination: 0x40E000, size: 0x2000)]
        plan.defaultCommandLine = Array("console=ttyS0".utf8)
        // As in an image: the plan at part offset 0x4A0, the part at file offset 0xA00.
        let bytes = [UInt8](repeating: 0xEE, count: 0xA00 + 0x4A0) + plan.encode(at: 0x4A0) + [1, 2, 3]
        let back = try #require(bytes.withUnsafeBytes { LoadPlan(decoding: $0, at: 0xA00 + 0x4A0) })
        #expect(back == plan)
        #expect(bytes.withUnsafeBytes { LoadPlan(decoding: $0, at: 0xA00) } == nil)
    }

    @Test func bootInfoTemplateRoundTrips() throws {
        var info = BootInfo()
        info.address = 0x110000
        info.pagingMode = .pae
        info.image = 0x10F000; info.imageSize = 60960
        info.kernelStart = 0x100000; info.kernelEnd = 0x106000
        info.kernelELF = 0x11A000; info.kernelELFSize = 9000
        info.loaderELF = 0x11CBF0; info.loaderELFSize = 4648
        info.pageTables = 0x112000; info.pageTablesSize = 0xA000; info.cr3 = 0x112000
        info.firstFree = 0x122000; info.entry = 0xC0100000; info.stackTop = 0x122000
        let bytes = [UInt8](repeating: 0, count: 16) + info.encode()
        let back = try #require(bytes.withUnsafeBytes { BootInfo(decodingTemplate: $0, at: 16) })
        #expect(back == info)
        #expect(bytes.withUnsafeBytes { BootInfo(decodingTemplate: $0, at: 0) } == nil)
    }
}

@Suite struct PEHeaderTests {
    func packed(efi: Bool) throws -> (PackReport, [UInt8]) {
        let dir = try TemporaryDirectory()
        let elf = try PackFixture.build(BootImageTests.c, in: dir)
        var options = PackOptions(kernelPath: elf, outputPath: dir.file("k.img"))
        options.efi = efi
        let report = try BootImagePacker.pack(options)
        return (report, try contentsOf(dir.file("k.img")))
    }

    @Test func peHeaderSharesTheBootSectorAndDescribesTheImage() throws {
        let (report, image) = try packed(efi: true)
        let pe = try #require(PEHeader(decoding: image))
        #expect(Array(image[0..<2]) == Array("MZ".utf8) && pe.peOffset == 0x40)
        #expect(pe["Machine"] == 0x8664 && pe["Magic"] == 0x20B && pe["Subsystem"] == 10)
        #expect(pe["Characteristics"] & 1 == 0, "relocations not stripped: firmware may load it anywhere")
        #expect(pe["SizeOfOptionalHeader"] == 0x70 + 8 * pe["NumberOfRvaAndSizes"])
        #expect(pe["NumberOfRvaAndSizes"] >= 5, "sbsign needs the certificate directory")
        #expect(pe.headersEnd <= 0x1EF, "the setup header at 0x1F1 is intact")
        let h = try SetupHeader(decoding: image)
        #expect(h.bootFlag == 0xAA55 && h.hasHeaderMagic)
        #expect(pe["SizeOfHeaders"] == UInt64(h.realModeSize))
        var end: UInt64 = pe["SizeOfHeaders"]
        for s in pe.sections {
            #expect(s.virtualAddress == s.pointerToRawData, "\(s.name): file offset = RVA")
            #expect(s.virtualAddress == end, "\(s.name): contiguous, in file order")
            #expect(s.virtualAddress % pe["SectionAlignment"] == 0 && s.sizeOfRawData % pe["FileAlignment"] == 0)
            #expect(s.sizeOfRawData <= s.virtualSize)
            end = s.virtualAddress + s.sizeOfRawData
        }
        #expect(end == UInt64(image.count), "the sections cover the file")
        #expect(pe["SizeOfImage"] >= end && pe["SizeOfImage"] % pe["SectionAlignment"] == 0)
        let entry = Int(pe["AddressOfEntryPoint"])
        #expect(UInt64(entry) == report.efiEntry)
        let stubAt = try #require(report.parts.first { $0.name == "EFI stub" }?.fileOffset)
        let stub = try image.withUnsafeBytes { try #require(EFIStub(decoding: $0, at: Int(stubAt))) }
        #expect(entry == Int(stubAt) + Int(stub.entry))
        #expect(Int(stub.pmSize) == image.count - h.realModeSize)
        #expect(UInt64(stub.pmOffset) == stubAt - UInt64(h.realModeSize))
        #expect(UInt64(stub.runtimeBase) == report.movedTo ?? 0x10_0000)
        // The stub fills the template's UEFI fields where the part runs; the plan copies them on.
        let template = try #require(report.parts.first { $0.name == "boot info template" })
        #expect(UInt64(stub.bootInfo) == template.physical)
        // Every byte the plan writes lies in a range the stub allocates.
        for s in report.segments {
            #expect(stub.ranges.contains { UInt64($0.start) <= s.physicalAddress && s.physicalAddress + s.memorySize <= $0.end },
                    "segment \(s.index)")
        }
        #expect(stub.ranges.contains { UInt64($0.start) <= report.stackTop - 16384 && report.stackTop <= $0.end })
        for (a, b) in zip(stub.ranges, stub.ranges.dropFirst()) { #expect(a.end < UInt64(b.start), "sorted, disjoint, not touching") }
    }

    @Test func noEFILeavesTheBootSectorAndLayoutAsBefore() throws {
        let (report, image) = try packed(efi: false)
        #expect(PEHeader(decoding: image) == nil)
        #expect(Array(image[0..<512]) == Array(StubBytes.bootsector[0..<0x1F1]) + Array(image[0x1F1..<0x1FE]) + [0x55, 0xAA])
        #expect(report.efiEntry == nil && !report.parts.contains { $0.name == "EFI stub" })
        let h = try SetupHeader(decoding: image)
        #expect(h.setupSects == 7, "OVMF's legacy -kernel loader wants 4 KiB of real-mode part (LoadLinuxCheckKernelSetup); no more")
        #expect((image.count - h.realModeSize) % 16 == 0)
    }

    @Test func rangesAreWholePagesMergedWhereTheyTouch() {
        let ranges = EFIStub.ranges(steps: [.copy(destination: 0x20_0010, sourceOffset: 0, size: 0x10),
                                            .zero(destination: 0x20_1000, size: 0x1800),
                                            .copy(destination: 0x40_0000, sourceOffset: 0, size: 0x1000)],
                                    runtimeBase: 0x10_0000, imageSize: 0x8200, stackTop: 0x50_4000)
        #expect(ranges == [.init(start: 0x10_0000, pages: 9), .init(start: 0x20_0000, pages: 3),
                           .init(start: 0x40_0000, pages: 1), .init(start: 0x50_0000, pages: 4)])
    }

    @Test func espSizesParse() throws {
        #expect(try ESPImage.parseSize("32M") == 32 << 20)
        #expect(try ESPImage.parseSize("1g") == 1 << 30)
        #expect(try ESPImage.parseSize("4194304") == 4 << 20)
        for bad in ["", "M", "1M", "3G", "-4M", "32MB"] {
            #expect(throws: ESPError.self, "\(bad)") { try ESPImage.parseSize(bad) }
        }
    }
}
