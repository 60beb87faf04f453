import Foundation
import Testing
@testable import KImageKit
import TestSupport

@Suite struct LayoutTests {
    /// bootinfo.h, bootinfo.inc, plan.inc and bootparams.inc come from the declarations; this
    /// proves the committed files are what `make generate` writes today.
    @Test func generatedIncludesAreCurrent() throws {
        for file in GeneratedIncludes.all {
            let onDisk = try String(contentsOfFile: Paths.packageRoot + "/" + file.path, encoding: .utf8)
            #expect(onDisk == file.text, "\(file.path) is stale: run make generate")
        }
    }

    /// Reviewers and GitHub fold generated files; a new one must be marked too.
    @Test func gitattributesMarkEveryGeneratedFile() throws {
        let attributes = try String(contentsOfFile: Paths.packageRoot + "/.gitattributes", encoding: .utf8)
        let marked = Set(attributes.split(separator: "\n").filter { $0.hasSuffix("linguist-generated=true") }.compactMap { $0.split(separator: " ").first.map(String.init) })
        let generated = GeneratedIncludes.all.map(\.path) + ["Sources/KImageKit/BootImage/StubBytes.swift", "Sources/KImageKit/Templates/EmbeddedTemplates.swift"]
        #expect(Set(generated).isSubset(of: marked), "unmarked: \(Set(generated).subtracting(marked).sorted())")
    }

    @Test func everyDeclarationIsConsistent() {
        for layout in [BootInfo.layout.description, BootInfo.e820EntryLayout.description, LoadPlan.layout.description,
                       LoadStep.layout.description, SetupHeader.layout.description, PartTable.layout.description,
                       PartTable.partLayout.description, BootParams.layout.description,
                       RedirectTable.layout(for: .elf64).description, RedirectTable.layout(for: .elf32).description,
                       Trampoline.layout(for: .elf64).description, Trampoline.layout(for: .elf32).description,
                       ELFLayouts.header64.description, ELFLayouts.header32.description,
                       ELFLayouts.sectionHeader64.description, ELFLayouts.sectionHeader32.description] {
            #expect(layout.problems.isEmpty, "\(layout.cName): \(layout.problems)")
        }
        // The setup header's fields follow one another from 0x1F1 to 0x26C.
        #expect(SetupHeader.layout.fields.first?.offset == SetupHeader.start)
        #expect(SetupHeader.layout.fields.last.map { $0.offset + $0.size } == SetupHeader.end)
    }

    /// Overlapping fields are caught when the declaration is built, not at boot.
    @Test func overlappingFieldsAreAProblem() {
        let d = LayoutDescription(cName: "x", nasmPrefix: "X_", size: 8, sizeName: nil, doc: "", fields: [
            LayoutField(name: "a", offset: 0, width: 4, meaning: ""), LayoutField(name: "b", offset: 2, width: 4, meaning: ""),
        ])
        #expect(d.problems == ["b at 0x2 overlaps the field before it (ends at 0x4)"])
    }

    /// What adding a field costs: one entry in the declaration (plus the property it carries).
    /// Encoder, decoder, field listing, C header and nasm include all follow from it.
    struct Probe: Sendable, Equatable {
        var base: UInt64 = 0
        var extra: UInt32 = 0
    }

    static let v1: [LayoutEntry<Probe>] = [
        .constant("magic", at: 0, width: 4, 0x4252_5050, "PROBE"),
        .field("base", at: 8, \.base, "where it starts"),
    ]
    static let v2 = v1 + [.field("extra", at: 0x10, \.extra, since: 2, "the added field")]

