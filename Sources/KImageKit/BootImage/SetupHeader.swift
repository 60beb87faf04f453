/// The Linux/x86 boot-protocol setup header: the fields at file offsets 0x1F1..0x26F of an image
/// (and of boot_params). Field names follow Documentation/arch/x86/boot.rst so they can be looked
/// up there; layout facts are in shared/reference/boot-protocol.md §3.
package struct SetupHeader: Sendable, Equatable {
    /// File offset of the first field (setup_sects).
    package static let start = 0x1F1
    /// File offset one past the last field this type knows (kernel_info_offset, 2.15).
    package static let end = 0x26C
    /// "HdrS" read as a little-endian u32.
    package static let headerMagic: UInt32 = 0x5372_6448
    package static let bootFlagMagic: UInt16 = 0xAA55

    package static let loadedHigh: UInt8 = 0x01
    package static let kaslrFlag: UInt8 = 0x02
    package static let quietFlag: UInt8 = 0x20
    package static let keepSegments: UInt8 = 0x40
    package static let canUseHeap: UInt8 = 0x80

    /// xloadflags bits (boot.rst): a 64-bit entry at +0x200 of the protected-mode part, and the
    /// 64-bit EFI handover entry at +0x200 + handover_offset.
    package static let xlfKernel64: UInt16 = 0x01
    package static let xlfEFIHandover64: UInt16 = 0x08

    package var setupSects: UInt8 = 0
    package var rootFlags: UInt16 = 0
    package var syssize: UInt32 = 0
    package var ramSize: UInt16 = 0
    package var vidMode: UInt16 = 0xFFFF
    package var rootDev: UInt16 = 0
    package var bootFlag: UInt16 = SetupHeader.bootFlagMagic
    /// The two bytes at 0x200: `EB disp8`; 0x202 + disp8 is where the header ends.
    package var jump: UInt16 = 0
    package var header: UInt32 = SetupHeader.headerMagic
    package var version: UInt16 = 0x020C
    package var realmodeSwtch: UInt32 = 0
    package var startSysSeg: UInt16 = 0x1000
    package var kernelVersion: UInt16 = 0
    package var typeOfLoader: UInt8 = 0
    package var loadflags: UInt8 = SetupHeader.loadedHigh
    package var setupMoveSize: UInt16 = 0
    package var code32Start: UInt32 = 0x10_0000
    package var ramdiskImage: UInt32 = 0
    package var ramdiskSize: UInt32 = 0
    package var bootsectKludge: UInt32 = 0
    package var heapEndPtr: UInt16 = 0
    package var extLoaderVer: UInt8 = 0
    package var extLoaderType: UInt8 = 0
    package var cmdLinePtr: UInt32 = 0
    package var initrdAddrMax: UInt32 = 0x37FF_FFFF
    package var kernelAlignment: UInt32 = 0x1000
    package var relocatableKernel: UInt8 = 0
    package var minAlignment: UInt8 = 12
    package var xloadflags: UInt16 = 0
    package var cmdlineSize: UInt32 = 2047
    package var hardwareSubarch: UInt32 = 0
    package var hardwareSubarchData: UInt64 = 0
    package var payloadOffset: UInt32 = 0
    package var payloadLength: UInt32 = 0
    package var setupData: UInt64 = 0
    package var prefAddress: UInt64 = 0x10_0000
    package var initSize: UInt32 = 0
    package var handoverOffset: UInt32 = 0
    package var kernelInfoOffset: UInt32 = 0

    package init() {}

    /// Decodes the header from the first bytes of an image. Needs the whole header area
    /// (0x26C bytes); says which field would lie past the end otherwise.
    package init(decoding image: UnsafeRawBufferPointer, path: String = "<image>") throws {
        guard image.count >= Self.end else {
            throw BootImageError.headerTruncated(path: path, size: UInt64(image.count), needed: UInt64(Self.end))
        }
        self = Self.layout.decode(image, into: SetupHeader())!
    }

    package init(decoding image: [UInt8], path: String = "<image>") throws {
        self = try image.withUnsafeBytes { try SetupHeader(decoding: $0, path: path) }
    }

    /// Writes every field into `image` (which must be at least 0x26C bytes) at its file offset.
    /// Fields past the end the jump declares (kernel_info_offset below 2.15) are not written:
    /// those bytes belong to the setup code.
    package func encode(into image: inout [UInt8]) {
        precondition(image.count >= Self.end, "an image holds at least the header area")
        let declaredEnd = jump & 0xFF == 0xEB ? min(headerEnd, Self.end) : Self.end
        let preserved = Array(image[declaredEnd..<Self.end])
        defer { image.replaceSubrange(declaredEnd..<Self.end, with: preserved) }
        Self.layout.encode(self, into: &image)
    }

    // MARK: Derived facts

    /// "HdrS" present: protocol 2.00 or later. Without it loaders treat the file as an old zImage.
    package var hasHeaderMagic: Bool { header == Self.headerMagic }

    /// setup_sects as loaders read it: 0 means 4.
    package var effectiveSetupSects: Int { setupSects == 0 ? 4 : Int(setupSects) }

    /// Bytes before the protected-mode part: boot sector plus setup.
    package var realModeSize: Int { (effectiveSetupSects + 1) * 512 }

    /// Where the header ends (0x202 + the jump's displacement byte), which is how much a
    /// 32-bit loader copies into boot_params.
    package var headerEnd: Int { 0x202 + Int(UInt8(truncatingIfNeeded: jump >> 8)) }

    /// "2.12" for 0x020C.
    package var versionString: String { Self.versionString(version) }

    package static func versionString(_ version: UInt16) -> String {
        let minor = version & 0xFF
        return "\(version >> 8).\(minor < 10 ? "0" : "")\(minor)"
    }

    /// Names of the loadflags bits that are set.
    package var loadflagNames: [String] { Self.names(of: UInt64(loadflags), in: Self.loadflagBits) }
    package var xloadflagNames: [String] { Self.names(of: UInt64(xloadflags), in: Self.xloadflagBits) }

    package static let loadflagBits: [(bit: Int, name: String)] = [
        (0, "LOADED_HIGH"), (1, "KASLR_FLAG"), (5, "QUIET_FLAG"), (6, "KEEP_SEGMENTS"), (7, "CAN_USE_HEAP"),
    ]
    package static let xloadflagBits: [(bit: Int, name: String)] = [
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
    package func value(of field: LayoutField) -> UInt64 {
        Self.layout.encode(self).withUnsafeBytes { field.load(from: $0) } ?? 0
    }
}

extension SetupHeader {
    /// The setup header's one declaration, at file offsets (and boot_params offsets: the header
    /// sits at the same place there). `since` is the protocol version from which loaders honour
    /// a field (0: all); names and meanings follow Documentation/arch/x86/boot.rst.
    package static let layout = BinaryLayout<SetupHeader>(cName: "setup_header", nasmPrefix: "SH_", size: end, [
        .field("setup_sects", at: 0x1F1, \.setupSects, since: 0, writer: "kernel", "sectors of 16-bit setup after the boot sector (0 means 4)"),
        .field("root_flags", at: 0x1F2, \.rootFlags, since: 0, writer: "kernel, loader may change", "nonzero: mount root read-only (deprecated)"),
        .field("syssize", at: 0x1F4, \.syssize, since: 0, writer: "kernel", "protected-mode part in 16-byte units"),
        .field("ram_size", at: 0x1F8, \.ramSize, since: 0, writer: "obsolete", ""),
        .field("vid_mode", at: 0x1FA, \.vidMode, since: 0, writer: "kernel, loader may change", "video mode control"),
        .field("root_dev", at: 0x1FC, \.rootDev, since: 0, writer: "kernel, loader may change", "default root device (deprecated)"),
        .field("boot_flag", at: 0x1FE, \.bootFlag, since: 0, writer: "kernel", "0xAA55"),
        .field("jump", at: 0x200, \.jump, since: 0x0200, writer: "kernel", "EB disp8: the header ends at 0x202 + disp8"),
        .field("header", at: 0x202, \.header, since: 0x0200, writer: "kernel", "\"HdrS\""),
        .field("version", at: 0x206, \.version, since: 0x0200, writer: "kernel", "boot protocol version"),
        .field("realmode_swtch", at: 0x208, \.realmodeSwtch, since: 0x0200, writer: "loader", "boot loader hook"),
        .field("start_sys_seg", at: 0x20C, \.startSysSeg, since: 0x0200, writer: "obsolete", ""),
        .field("kernel_version", at: 0x20E, \.kernelVersion, since: 0x0200, writer: "kernel", "pointer to the kernel version string, minus 0x200"),
        .field("type_of_loader", at: 0x210, \.typeOfLoader, since: 0x0200, writer: "loader", "boot loader identifier"),
        .field("loadflags", at: 0x211, \.loadflags, since: 0x0200, writer: "kernel, loader may change", "boot protocol option flags"),
        .field("setup_move_size", at: 0x212, \.setupMoveSize, since: 0x0200, writer: "loader", ""),
        .field("code32_start", at: 0x214, \.code32Start, since: 0x0200, writer: "kernel, loader may change", "32-bit entry point of the protected-mode part"),
        .field("ramdisk_image", at: 0x218, \.ramdiskImage, since: 0x0200, writer: "loader", "initrd load address"),
        .field("ramdisk_size", at: 0x21C, \.ramdiskSize, since: 0x0200, writer: "loader", "initrd size"),
        .field("bootsect_kludge", at: 0x220, \.bootsectKludge, since: 0x0200, writer: "obsolete", ""),
        .field("heap_end_ptr", at: 0x224, \.heapEndPtr, since: 0x0201, writer: "loader", "free memory after the setup end, minus 0x200"),
        .field("ext_loader_ver", at: 0x226, \.extLoaderVer, since: 0x0202, writer: "loader", "extended boot loader version"),
        .field("ext_loader_type", at: 0x227, \.extLoaderType, since: 0x0202, writer: "loader", "extended boot loader type"),
        .field("cmd_line_ptr", at: 0x228, \.cmdLinePtr, since: 0x0202, writer: "loader", "32-bit pointer to the command line"),
        .field("initrd_addr_max", at: 0x22C, \.initrdAddrMax, since: 0x0203, writer: "kernel", "highest legal initrd address"),
        .field("kernel_alignment", at: 0x230, \.kernelAlignment, since: 0x0205, writer: "kernel, loader may change", "physical alignment required for the kernel"),
        .field("relocatable_kernel", at: 0x234, \.relocatableKernel, since: 0x0205, writer: "kernel", "whether the kernel may be loaded elsewhere"),
        .field("min_alignment", at: 0x235, \.minAlignment, since: 0x020A, writer: "kernel", "minimum alignment, as a power of two"),
        .field("xloadflags", at: 0x236, \.xloadflags, since: 0x020C, writer: "kernel", "boot protocol option flags"),
        .field("cmdline_size", at: 0x238, \.cmdlineSize, since: 0x0206, writer: "kernel", "maximum size of the command line"),
        .field("hardware_subarch", at: 0x23C, \.hardwareSubarch, since: 0x0207, writer: "loader", "hardware subarchitecture"),
        .field("hardware_subarch_data", at: 0x240, \.hardwareSubarchData, since: 0x0207, writer: "loader", "subarchitecture-specific data"),
        .field("payload_offset", at: 0x248, \.payloadOffset, since: 0x0208, writer: "kernel", "offset of the kernel payload"),
        .field("payload_length", at: 0x24C, \.payloadLength, since: 0x0208, writer: "kernel", "length of the kernel payload"),
        .field("setup_data", at: 0x250, \.setupData, since: 0x0209, writer: "loader", "64-bit physical pointer to a linked list of struct setup_data"),
        .field("pref_address", at: 0x258, \.prefAddress, since: 0x020A, writer: "kernel", "preferred loading address"),
        .field("init_size", at: 0x260, \.initSize, since: 0x020A, writer: "kernel", "linear memory required during initialisation"),
        .field("handover_offset", at: 0x264, \.handoverOffset, since: 0x020B, writer: "kernel", "offset of the EFI handover entry point"),
        .field("kernel_info_offset", at: 0x268, \.kernelInfoOffset, since: 0x020F, writer: "kernel", "offset of the kernel_info"),
    ])
}
