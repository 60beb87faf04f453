/// A Multiboot 1 header as loaders find it: 4-byte aligned, wholly inside the file's first 8192
/// bytes, magic + flags + checksum = 0 (Multiboot Specification 0.6.96 §3.1; GRUB 2.06
/// grub-core/loader/multiboot.c reads the same window).
package struct MultibootHeader: Sendable, Equatable {
    package static let magic: UInt32 = 0x1BAD_B002
    /// The magic the kernel finds in eax.
    package static let bootloaderMagic: UInt32 = 0x2BAD_B002
    package static let searchLimit = 8192

    /// The header's fields, declared once: name, offset, width (all u32).
    package enum Field: Int, CaseIterable, Sendable {
        case magic = 0, flags = 4, checksum = 8
        case headerAddr = 12, loadAddr = 16, loadEndAddr = 20, bssEndAddr = 24, entryAddr = 28
        case modeType = 32, width = 36, height = 40, depth = 44

        package var offset: Int { rawValue }
        package static let byteWidth = 4
        package var name: String {
            switch self {
            case .magic: return "magic"
            case .flags: return "flags"
            case .checksum: return "checksum"
            case .headerAddr: return "header_addr"
            case .loadAddr: return "load_addr"
            case .loadEndAddr: return "load_end_addr"
            case .bssEndAddr: return "bss_end_addr"
            case .entryAddr: return "entry_addr"
            case .modeType: return "mode_type"
            case .width: return "width"
            case .height: return "height"
            case .depth: return "depth"
            }
        }
    }

    package static let flagPageAlignModules: UInt32 = 1 << 0
    package static let flagMemoryInfo: UInt32 = 1 << 1
    package static let flagVideoMode: UInt32 = 1 << 2
    package static let flagAddressFields: UInt32 = 1 << 16
    /// Bits 0-15 are requirements: a loader must refuse any it does not know.
    package static let requiredMask: UInt32 = 0xFFFF
    package static let knownRequired: UInt32 = flagPageAlignModules | flagMemoryInfo | flagVideoMode

    package let fileOffset: Int
    /// Every field present in the file (those past its end read as 0 and are not listed).
    package let values: [Field: UInt32]

    package var flags: UInt32 { values[.flags] ?? 0 }
    package func value(_ field: Field) -> UInt32 { values[field] ?? 0 }
    package var hasAddressFields: Bool { flags & Self.flagAddressFields != 0 }
    package var hasVideoFields: Bool { flags & Self.flagVideoMode != 0 }

    /// The first header in `head` (the file's first bytes), nil when there is none.
    package static func find(in head: [UInt8]) -> MultibootHeader? {
        var at = 0
        while at + 12 <= min(head.count, searchLimit) {
            if head.loadLE(UInt32.self, at: at) == magic,
               let flags = head.loadLE(UInt32.self, at: at + 4), let sum = head.loadLE(UInt32.self, at: at + 8),
               magic &+ flags &+ sum == 0 {
                var values: [Field: UInt32] = [:]
                for f in Field.allCases {
                    if let v = head.loadLE(UInt32.self, at: at + f.offset), at + f.offset + 4 <= searchLimit { values[f] = v }
                }
                return MultibootHeader(fileOffset: at, values: values)
            }
            at += 4
        }
        return nil
    }

    /// Which fields the flags make meaningful (12-44 sit at fixed offsets whatever is set).
    package var meaningfulFields: [Field] {
        var out: [Field] = [.magic, .flags, .checksum]
        if hasAddressFields { out += [.headerAddr, .loadAddr, .loadEndAddr, .bssEndAddr, .entryAddr] }
        if hasVideoFields { out += [.modeType, .width, .height, .depth] }
        return out
    }

    /// What each flag bit asks of the loader, one line each, for inspect.
    package var flagMeanings: [String] {
        var out: [String] = []
        for bit in 0..<32 where flags & (1 << UInt32(bit)) != 0 {
            switch bit {
            case 0: out.append("bit 0: page-align every module (the initrd)")
            case 1: out.append("bit 1: give mem_lower/mem_upper (and the memory map)")
            case 2: out.append("bit 2: give video mode information (mode_type/width/height/depth)")
            case 16: out.append("bit 16: load from the address fields (a.out kludge), not from the ELF program headers")
            case 3...15: out.append("bit \(bit): unknown requirement (a loader must refuse the kernel)")
            default: out.append("bit \(bit): optional, unknown (ignored)")
            }
        }
        return out
    }

    /// What kimage cannot give, as (what, fix) pairs; empty when the header can be honoured.
    package var unsupportedRequests: [(what: String, fix: String)] {
        var out: [(String, String)] = []
        let unknown = flags & Self.requiredMask & ~Self.knownRequired
        if unknown != 0 {
            out.append(("flags \(hex(UInt64(flags))) set required bits \(hex(UInt64(unknown))) that no multiboot 1 loader knows",
                        "clear them in the header's flags (bits 3-15 must be 0)"))
        }
        if hasVideoFields && value(.modeType) != 1 {
            let mode = value(.modeType) == 0 ? "a linear graphics mode (mode_type 0)" : "video mode_type \(value(.modeType))"
            out.append(("flag bit 2 asks for \(mode); kimage's setup sets no video mode, it offers only the EGA text console",
                        "set mode_type to 1 (EGA text) or clear flag bit 2"))
        }
        return out
    }
}
