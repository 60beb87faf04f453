/// The boot_params page ("zero page") kimage's setup hands a Linux vmlinux in rsi (Linux
/// 64-bit handoff): a fresh zeroed page with only the fields below written, never the loader's
/// copy (handoffs.md §5.3, §5.4; arch/x86/include/uapi/asm/bootparam.h,
/// Documentation/arch/x86/zero-page.rst). Being fresh, sentinel (0x1EF) stays 0, so Linux's
/// sanitize_boot_params (asm/bootparam_utils.h) keeps every field; hardware_subarch stays 0 (PC).
/// kimage writes the pack-time fields into a template; the stub (templates/boot/handoff_linux.inc,
/// whose BP_* names are these offsets) fills the rest from the loader's boot_params at boot.
public struct BootParams: Sendable, Equatable {
    /// One field of the page: its name as bootparam.h spells it, offset, width, who fills it.
    public struct Field: Sendable, Equatable {
        public let name: String
        public let offset: Int
        public let width: Int
        /// "pack" (the template) or "boot" (the stub, from what the loader gave).
        public let filledAt: String
        public let meaning: String
    }

    public static let size = 4096
    /// Linux copies COMMAND_LINE_SIZE (2048) bytes from cmd_line_ptr, NUL included (head64.c).
    public static let commandLineCapacity = 2048
    public static let e820MaxEntries = 128
    public static let e820EntrySize = 20

    /// Every field kimage writes, the layout declared once.
    public static let fields: [Field] = [
        Field(name: "screen_info.orig_x", offset: 0x000, width: 1, filledAt: "pack", meaning: "cursor column: 0"),
        Field(name: "screen_info.orig_y", offset: 0x001, width: 1, filledAt: "pack", meaning: "cursor row: 0"),
        Field(name: "screen_info.orig_video_mode", offset: 0x006, width: 1, filledAt: "pack", meaning: "VGA text mode 3"),
        Field(name: "screen_info.orig_video_cols", offset: 0x007, width: 1, filledAt: "pack", meaning: "80 columns"),
        Field(name: "screen_info.orig_video_lines", offset: 0x00E, width: 1, filledAt: "pack", meaning: "25 lines"),
        Field(name: "screen_info.orig_video_isVGA", offset: 0x00F, width: 1, filledAt: "pack", meaning: "1: VGA"),
        Field(name: "screen_info.orig_video_points", offset: 0x010, width: 2, filledAt: "pack", meaning: "16-pixel font"),
        Field(name: "acpi_rsdp_addr", offset: 0x070, width: 8, filledAt: "boot", meaning: "the loader's, when it gave one"),
        Field(name: "ext_ramdisk_image", offset: 0x0C0, width: 4, filledAt: "boot", meaning: "initrd address, high half"),
        Field(name: "ext_ramdisk_size", offset: 0x0C4, width: 4, filledAt: "boot", meaning: "initrd size, high half"),
        Field(name: "ext_cmd_line_ptr", offset: 0x0C8, width: 4, filledAt: "pack", meaning: "0: the command line is below 4 GiB"),
        Field(name: "e820_entries", offset: 0x1E8, width: 1, filledAt: "boot", meaning: "the loader's E820 map"),
        Field(name: "sentinel", offset: 0x1EF, width: 1, filledAt: "pack", meaning: "0: nothing copied wholesale"),
        Field(name: "hdr.vid_mode", offset: 0x1FA, width: 2, filledAt: "pack", meaning: "0xFFFF: normal"),
        Field(name: "hdr.version", offset: 0x206, width: 2, filledAt: "pack", meaning: "the image's boot-protocol version"),
        Field(name: "hdr.type_of_loader", offset: 0x210, width: 1, filledAt: "boot", meaning: "the loader's; 0xFF when it gave 0 (Linux ignores the initrd of type 0)"),
        Field(name: "hdr.loadflags", offset: 0x211, width: 1, filledAt: "pack", meaning: "LOADED_HIGH; KASLR_FLAG clear"),
        Field(name: "hdr.ramdisk_image", offset: 0x218, width: 4, filledAt: "boot", meaning: "initrd address"),
        Field(name: "hdr.ramdisk_size", offset: 0x21C, width: 4, filledAt: "boot", meaning: "initrd size"),
        Field(name: "hdr.cmd_line_ptr", offset: 0x228, width: 4, filledAt: "pack", meaning: "the command line buffer after this page"),
        Field(name: "hdr.hardware_subarch", offset: 0x23C, width: 4, filledAt: "pack", meaning: "0: PC"),
        Field(name: "hdr.setup_data", offset: 0x250, width: 8, filledAt: "pack", meaning: "0: no list"),
        Field(name: "e820_table", offset: 0x2D0, width: e820MaxEntries * e820EntrySize, filledAt: "boot", meaning: "packed {u64 addr, u64 size, u32 type}"),
    ]

    public static func field(_ name: String) -> Field {
        guard let f = fields.first(where: { $0.name == name }) else { preconditionFailure("no boot_params field \(name)") }
        return f
    }

    /// Where the page lives (physical); the command line buffer follows it.
    public var address: UInt64 = 0
    /// hdr.version: the boot-protocol version the image declares (non-zero, or Linux copies
    /// boot_params a second time, head64.c x86_64_start_reservations).
    public var version: UInt16 = 0x020C

    public init() {}

    /// Bytes of page and command line buffer.
    public static var regionSize: Int { size + commandLineCapacity }
    public var commandLineAddress: UInt64 { address + UInt64(Self.size) }

    /// The template: zeros, the pack-time fields, an empty command line buffer.
    public func encode() -> [UInt8] {
        var b = [UInt8](repeating: 0, count: Self.regionSize)
        func put(_ name: String, _ value: UInt64) {
            let f = Self.field(name)
            for i in 0..<f.width { b[f.offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
        }
        put("screen_info.orig_video_mode", 3)
        put("screen_info.orig_video_cols", 80)
        put("screen_info.orig_video_lines", 25)
        put("screen_info.orig_video_isVGA", 1)
        put("screen_info.orig_video_points", 16)
        put("hdr.vid_mode", 0xFFFF)
        put("hdr.version", UInt64(version))
        put("hdr.loadflags", UInt64(SetupHeader.loadedHigh))
        put("hdr.cmd_line_ptr", commandLineAddress)
        return b
    }
}
