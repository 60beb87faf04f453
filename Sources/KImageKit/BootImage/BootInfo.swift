/// The boot info kimage's 32-bit setup hands to the kernel (layout version 2), described for
/// kernels by templates/include/kimage/bootinfo.h and bootinfo.inc. kimage writes a template
/// with everything known at pack time into the image; the stub fills in what only the boot
/// loader knows (boot_params, initrd, E820 map, command line, loader type) before the entry.
public struct BootInfo: Sendable, Equatable, Codable {
    /// At offset 0 of the boot info: "KIMG".
    public static let magic: UInt32 = 0x474D_494B
    /// In eax (ELF32) or rsi (ELF64) at the kernel's entry point.
    public static let entryMagic: UInt32 = 0x6B69_6D67
    /// 2: version 1's fields unchanged, plus the UEFI extension after the command line buffer.
    public static let version: UInt32 = 2
    public static let e820EntriesOffset = 0xC0
    public static let e820MaxEntries = 128
    public static let e820EntrySize = 24
    public static let cmdlineBufferOffset = 0xCC0

    /// Where the boot info lives (physical).
    public var address: UInt64 = 0
    public var pagingMode: BootPagingMode = .none
    public var image: UInt64 = 0
    public var imageSize: UInt64 = 0
    public var kernelStart: UInt64 = 0
    public var kernelEnd: UInt64 = 0
    public var kernelELF: UInt64 = 0
    public var kernelELFSize: UInt64 = 0
    public var loaderELF: UInt64 = 0
    public var loaderELFSize: UInt64 = 0
    public var pageTables: UInt64 = 0
    public var pageTablesSize: UInt64 = 0
    public var cr3: UInt64 = 0
    public var firstFree: UInt64 = 0
    public var entry: UInt64 = 0
    public var stackTop: UInt64 = 0
    /// Bytes of the command line buffer, NUL included (the header's cmdline_size + 1).
    public var cmdlineCapacity: UInt32 = 2048

    public init() {}

    /// Bytes the boot info occupies: header, E820 array, command line buffer, UEFI extension.
    public var size: Int { extensionOffset + UEFIExtension.size }

    /// Offset of the UEFI extension (version 2): right after the command line buffer.
    public var extensionOffset: Int { Self.cmdlineBufferOffset + Int(cmdlineCapacity) }

    public var cmdlineAddress: UInt64 { address + UInt64(Self.cmdlineBufferOffset) }
    public var e820Address: UInt64 { address + UInt64(Self.e820EntriesOffset) }

    /// Reads back the pack-time fields of a template at `offset` of `raw` (the inverse of
    /// `encode()`, for `inspect`); nil without the "KIMG" magic or when it runs past `raw`.
    public init?(decodingTemplate raw: UnsafeRawBufferPointer, at offset: Int) {
        func u64(_ o: Int) -> UInt64? { raw.loadLE(UInt64.self, at: offset + o) }
        guard raw.loadLE(UInt32.self, at: offset) == Self.magic,
              let mode = raw.loadLE(UInt32.self, at: offset + 0x0C).flatMap(BootPagingMode.init(rawValue:)),
              let image = u64(0x10), let imageSize = u64(0x18), let kernelStart = u64(0x20), let kernelEnd = u64(0x28),
              let kernelELF = u64(0x30), let kernelELFSize = u64(0x38), let loaderELF = u64(0x40), let loaderELFSize = u64(0x48),
              let pageTables = u64(0x60), let pageTablesSize = u64(0x68), let cr3 = u64(0x70),
              let capacity = raw.loadLE(UInt32.self, at: offset + 0x8C), let firstFree = u64(0xA0),
              let entry = u64(0xA8), let stackTop = u64(0xB0) else { return nil }
        self.init()
        pagingMode = mode
        self.image = image; self.imageSize = imageSize; self.kernelStart = kernelStart; self.kernelEnd = kernelEnd
        self.kernelELF = kernelELF; self.kernelELFSize = kernelELFSize; self.loaderELF = loaderELF; self.loaderELFSize = loaderELFSize
        self.pageTables = pageTables; self.pageTablesSize = pageTablesSize; self.cr3 = cr3
        cmdlineCapacity = capacity; self.firstFree = firstFree; self.entry = entry; self.stackTop = stackTop
        address = (u64(0x80) ?? UInt64(Self.cmdlineBufferOffset)) &- UInt64(Self.cmdlineBufferOffset)
    }

    /// The template kimage writes into the image; runtime fields stay zero for the stub to fill.
    public func encode() -> [UInt8] {
        var b = [UInt8](repeating: 0, count: size)
        b.storeLE(Self.magic, at: 0x00)
        b.storeLE(Self.version, at: 0x04)
        b.storeLE(UInt32(size), at: 0x08)
        b.storeLE(pagingMode.rawValue, at: 0x0C)
        b.storeLE(image, at: 0x10)
        b.storeLE(imageSize, at: 0x18)
        b.storeLE(kernelStart, at: 0x20)
        b.storeLE(kernelEnd, at: 0x28)
        b.storeLE(kernelELF, at: 0x30)
        b.storeLE(kernelELFSize, at: 0x38)
        b.storeLE(loaderELF, at: 0x40)
        b.storeLE(loaderELFSize, at: 0x48)
        // 0x50 initrd, 0x58 initrd size: from boot_params at run time.
        b.storeLE(pageTables, at: 0x60)
        b.storeLE(pageTablesSize, at: 0x68)
        b.storeLE(cr3, at: 0x70)
        // 0x78 boot_params: at run time.
        b.storeLE(cmdlineAddress, at: 0x80)
        // 0x88 command line length: at run time.
        b.storeLE(cmdlineCapacity, at: 0x8C)
        b.storeLE(e820Address, at: 0x90)
        // 0x98 E820 count: at run time.
        b.storeLE(UInt32(Self.e820EntrySize), at: 0x9C)
        b.storeLE(firstFree, at: 0xA0)
        b.storeLE(entry, at: 0xA8)
        b.storeLE(stackTop, at: 0xB0)
        // 0xB8 loader type, 0xBC flags: at run time.
        return b
    }
}

/// How the 32-bit setup leaves the CPU at the kernel's entry (KIMAGE_PAGING_* in bootinfo.h).
public enum BootPagingMode: UInt32, Sendable, Equatable, Codable {
    case none = 0
    case bits32 = 1
    case pae = 2
    case fourLevel = 3
    case fiveLevel = 4

    public var pagingMode: PagingMode? {
        switch self {
        case .none: return nil
        case .bits32: return .bits32
        case .pae: return .pae
        case .fourLevel: return .fourLevel
        case .fiveLevel: return .fiveLevel
        }
    }

    public var name: String {
        switch self {
        case .none: return "protected mode, paging off"
        case .bits32: return "32-bit paging (2 levels)"
        case .pae: return "PAE paging"
        case .fourLevel: return "long mode, 4-level paging"
        case .fiveLevel: return "long mode, 5-level paging"
        }
    }
}
