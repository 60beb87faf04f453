import Foundation
import Testing
import KImageKit
import TestSupport

/// The page tables and the boot info travel as load-plan steps, not file bytes (issue 15): the
/// steps must write exactly the tables the builder made, and cost a few bytes.
@Suite struct PlanStepsTests {
    static func layout(_ spec: PackFixture.Spec, in dir: TemporaryDirectory, efi: Bool = true,
                       extra: (inout PackOptions) -> Void = { _ in }) throws -> BootImageLayout {
        let elf = try PackFixture.build(spec, in: dir)
        var options = PackOptions(kernelPath: elf, outputPath: dir.file("k.img"))
        extra(&options)
        return try BootImageLayout.make(kernel: try ELFHeaders(path: elf), loaderSize: nil, options: options,
                                        efi: efi)
    }

    static let c = PackFixture.Spec(name: "c", bits64: true, virtualBase: 0xFFFF_8000_0010_0000, expectedCmdline: "", paging: 3)
    static let c32 = PackFixture.Spec(name: "h", bits64: false, virtualBase: 0xC010_0000, expectedCmdline: "", paging: 1)

    @Test(arguments: ["4level", "5level", "pae", "32"])
    func planStepsWriteExactlyTheTablesTheBuilderMade(mode: String) throws {
        let dir = try TemporaryDirectory()
        let layout = try Self.layout(mode == "4level" || mode == "5level" ? Self.c : Self.c32, in: dir) {
            $0.fiveLevel = mode == "5level"
            $0.pae = mode == "pae"
            if mode == "4level" { $0.maps = ["0xFFFFC00000000000=0xB8000+4K:rw,uc"]; $0.recursiveSlot = 511 }
        }
        let tables = try #require(layout.tables)
        let head = layout.protectedModeHead()
        let written = head.withUnsafeBytes { layout.plan.execute(base: tables.base, count: tables.byteCount, part: $0) }
        #expect(written == tables.bytes, "the plan's steps rebuild the \(mode) tables byte for byte")
        // Regular runs: a few dozen steps for a 4 GiB identity map and the kernel's pages.
        let entries = layout.plan.steps.filter { if case .entries = $0 { true } else { false } }
        #expect(entries.count > 0 && entries.count < 64, "\(entries.count) entries steps")
        #expect(head.count == layout.payloadOffset && layout.payloadOffset < tables.byteCount, "no table bytes in the file")
    }

    @Test func everyByteThePlanWritesIsCheckedForRAMAndAllocatedByTheEFIStub() throws {
        let dir = try TemporaryDirectory()
        let layout = try Self.layout(Self.c, in: dir)
        let checks = layout.plan.steps.compactMap { step -> (UInt64, UInt64)? in
            if case .needRAM(let dst, let size, _) = step { return (dst, dst + size) } else { return nil }
        }
        let stub = try #require(layout.efiStub.withUnsafeBytes { EFIStub(decoding: $0, at: 0) })
        for step in layout.plan.steps {
            guard case (let dst, let size)? = Self.written(step), size > 0 else { continue }
            #expect(checks.contains { $0.0 <= dst && dst + size <= $0.1 }, "a RAM check covers \(step)")
            #expect(stub.ranges.contains { $0.start <= dst && dst + size <= $0.start + $0.pages * 4096 }, "an EFI range covers \(step)")
        }
    }

    static func written(_ step: LoadStep) -> (UInt64, UInt64)? {
        switch step {
        case .copy(let dst, _, let size), .zero(let dst, let size), .decompress(let dst, _, _, let size, _): (dst, size)
        case .entries(let dst, _, _, let count, let width): (dst, UInt64(count * width))
        case .needRAM: nil
        }
    }

    @Test func entriesStepsRoundTripThroughTheWireFormat() throws {
        var plan = LoadPlan()
        plan.steps = [.entries(destination: 0x20_3000, first: 0x8000_0001_0000_0083, shift: 21, count: 2047, width: 8),
                      .entries(destination: 0x20_4000, first: 0x0040_0083, shift: 22, count: 3, width: 4),
                      .entries(destination: 0x20_5000, first: 0x20_6003, shift: 0, count: 1, width: 8)]
        let bytes = plan.encode(at: 0)
        let decoded = try #require(bytes.withUnsafeBytes { LoadPlan(decoding: $0, at: 0) })
        #expect(decoded.steps == plan.steps)
        // STEP_ENTRIES (8-byte entries), shift 21, count 2047, dest, low half, high half.
        #expect(Array(bytes[0x40..<0x40 + LoadStep.encodedSize]) == [5, 21, 0xFF, 0x07] + le32([0x20_3000, 0x0000_0083, 0x8000_0001]))
    }

    func le32(_ words: [UInt32]) -> [UInt8] { words.flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> (8 * $0)) } } }

    /// Issue 15's target: at most the kernel's loadable bytes + 8 KiB on BIOS, + 16 KiB with the
    /// EFI stub (the kernel here is bigger than examples/hello, its overhead the same).
    @Test(arguments: [false, true])
    func imageOverheadIsAFewKiB(efi: Bool) throws {
        let dir = try TemporaryDirectory()
        let elf = try PackFixture.build(Self.c, in: dir)
        var options = PackOptions(kernelPath: elf, outputPath: dir.file("k.img"))
        options.efi = efi
        let report = try BootImagePacker.pack(options)
        let loadable = try ELFFile(path: elf).loadSegments.reduce(UInt64(0)) { $0 + min($1.fileSize, $1.memorySize) }
        let overhead = report.imageSize - loadable
        // Issue 15: 8 KiB on BIOS, 16 KiB with the EFI stub. The real-mode part alone is 4 KiB
        // (setup_sects >= 7 for OVMF's legacy loader): the rest is the setup32 variant for this
        // plan (Setup32Variant), the plan and the boot info template.
        #expect(overhead <= (efi ? 16 : 8) * 1024, "image \(report.imageSize) bytes for \(loadable) loadable: \(overhead) bytes of overhead")
    }
}
