/// kimage's EFI stub (templates/boot/efi64.asm) and the parameter block kimage pack fills in
/// its first 0x20 bytes: the stub decides nothing, it allocates the ranges listed here, copies
/// the protected-mode part to where the plan runs it and enters the 32-bit setup there.
public struct EFIStub: Sendable, Equatable {
    public static let magic: UInt32 = 0x4946_454B  // "KEFI"
    public static let headerSize = 0x20
    /// The parameter block, declared once: (name, offset, width); efi64.asm's P_* equs match.
    public static let fields: [(name: String, offset: Int, width: Int)] = [
        ("magic", 0x00, 4),
        ("entry", 0x04, 4),
        ("pm_offset", 0x08, 4),
        ("pm_size", 0x0C, 4),
        ("runtime_base", 0x10, 4),
        ("boot_info", 0x14, 4),
        ("range_count", 0x18, 4),
        ("ranges", 0x1C, 4),
    ]
    static func offset(_ name: String) -> Int { fields.first { $0.name == name }!.offset }

    /// A physical range the stub allocates with AllocatePages(AllocateAddress) before anything
    /// else: 4 KiB pages from `start`.
    public struct Range: Sendable, Equatable {
        public let start: UInt64
        public let pages: UInt64
        public var end: UInt64 { start + pages * 4096 }

        public init(start: UInt64, pages: UInt64) {
            self.start = start
            self.pages = pages
        }
    }

    public var entry: Int
    public var pmOffset: Int
    public var pmSize: Int
    public var runtimeBase: UInt64
    public var bootInfo: UInt64
    public var ranges: [Range]

    /// The page ranges a plan writes: every step's destination, the running copy of the
    /// protected-mode part and the boot stack, widened to pages, merged where they touch.
    public static func ranges(steps: [LoadStep], runtimeBase: UInt64, imageSize: UInt64, stackTop: UInt64,
                              stackSize: UInt64 = BootImageLayout.stackSize) -> [Range] {
        var spans: [(UInt64, UInt64)] = [(runtimeBase, runtimeBase + imageSize), (stackTop - stackSize, stackTop)]
        for step in steps {
            switch step {
            case .copy(let dst, _, let size), .zero(let dst, let size):
                if size > 0 { spans.append((dst, dst + size)) }
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
    public static func size(rangeCount: Int) -> Int { StubBytes.efi64.count + rangeCount * 8 }

    /// The stub as it goes into the image: the assembled bytes, the parameters, the ranges.
    public func encode(padTo size: Int) -> [UInt8] {
        var b = StubBytes.efi64
        b.storeLE(UInt32(pmOffset), at: Self.offset("pm_offset"))
        b.storeLE(UInt32(pmSize), at: Self.offset("pm_size"))
        b.storeLE(UInt32(runtimeBase), at: Self.offset("runtime_base"))
        b.storeLE(UInt32(bootInfo), at: Self.offset("boot_info"))
        b.storeLE(UInt32(ranges.count), at: Self.offset("range_count"))
        b.storeLE(UInt32(b.count), at: Self.offset("ranges"))
        for r in ranges {
            b.appendLE(UInt32(r.start))
            b.appendLE(UInt32(r.pages))
        }
        precondition(b.count <= size, "more ranges than reserved")
        return b + [UInt8](repeating: 0, count: size - b.count)
    }

    /// Reads the parameter block back from an image's protected-mode part (for inspect).
    public init?(decoding raw: UnsafeRawBufferPointer, at offset: Int) {
        func u32(_ name: String) -> UInt32? { raw.loadLE(UInt32.self, at: offset + Self.offset(name)) }
        guard u32("magic") == Self.magic, let entry = u32("entry"), let pmOffset = u32("pm_offset"), let pmSize = u32("pm_size"),
              let base = u32("runtime_base"), let info = u32("boot_info"), let count = u32("range_count"),
              let at = u32("ranges"), count <= 4096 else { return nil }
        var ranges: [Range] = []
        for i in 0..<Int(count) {
            guard let s = raw.loadLE(UInt32.self, at: offset + Int(at) + i * 8),
                  let p = raw.loadLE(UInt32.self, at: offset + Int(at) + i * 8 + 4) else { return nil }
            ranges.append(Range(start: UInt64(s), pages: UInt64(p)))
        }
        self.init(entry: Int(entry), pmOffset: Int(pmOffset), pmSize: Int(pmSize), runtimeBase: UInt64(base),
                  bootInfo: UInt64(info), ranges: ranges)
    }

    public init(entry: Int, pmOffset: Int, pmSize: Int, runtimeBase: UInt64, bootInfo: UInt64, ranges: [Range]) {
        self.entry = entry; self.pmOffset = pmOffset; self.pmSize = pmSize
        self.runtimeBase = runtimeBase; self.bootInfo = bootInfo; self.ranges = ranges
    }
}
