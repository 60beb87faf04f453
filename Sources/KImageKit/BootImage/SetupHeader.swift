/// The Linux/x86 boot-protocol setup header: the fields at file offsets 0x1F1..0x26F of an image
/// (and of boot_params). Field names follow Documentation/arch/x86/boot.rst so they can be looked
/// up there; layout facts are in shared/reference/boot-protocol.md §3.
public struct SetupHeader: Sendable, Equatable {
    /// File offset of the first field (setup_sects).
    public static let start = 0x1F1
    /// File offset one past the last field this type knows (kernel_info_offset, 2.15).
    public static let end = 0x26C
    /// "HdrS" read as a little-endian u32.
    public static let headerMagic: UInt32 = 0x5372_6448
    public static let bootFlagMagic: UInt16 = 0xAA55

    public static let loadedHigh: UInt8 = 0x01
    public static let kaslrFlag: UInt8 = 0x02
    public static let quietFlag: UInt8 = 0x20
    public static let keepSegments: UInt8 = 0x40
    public static let canUseHeap: UInt8 = 0x80

    public var setupSects: UInt8 = 0
    public var rootFlags: UInt16 = 0
    public var syssize: UInt32 = 0
    public var ramSize: UInt16 = 0
    public var vidMode: UInt16 = 0xFFFF
    public var rootDev: UInt16 = 0
    public var bootFlag: UInt16 = SetupHeader.bootFlagMagic
    /// The two bytes at 0x200: `EB disp8`; 0x202 + disp8 is where the header ends.
    public var jump: UInt16 = 0
    public var header: UInt32 = SetupHeader.headerMagic
    public var version: UInt16 = 0x020C
    public var realmodeSwtch: UInt32 = 0
    public var startSysSeg: UInt16 = 0x1000
    public var kernelVersion: UInt16 = 0
    public var typeOfLoader: UInt8 = 0
    public var loadflags: UInt8 = SetupHeader.loadedHigh
    public var setupMoveSize: UInt16 = 0
    public var code32Start: UInt32 = 0x10_0000
    public var ramdiskImage: UInt32 = 0
    public var ramdiskSize: UInt32 = 0
    public var bootsectKludge: UInt32 = 0
    public var heapEndPtr: UInt16 = 0
    public var extLoaderVer: UInt8 = 0
    public var extLoaderType: UInt8 = 0
    public var cmdLinePtr: UInt32 = 0
    public var initrdAddrMax: UInt32 = 0x37FF_FFFF
    public var kernelAlignment: UInt32 = 0x1000
    public var relocatableKernel: UInt8 = 0
    public var minAlignment: UInt8 = 12
    public var xloadflags: UInt16 = 0
    public var cmdlineSize: UInt32 = 2047
    public var hardwareSubarch: UInt32 = 0
    public var hardwareSubarchData: UInt64 = 0
    public var payloadOffset: UInt32 = 0
    public var payloadLength: UInt32 = 0
    public var setupData: UInt64 = 0
    public var prefAddress: UInt64 = 0x10_0000
    public var initSize: UInt32 = 0
    public var handoverOffset: UInt32 = 0
    public var kernelInfoOffset: UInt32 = 0

    public init() {}

