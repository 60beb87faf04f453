/// kimage's EFI stub (templates/boot/efi64.asm) and the parameter block kimage pack fills in
/// its first 0x28 bytes: the stub decides nothing, it allocates the ranges listed here, copies
/// the protected-mode part to where the plan runs it and enters the 32-bit setup there. It has
/// two entries: the PE entry point (firmware, MS ABI) and the EFI handover entry (SysV ABI).
package struct EFIStub: Sendable, Equatable {
    package static let magic: UInt32 = 0x4946_454B  // "KEFI"
    package static let headerSize = 0x28
    /// Bytes the stub's work area keeps for the EFI memory map (W_MAP_BYTES in efi64.asm): the
    /// multiboot2 template reserves as much for tag 17.
    package static let memoryMapCapacity = 0x6000

    /// A physical range the stub allocates with AllocatePages(AllocateAddress) before anything
    /// else: 4 KiB pages from `start`.
    package struct Range: Sendable, Equatable {
        package var start: UInt32
        package var pages: UInt32
        package var end: UInt64 { UInt64(start) + UInt64(pages) * 4096 }

        package init(start: UInt64, pages: UInt64) {
            self.start = UInt32(start)
            self.pages = UInt32(pages)
        }

        package static let layout = BinaryLayout<Range>(
            cName: "kimage_efi_range", nasmPrefix: "EFI_RANGE_", size: 8, sizeName: "EFI_RANGE_SIZE", [
            .field("start", at: 0x00, \.start, writer: "kimage pack", "physical, page-aligned"),
            .field("pages", at: 0x04, \.pages, writer: "kimage pack", "4 KiB pages"),
        ])
    }

    /// Offset of efi_main from the stub's start (assembled into the stub).
    package var entry: UInt32
    /// Offset of the stub in the protected-mode part.
    package var pmOffset: UInt32
    package var pmSize: UInt32
    package var runtimeBase: UInt32
    package var bootInfo: UInt32
    package var ranges: [Range]
    /// Offset of the EFI handover entry from the stub's start (assembled into the stub).
    package var handover: UInt32
    /// The header's init_size: what a handover loader allocates for the protected-mode part
    /// where it puts it; the stub does not allocate ranges inside that window again.
    package var initSize: UInt32

    package init(entry: UInt32 = EFIStub.assembledEntry, handover: UInt32 = EFIStub.assembledHandover, pmOffset: Int, pmSize: Int,
                runtimeBase: UInt64, bootInfo: UInt64, initSize: UInt64 = 0, ranges: [Range]) {
        self.entry = entry
        self.handover = handover
        self.pmOffset = UInt32(pmOffset)
        self.pmSize = UInt32(pmSize)
        self.runtimeBase = UInt32(runtimeBase)
        self.bootInfo = UInt32(bootInfo)
        self.initSize = UInt32(initSize)
        self.ranges = ranges
    }

    /// The entry offsets nasm put in the template's header.
    package static var assembledEntry: UInt32 { StubBytes.efi64.loadLE(UInt32.self, at: 4)! }
    package static var assembledHandover: UInt32 { StubBytes.efi64.loadLE(UInt32.self, at: 0x20)! }

    /// The parameter block's one declaration; templates/boot/efistub.inc is generated from it.
    package static let layout = BinaryLayout<EFIStub>(
        cName: "kimage_efi_stub", nasmPrefix: "EFI_P_", size: headerSize, sizeName: "EFI_P_SIZE", [
        .constant("magic", at: 0x00, width: 4, UInt64(magic), writer: "nasm", "\"KEFI\""),
        .field("entry", at: 0x04, \.entry, writer: "nasm", "offset of efi_main from the stub's start"),
        .field("pm_offset", at: 0x08, \.pmOffset, writer: "kimage pack", "offset of the stub in the protected-mode part"),
        .field("pm_size", at: 0x0C, \.pmSize, writer: "kimage pack", "bytes of the protected-mode part"),
        .field("runtime_base", at: 0x10, \.runtimeBase, writer: "kimage pack", "physical address the protected-mode part runs at"),
        .field("boot_info", at: 0x14, \.bootInfo, writer: "kimage pack", "physical address of the boot info template there: header, then UEFI extension (the plan copies both into the boot info)"),
        .derived("range_count", at: 0x18, width: 4, writer: "kimage pack", "ranges to allocate",
                 get: { UInt64($0.ranges.count) }),
        .derived("ranges", at: 0x1C, width: 4, writer: "kimage pack", "offset of the ranges from the stub's start",
                 get: { _ in UInt64(StubBytes.efi64.count) }),
        .field("handover", at: 0x20, \.handover, writer: "nasm", "offset of the EFI handover entry from the stub's start"),
        .field("init_size", at: 0x24, \.initSize, writer: "kimage pack", "bytes a handover loader allocated from the part's start"),
    ])

    /// The page ranges a plan writes: every step's destination, the running copy of the
    /// protected-mode part and the boot stack, widened to pages, merged where they touch.
    package static func ranges(steps: [LoadStep], runtimeBase: UInt64, imageSize: UInt64, stackTop: UInt64,
                              stackSize: UInt64 = BootImageLayout.stackSize) -> [Range] {
        var spans: [(UInt64, UInt64)] = [(runtimeBase, runtimeBase + imageSize), (stackTop - stackSize, stackTop)]
        for step in steps {
            switch step {
            case .needRAM(let dst, let size, _): if size > 0 { spans.append((dst, dst + size)) }
            default: if let (dst, size) = step.written, size > 0 { spans.append((dst, dst + size)) }
            }
        }
        var merged: [(UInt64, UInt64)] = []
        for (s, e) in spans.map({ ($0.0 & ~0xFFF, alignUp($0.1, 4096)) }).sorted(by: { $0.0 < $1.0 }) {
            if let last = merged.last, s <= last.1 {
                merged[merged.count - 1].1 = max(last.1, e)
            } else {
                merged.append((s, e))
            }
        }
        return merged.map { Range(start: $0.0, pages: ($0.1 - $0.0) / 4096) }
    }

    /// Bytes of the stub with room for `rangeCount` ranges.
    package static func size(rangeCount: Int) -> Int { StubBytes.efi64.count + rangeCount * Range.layout.size }

    /// The stub as it goes into the image: the assembled bytes, the parameters, the ranges.
    package func encode(padTo size: Int) -> [UInt8] {
        var b = StubBytes.efi64
        Self.layout.encode(self, into: &b)
        for r in ranges { b += Range.layout.encode(r) }
        precondition(b.count <= size, "more ranges than reserved")
        return b + [UInt8](repeating: 0, count: size - b.count)
    }

    /// Reads the parameter block back from an image's protected-mode part (for inspect).
    package init?(decoding raw: UnsafeRawBufferPointer, at offset: Int) {
        let empty = EFIStub(entry: 0, handover: 0, pmOffset: 0, pmSize: 0, runtimeBase: 0, bootInfo: 0, ranges: [])
        guard var stub = Self.layout.decode(raw, at: offset, into: empty),
              let count = Self.layout.field(named: "range_count")?.load(from: raw, base: offset),
              let at = Self.layout.field(named: "ranges")?.load(from: raw, base: offset), count <= 4096 else { return nil }
        for i in 0..<Int(count) {
            guard let r = Range.layout.decode(raw, at: offset + Int(at) + i * Range.layout.size, into: Range(start: 0, pages: 0))
            else { return nil }
            stub.ranges.append(r)
        }
        self = stub
    }
}
