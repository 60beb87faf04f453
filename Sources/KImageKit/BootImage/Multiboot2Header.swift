/// A Multiboot 2 header as loaders find it: 8-byte aligned, wholly inside the file's first 32768
/// bytes, architecture 0 (i386), magic + architecture + header_length + checksum = 0, then tags
/// up to the end tag (Multiboot2 Specification §3.1; GRUB 2.06 grub-core/loader/multiboot_mbi2.c
/// walks the tags to the end tag and ignores header_length).
package struct Multiboot2Header: Sendable, Equatable {
    package static let magic: UInt32 = 0xE852_50D6
    /// The magic the kernel finds in eax.
    package static let bootloaderMagic: UInt32 = 0x36D7_6289
    package static let searchLimit = 32768

    /// The fixed part, declared once: name, offset (all u32).
    package enum Field: Int, CaseIterable, Sendable {
        case magic = 0, architecture = 4, headerLength = 8, checksum = 12
        package var offset: Int { rawValue }
        package var name: String {
            switch self {
            case .magic: return "magic"
            case .architecture: return "architecture"
            case .headerLength: return "header_length"
            case .checksum: return "checksum"
            }
        }
    }

    /// One header tag: u16 type, u16 flags (bit 0 optional), u32 size, then `size - 8` body bytes.
    package struct Tag: Sendable, Equatable {
        package let type: UInt16
        package let flags: UInt16
        package let size: UInt32
        /// Offset of the tag from the start of the header.
        package let offset: Int
        /// The body's u32 words (every header tag's body is u32s).
        package let words: [UInt32]
        package var isOptional: Bool { flags & 1 != 0 }

        package func word(_ i: Int) -> UInt32 { i < words.count ? words[i] : 0 }

        /// Each tag type's name and its body's u32 fields, declared once.
        package static let kinds: [UInt16: (name: String, fields: [String])] = [
            0: ("end", []),
            1: ("information request", []),
            2: ("address", ["header_addr", "load_addr", "load_end_addr", "bss_end_addr"]),
            3: ("entry address", ["entry_addr"]),
            4: ("console flags", ["console_flags"]),
            5: ("framebuffer", ["width", "height", "depth"]),
            6: ("module alignment", []),
            7: ("EFI boot services", []),
            8: ("EFI i386 entry address", ["entry_addr"]),
            9: ("EFI amd64 entry address", ["entry_addr"]),
            10: ("relocatable", ["min_addr", "max_addr", "align", "preference"]),
        ]

        package var name: String { Self.kinds[type]?.name ?? "unknown tag type \(type)" }
    }

    /// The information tags kimage's setup builds (Multiboot2 §3.6); 0 is the end tag.
    package static let informationTags: [UInt32: String] = [
        0: "end", 1: "boot command line", 2: "boot loader name", 3: "modules", 4: "basic memory information",
        5: "BIOS boot device", 6: "memory map", 7: "VBE info", 8: "framebuffer info", 9: "ELF symbols",
        10: "APM table", 11: "EFI 32-bit system table", 12: "EFI 64-bit system table", 13: "SMBIOS tables",
        14: "ACPI old RSDP", 15: "ACPI new RSDP", 16: "networking information", 17: "EFI memory map",
        18: "EFI boot services not terminated", 19: "EFI 32-bit image handle", 20: "EFI 64-bit image handle",
        21: "image load base physical address",
    ]

    /// Information tags a BIOS loader may give that kimage's setup does not, and why.
    package static let informationNotGiven: [UInt32: String] = [
        5: "a boot-protocol loader does not tell the image which disk it came from",
        7: "the setup makes no VBE BIOS calls",
        10: "the setup makes no APM BIOS calls",
        11: "kimage's EFI stub is 64-bit: a 64-bit firmware's system table goes in tag 12",
        16: "the setup has no network stack to take a DHCP answer from",
        18: "kimage's EFI stub exits boot services before the kernel runs",
        19: "kimage's EFI stub exits boot services before the kernel runs: the image handle is of no use after that",
        20: "kimage's EFI stub exits boot services before the kernel runs: the image handle is of no use after that",
    ]

    /// Information tags the setup gives only when the EFI stub started the boot (UEFI): a kernel
    /// that requires one boots only under UEFI.
    package static let informationUEFIOnly: Set<UInt32> = [Multiboot2Info.tagEFI64SystemTable, Multiboot2Info.tagEFIMemoryMap]

    /// The UEFI-only information tags a required (not optional) information request names.
    package var requiredUEFITags: [UInt32] {
        tags.filter { $0.type == 1 && !$0.isOptional }.flatMap(\.words).filter { Self.informationUEFIOnly.contains($0) }
    }

    package let fileOffset: Int
    package let architecture: UInt32
    package let headerLength: UInt32
    package let checksum: UInt32
    package let tags: [Tag]
    /// Where the tag walk stopped short of an end tag, nil when it found one.
    package let tagProblem: String?

    package func tag(_ type: UInt16) -> Tag? { tags.first { $0.type == type } }

    /// The first header in `head` (the file's first bytes), nil when there is none.
    package static func find(in head: [UInt8]) -> Multiboot2Header? {
        let limit = min(head.count, searchLimit)
        var at = 0
        while at + 16 <= limit {
            defer { at += 8 }
            guard head.loadLE(UInt32.self, at: at) == magic, let arch = head.loadLE(UInt32.self, at: at + 4),
                  let length = head.loadLE(UInt32.self, at: at + 8), let sum = head.loadLE(UInt32.self, at: at + 12),
                  magic &+ arch &+ length &+ sum == 0, arch == 0 else { continue }
            var tags: [Tag] = []
            var problem: String?
            var t = at + 16
            while true {
                guard t + 8 <= limit, let type = head.loadLE(UInt16.self, at: t), let flags = head.loadLE(UInt16.self, at: t + 2),
                      let size = head.loadLE(UInt32.self, at: t + 4) else {
                    problem = "the tags run past the first 32 KiB without an end tag"
                    break
                }
                guard size >= 8, t + Int(size) <= limit else {
                    problem = "tag at header offset \(hex(UInt64(t - at))) (type \(type)) has size \(size); expected at least 8 and inside the first 32 KiB"
                    break
                }
                let words = stride(from: t + 8, to: t + Int(size) - 3, by: 4).map { head.loadLE(UInt32.self, at: $0)! }
                tags.append(Tag(type: type, flags: flags, size: size, offset: t - at, words: words))
                if type == 0 { break }
                t += (Int(size) + 7) & ~7
            }
            return Multiboot2Header(fileOffset: at, architecture: arch, headerLength: length, checksum: sum, tags: tags, tagProblem: problem)
        }
        return nil
    }

    /// What a tag asks of the loader, for inspect.
    package static func meaning(of tag: Tag) -> String {
        switch tag.type {
        case 0: return "end of the tags"
        case 1:
            let names = tag.words.map { "\($0) \(informationTags[$0] ?? "unknown")" }.joined(separator: ", ")
            return (tag.isOptional ? "would like" : "requires") + " these information tags: " + names
        case 2: return "load the file from load_addr (0xFFFFFFFF: its start) to load_end_addr, zero to bss_end_addr"
        case 3: return "enter at entry_addr (physical) instead of e_entry"
        case 4:
            let f = tag.word(0)
            return (f & 1 != 0 ? "a console is required" : "a console is not required") + "; " + (f & 2 != 0 ? "EGA text is supported" : "EGA text is not supported")
        case 5: return "wants a framebuffer of \(tag.word(0))x\(tag.word(1))x\(tag.word(2)) (0 = any)"
        case 6: return "page-align every module"
        case 7: return "can run with EFI boot services still on"
        case 8: return "EFI i386 entry (only with boot services on)"
        case 9: return "EFI amd64 entry (only with boot services on)"
        case 10: return "may load anywhere in [min_addr, max_addr], aligned (preference 0 none, 1 lowest, 2 highest)"
        default: return "unknown tag: " + (tag.isOptional ? "optional, ignored" : "required, a loader must refuse the kernel")
        }
    }

    /// What kimage cannot give, as (what, fix) pairs; empty when the header can be honoured.
    package var unsupportedRequests: [(what: String, fix: String)] { unsupportedRequests(efi: true) }

    /// The same for an image with (`efi`) or without (--no-efi) the EFI stub: without it the
    /// UEFI-only tags (12, 17) are never given.
    package func unsupportedRequests(efi: Bool) -> [(what: String, fix: String)] {
        var out: [(String, String)] = []
        if let tagProblem { out.append(("its tags are malformed: \(tagProblem)", "end the tags with a type 0, size 8 tag")) }
        for tag in tags {
            let name = "tag type \(tag.type) (\(tag.name)) at header offset \(hex(UInt64(tag.offset)))"
            switch tag.type {
            case 0, 3, 6, 10: break
            case 1 where !tag.isOptional:
                let unknown = tag.words.filter { Self.informationTags[$0] == nil || $0 == 0 }
                if !unknown.isEmpty {
                    out.append(("\(name) requires information tag types \(unknown.map(String.init).joined(separator: ", ")), which no multiboot2 loader knows",
                                "drop them from the request or set the request tag's optional flag (flags bit 0)"))
                }
                // The spec: a loader that cannot give a required information tag must refuse the kernel.
                for type in tag.words {
                    if let why = Self.informationNotGiven[type] {
                        out.append(("\(name) requires information tag \(type) (\(Self.informationTags[type] ?? "")), which kimage's setup does not give: \(why)",
                                    "drop \(type) from the request or set the request tag's optional flag (flags bit 0)"))
                    }
                    if !efi && Self.informationUEFIOnly.contains(type) {
                        out.append(("\(name) requires information tag \(type) (\(Self.informationTags[type] ?? "")), which only a UEFI boot gives, and --no-efi leaves the EFI stub out",
                                    "pack without --no-efi (the image then boots only under UEFI), or set the request tag's optional flag (flags bit 0)"))
                    }
                }
            case 1: break
            case 2:
                if self.tag(3) == nil { out.append(("\(name) has no entry address tag (type 3) beside it", "add an entry address tag, as GRUB requires")) }
            case 4:
                if tag.word(0) & 1 != 0 && tag.word(0) & 2 == 0 {
                    out.append(("\(name) requires a console but does not accept EGA text, the only console kimage's setup offers",
                                "set console_flags bit 1 (EGA text supported) or clear bit 0"))
                }
            case 5 where !tag.isOptional:
                out.append(("\(name) asks for a \(tag.word(0))x\(tag.word(1))x\(tag.word(2)) framebuffer; kimage's setup sets no video mode, it offers only EGA text",
                            "set the tag's optional flag (flags bit 0) or drop the tag"))
            case 7 where !tag.isOptional, 8 where !tag.isOptional, 9 where !tag.isOptional:
                out.append(("\(name) requires EFI boot services, which a BIOS boot-protocol image has already left behind",
                            "set the tag's optional flag (flags bit 0) or drop the tag"))
            case 5, 7, 8, 9: break
            default:
                if !tag.isOptional {
                    out.append(("\(name) is a required tag no multiboot2 loader knows", "set its optional flag (flags bit 0) or drop it"))
                }
            }
        }
        return out
    }
}