    /// Decodes the header from the first bytes of an image. Needs the whole header area
    /// (0x26C bytes); says which field would lie past the end otherwise.
    public init(decoding image: UnsafeRawBufferPointer, path: String = "<image>") throws {
        guard image.count >= Self.end else {
            throw KImageError.bootImage(.headerTruncated(path: path, size: UInt64(image.count), needed: UInt64(Self.end)))
        }
        func u8(_ o: Int) -> UInt8 { image[o] }
        func u16(_ o: Int) -> UInt16 { image.loadLE(at: o)! }
        func u32(_ o: Int) -> UInt32 { image.loadLE(at: o)! }
        func u64(_ o: Int) -> UInt64 { image.loadLE(at: o)! }
        setupSects = u8(0x1F1); rootFlags = u16(0x1F2); syssize = u32(0x1F4); ramSize = u16(0x1F8)
        vidMode = u16(0x1FA); rootDev = u16(0x1FC); bootFlag = u16(0x1FE); jump = u16(0x200)
        header = u32(0x202); version = u16(0x206); realmodeSwtch = u32(0x208); startSysSeg = u16(0x20C)
        kernelVersion = u16(0x20E); typeOfLoader = u8(0x210); loadflags = u8(0x211)
        setupMoveSize = u16(0x212); code32Start = u32(0x214); ramdiskImage = u32(0x218)
        ramdiskSize = u32(0x21C); bootsectKludge = u32(0x220); heapEndPtr = u16(0x224)
        extLoaderVer = u8(0x226); extLoaderType = u8(0x227); cmdLinePtr = u32(0x228)
        initrdAddrMax = u32(0x22C); kernelAlignment = u32(0x230); relocatableKernel = u8(0x234)
        minAlignment = u8(0x235); xloadflags = u16(0x236); cmdlineSize = u32(0x238)
        hardwareSubarch = u32(0x23C); hardwareSubarchData = u64(0x240); payloadOffset = u32(0x248)
        payloadLength = u32(0x24C); setupData = u64(0x250); prefAddress = u64(0x258)
        initSize = u32(0x260); handoverOffset = u32(0x264); kernelInfoOffset = u32(0x268)
    }

    public init(decoding image: [UInt8], path: String = "<image>") throws {
        self = try image.withUnsafeBytes { try SetupHeader(decoding: $0, path: path) }
    }

    /// Writes every field into `image` (which must be at least 0x26C bytes) at its file offset.
    /// Fields past the end the jump declares (kernel_info_offset below 2.15) are not written:
    /// those bytes belong to the setup code.
    public func encode(into image: inout [UInt8]) {
        precondition(image.count >= Self.end, "an image holds at least the header area")
        let declaredEnd = jump & 0xFF == 0xEB ? min(headerEnd, Self.end) : Self.end
        let preserved = Array(image[declaredEnd..<Self.end])
        defer { image.replaceSubrange(declaredEnd..<Self.end, with: preserved) }
        image[0x1F1] = setupSects; image.storeLE(rootFlags, at: 0x1F2); image.storeLE(syssize, at: 0x1F4)
        image.storeLE(ramSize, at: 0x1F8); image.storeLE(vidMode, at: 0x1FA); image.storeLE(rootDev, at: 0x1FC)
        image.storeLE(bootFlag, at: 0x1FE); image.storeLE(jump, at: 0x200); image.storeLE(header, at: 0x202)
        image.storeLE(version, at: 0x206); image.storeLE(realmodeSwtch, at: 0x208)
        image.storeLE(startSysSeg, at: 0x20C); image.storeLE(kernelVersion, at: 0x20E)
        image[0x210] = typeOfLoader; image[0x211] = loadflags; image.storeLE(setupMoveSize, at: 0x212)
        image.storeLE(code32Start, at: 0x214); image.storeLE(ramdiskImage, at: 0x218)
        image.storeLE(ramdiskSize, at: 0x21C); image.storeLE(bootsectKludge, at: 0x220)
        image.storeLE(heapEndPtr, at: 0x224); image[0x226] = extLoaderVer; image[0x227] = extLoaderType
        image.storeLE(cmdLinePtr, at: 0x228); image.storeLE(initrdAddrMax, at: 0x22C)
        image.storeLE(kernelAlignment, at: 0x230); image[0x234] = relocatableKernel
        image[0x235] = minAlignment; image.storeLE(xloadflags, at: 0x236); image.storeLE(cmdlineSize, at: 0x238)
        image.storeLE(hardwareSubarch, at: 0x23C); image.storeLE(hardwareSubarchData, at: 0x240)
        image.storeLE(payloadOffset, at: 0x248); image.storeLE(payloadLength, at: 0x24C)
        image.storeLE(setupData, at: 0x250); image.storeLE(prefAddress, at: 0x258)
        image.storeLE(initSize, at: 0x260); image.storeLE(handoverOffset, at: 0x264)
        image.storeLE(kernelInfoOffset, at: 0x268)
    }