    @Test func addingAFieldIsOneEntry() throws {
        let layout = BinaryLayout<Probe>(cName: "probe", nasmPrefix: "PROBE_", size: 0x18, Self.v2)
        let value = Probe(base: 0x1122_3344_5566_7788, extra: 0xCAFE_F00D)
        let bytes = layout.encode(value)
        #expect(bytes.loadLE(UInt32.self, at: 0x10) == 0xCAFE_F00D)
        #expect(bytes.loadLE(UInt64.self, at: 8) == 0x1122_3344_5566_7788)
        #expect(layout.decode(bytes, into: Probe()) == value)
        #expect(layout.fields.map(\.name) == ["magic", "base", "extra"])
        #expect(layout[\Probe.extra].offset == 0x10 && layout[\Probe.extra].since == 2)
        let include = IncludeFile(path: "p", language: .nasm, guardName: "P", preamble: [], sections: [.structure(layout.description)])
        #expect(include.text.contains("PROBE_EXTRA                 equ 0x10        ; u32 the added field\n"))
        let header = IncludeFile(path: "p", language: .c, guardName: "P", preamble: [], sections: [.structure(layout.description)])
        #expect(header.text.contains("    uint32_t extra;              /* 0x10 the added field */\n"))
        #expect(header.text.contains("    uint8_t reserved_0x4[4];     /* 0x04 */\n"), "the gap is spelled out")
        // Without the new entry the old layout neither writes nor reads it.
        let old = BinaryLayout<Probe>(cName: "probe", nasmPrefix: "PROBE_", size: 0x18, Self.v1)
        #expect(old.encode(value).loadLE(UInt32.self, at: 0x10) == 0)
        #expect(old.decode(bytes, into: Probe()) == Probe(base: value.base))
        // A wrong checked constant refuses the bytes.
        var bad = bytes
        bad[0] ^= 1
        #expect(layout.decode(bad, into: Probe()) == nil)
        #expect(layout.decode(Array(bytes.prefix(0x17)), into: Probe()) == nil, "too short")
    }

    /// The C header agrees with the declarations: gcc compiles its per-field offset asserts for
    /// both widths (an independent reader of the generated text).
    @Test func generatedHeaderCompiles() throws {
        let dir = try TemporaryDirectory()
        let src = try dir.write("h.c", "#include \"kimage/bootinfo.h\"\n")
        for bits in ["-m32", "-m64"] {
            try mustRun("gcc", ["-ffreestanding", bits, "-fsyntax-only", "-Wall", "-Werror", "-I", Paths.templates + "/include", src])
        }
    }

    /// The trampolines read back through the same declaration that writes them; a wrong opcode
    /// is no trampoline.
    @Test func trampolinesRoundTripThroughTheirDeclaration() {
        let t64 = Trampoline.bytes(from: 0x10_0000, to: 0xFFFF_FFFF_8000_1234, elfClass: .elf64)
        #expect(t64 == [0xFF, 0x25, 0, 0, 0, 0, 0x34, 0x12, 0, 0x80, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect(Trampoline.destination(in: t64, at: 0x10_0000, elfClass: .elf64) == 0xFFFF_FFFF_8000_1234)
        let t32 = Trampoline.bytes(from: 0xC010_0000, to: 0xC000_0000, elfClass: .elf32)
        #expect(t32 == [0xE9, 0xFB, 0xFF, 0xEF, 0xFF], "rel32 = dst - (src + 5), modulo 2^32")
        #expect(Trampoline.destination(in: t32, at: 0xC010_0000, elfClass: .elf32) == 0xC000_0000)
        #expect(Trampoline.destination(in: [0xE8] + t32.dropFirst(), at: 0xC010_0000, elfClass: .elf32) == nil)
        #expect(Trampoline.size(for: .elf64) == 14 && Trampoline.size(for: .elf32) == 5)
    }

    @Test func partTableRoundTrips() throws {
        let table = PartTable(parts: [.init(kind: .kernelELF, offset: 0x1000, size: 0x2345), .init(kind: .loaderELF, offset: 0x3350, size: 77)])
        let bytes = table.encode()
        #expect(bytes.count == 48)
        #expect(Array(bytes[0..<4]) == Array("KPRT".utf8))
        #expect(bytes.loadLE(UInt32.self, at: 8) == 2 && bytes.loadLE(UInt32.self, at: 12) == 16)
        #expect(bytes.loadLE(UInt32.self, at: 0x20) == 2 && bytes.loadLE(UInt32.self, at: 0x24) == 0x3350)
        #expect(bytes.withUnsafeBytes { PartTable(decoding: $0, at: 0) } == table)
        var unknownKind = bytes
        unknownKind[0x10] = 9
        #expect(unknownKind.withUnsafeBytes { PartTable(decoding: $0, at: 0) } == nil)
    }
}