    // MARK: Derived facts

    /// "HdrS" present: protocol 2.00 or later. Without it loaders treat the file as an old zImage.
    public var hasHeaderMagic: Bool { header == Self.headerMagic }

    /// setup_sects as loaders read it: 0 means 4.
    public var effectiveSetupSects: Int { setupSects == 0 ? 4 : Int(setupSects) }

    /// Bytes before the protected-mode part: boot sector plus setup.
    public var realModeSize: Int { (effectiveSetupSects + 1) * 512 }

    /// Where the header ends (0x202 + the jump's displacement byte), which is how much a
    /// 32-bit loader copies into boot_params.
    public var headerEnd: Int { 0x202 + Int(UInt8(truncatingIfNeeded: jump >> 8)) }

    /// "2.12" for 0x020C.
    public var versionString: String { Self.versionString(version) }

    public static func versionString(_ version: UInt16) -> String {
        let minor = version & 0xFF
        return "\(version >> 8).\(minor < 10 ? "0" : "")\(minor)"
    }

    /// Names of the loadflags bits that are set.
    public var loadflagNames: [String] { Self.names(of: UInt64(loadflags), in: Self.loadflagBits) }
    public var xloadflagNames: [String] { Self.names(of: UInt64(xloadflags), in: Self.xloadflagBits) }

    public static let loadflagBits: [(bit: Int, name: String)] = [
        (0, "LOADED_HIGH"), (1, "KASLR_FLAG"), (5, "QUIET_FLAG"), (6, "KEEP_SEGMENTS"), (7, "CAN_USE_HEAP"),
    ]
    public static let xloadflagBits: [(bit: Int, name: String)] = [
        (0, "XLF_KERNEL_64"), (1, "XLF_CAN_BE_LOADED_ABOVE_4G"), (2, "XLF_EFI_HANDOVER_32"),
        (3, "XLF_EFI_HANDOVER_64"), (4, "XLF_EFI_KEXEC"), (5, "XLF_5LEVEL"), (6, "XLF_5LEVEL_ENABLED"),
    ]

    static func names(of value: UInt64, in bits: [(bit: Int, name: String)]) -> [String] {
        var result: [String] = []
        var rest = value
        for (bit, name) in bits where value & (1 << UInt64(bit)) != 0 {
            result.append(name)
            rest &= ~(1 << UInt64(bit))
        }
        var b: UInt64 = 0
        while rest != 0 {
            if rest & 1 != 0 { result.append("bit\(b)") }
            rest >>= 1
            b += 1
        }
        return result
    }

    /// The raw value of one field, as stored at its offset.
    public func value(of field: SetupHeaderField) -> UInt64 {
        var bytes = [UInt8](repeating: 0, count: Self.end)
        encode(into: &bytes)
        var v: UInt64 = 0
        for i in (0..<field.size).reversed() { v = (v << 8) | UInt64(bytes[field.offset + i]) }
        return v
    }
}

/// One field of the setup header: where it is, how wide, and from which protocol version loaders
/// honour it. `inspect` walks `SetupHeaderField.all` to print every field.
public struct SetupHeaderField: Sendable, Equatable {
    public let offset: Int
    public let size: Int
    public let name: String
    /// Protocol version that introduced it (0 = all versions).
    public let since: UInt16
    /// Who writes it: "kernel", "loader", "kernel, loader may change", "obsolete".
    public let writer: String

    public static let all: [SetupHeaderField] = [
        .init(offset: 0x1F1, size: 1, name: "setup_sects", since: 0, writer: "kernel"),
        .init(offset: 0x1F2, size: 2, name: "root_flags", since: 0, writer: "kernel, loader may change"),
        .init(offset: 0x1F4, size: 4, name: "syssize", since: 0, writer: "kernel"),
        .init(offset: 0x1F8, size: 2, name: "ram_size", since: 0, writer: "obsolete"),
        .init(offset: 0x1FA, size: 2, name: "vid_mode", since: 0, writer: "kernel, loader may change"),
        .init(offset: 0x1FC, size: 2, name: "root_dev", since: 0, writer: "kernel, loader may change"),
        .init(offset: 0x1FE, size: 2, name: "boot_flag", since: 0, writer: "kernel"),
        .init(offset: 0x200, size: 2, name: "jump", since: 0x0200, writer: "kernel"),
        .init(offset: 0x202, size: 4, name: "header", since: 0x0200, writer: "kernel"),
        .init(offset: 0x206, size: 2, name: "version", since: 0x0200, writer: "kernel"),
        .init(offset: 0x208, size: 4, name: "realmode_swtch", since: 0x0200, writer: "loader"),
        .init(offset: 0x20C, size: 2, name: "start_sys_seg", since: 0x0200, writer: "obsolete"),
        .init(offset: 0x20E, size: 2, name: "kernel_version", since: 0x0200, writer: "kernel"),
        .init(offset: 0x210, size: 1, name: "type_of_loader", since: 0x0200, writer: "loader"),
        .init(offset: 0x211, size: 1, name: "loadflags", since: 0x0200, writer: "kernel, loader may change"),
        .init(offset: 0x212, size: 2, name: "setup_move_size", since: 0x0200, writer: "loader"),
        .init(offset: 0x214, size: 4, name: "code32_start", since: 0x0200, writer: "kernel, loader may change"),
        .init(offset: 0x218, size: 4, name: "ramdisk_image", since: 0x0200, writer: "loader"),
        .init(offset: 0x21C, size: 4, name: "ramdisk_size", since: 0x0200, writer: "loader"),
        .init(offset: 0x220, size: 4, name: "bootsect_kludge", since: 0x0200, writer: "obsolete"),
        .init(offset: 0x224, size: 2, name: "heap_end_ptr", since: 0x0201, writer: "loader"),
        .init(offset: 0x226, size: 1, name: "ext_loader_ver", since: 0x0202, writer: "loader"),
        .init(offset: 0x227, size: 1, name: "ext_loader_type", since: 0x0202, writer: "loader"),
        .init(offset: 0x228, size: 4, name: "cmd_line_ptr", since: 0x0202, writer: "loader"),
        .init(offset: 0x22C, size: 4, name: "initrd_addr_max", since: 0x0203, writer: "kernel"),
        .init(offset: 0x230, size: 4, name: "kernel_alignment", since: 0x0205, writer: "kernel, loader may change"),
        .init(offset: 0x234, size: 1, name: "relocatable_kernel", since: 0x0205, writer: "kernel"),
        .init(offset: 0x235, size: 1, name: "min_alignment", since: 0x020A, writer: "kernel"),
        .init(offset: 0x236, size: 2, name: "xloadflags", since: 0x020C, writer: "kernel"),
        .init(offset: 0x238, size: 4, name: "cmdline_size", since: 0x0206, writer: "kernel"),
        .init(offset: 0x23C, size: 4, name: "hardware_subarch", since: 0x0207, writer: "loader"),
        .init(offset: 0x240, size: 8, name: "hardware_subarch_data", since: 0x0207, writer: "loader"),
        .init(offset: 0x248, size: 4, name: "payload_offset", since: 0x0208, writer: "kernel"),
        .init(offset: 0x24C, size: 4, name: "payload_length", since: 0x0208, writer: "kernel"),
        .init(offset: 0x250, size: 8, name: "setup_data", since: 0x0209, writer: "loader"),
        .init(offset: 0x258, size: 8, name: "pref_address", since: 0x020A, writer: "kernel"),
        .init(offset: 0x260, size: 4, name: "init_size", since: 0x020A, writer: "kernel"),
        .init(offset: 0x264, size: 4, name: "handover_offset", since: 0x020B, writer: "kernel"),
        .init(offset: 0x268, size: 4, name: "kernel_info_offset", since: 0x020F, writer: "kernel"),
    ]

    public static func named(_ name: String) -> SetupHeaderField? { all.first { $0.name == name } }
}
