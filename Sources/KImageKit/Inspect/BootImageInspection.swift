/// What `kimage inspect` shows of a Linux/x86 boot-protocol image (a bzImage, or one kimage
/// packed): every setup-header field with its raw value and meaning, and the file layout.
/// Anything inconsistent (setup_sects past the end, syssize disagreeing with the file, a version
/// GRUB's `linux` refuses) is a warning; only a header the file cannot hold is an error.
package struct BootImageInspection: Sendable {
    package struct Field: Sendable, Equatable {
        package let field: LayoutField
        package let raw: UInt64
        package let meaning: String
        /// Inside the header the jump at 0x200 declares (0x202 + disp8).
        package let present: Bool
    }

    /// One part of the file: boot sector, setup, protected-mode part (or its pieces), trailing bytes.
    package struct Part: Sendable, Equatable {
        package let name: String
        package let offset: UInt64
        package let size: UInt64
        /// Physical address a boot-protocol loader puts it at (nil for the real-mode part, which
        /// goes wherever the loader chooses).
        package let loadAddress: UInt64?
        package let notes: [String]

        package init(name: String, offset: UInt64, size: UInt64, loadAddress: UInt64?, notes: [String]) {
            self.name = name
            self.offset = offset
            self.size = size
            self.loadAddress = loadAddress
            self.notes = notes
        }
    }

    package struct Payload: Sendable, Equatable {
        /// File offset.
        package let offset: UInt64
        package let length: UInt64
        package let format: String

        package init(offset: UInt64, length: UInt64, format: String) {
            self.offset = offset
            self.length = length
            self.format = format
        }
    }

    package let path: String
    package let fileSize: Int
    package let header: SetupHeader
    package let fields: [Field]
    package let parts: [Part]
    package let headerEnd: Int
    package let kernelVersion: String?
    package let payload: Payload?
    package let protectedModeOffset: UInt64
    package let protectedModeFileSize: UInt64
    package let syssizeBytes: UInt64
    /// The load plan, carried ELFs and walked page tables of an image kimage pack made.
    package let packed: PackedImageContents?
    /// The PE32+ header of an image that is also an EFI application.
    package let pe: PEInspection?
    /// The part table of an image packed with an own 32-bit setup.
    package let partTable: PartTableInspection?
    package private(set) var warnings: [String] = []

    package init(file: FileBytes) throws {
        let raw = file.bytes
        path = file.path
        fileSize = raw.count
        guard raw.count >= SetupHeader.end else {
            throw InspectError.bootImageTooShort(path: path, size: raw.count, needed: SetupHeader.end)
        }
        let h = try SetupHeader(decoding: raw, path: path)
        header = h
        var warnings: [String] = []
        let size = UInt64(raw.count)

        let jumpOK = h.jump & 0xFF == 0xEB
        headerEnd = jumpOK ? h.headerEnd : SetupHeader.end
        if !jumpOK {
            warnings.append("the two bytes at 0x200 are \(hex(h.jump & 0xFF, digits: 2)) \(hex(h.jump >> 8, digits: 2)), not a short jump EB disp8, so the header's length is unknown (loaders copy 0x202 + byte 0x201): put `jmp short` over the header there")
        } else if (h.jump >> 8) >= 0x80 || headerEnd > 0x290 {
            warnings.append("the jump at 0x200 makes the header end at \(hex(headerEnd)); GRUB reads its displacement as a signed byte and refuses a header past 0x290 (Linux setup header too big): keep the displacement below 0x80")
        }

        let realMode = UInt64(h.realModeSize)
        protectedModeOffset = realMode
        protectedModeFileSize = size > realMode ? size - realMode : 0
        syssizeBytes = UInt64(h.version >= 0x0204 ? h.syssize : h.syssize & 0xFFFF) * 16
        let loadAddress: UInt64 = h.loadflags & SetupHeader.loadedHigh != 0 ? 0x10_0000 : 0x1_0000

        warnings += Self.headerWarnings(h, raw: raw, realMode: realMode, size: size,
                                        protectedModeFileSize: protectedModeFileSize, syssizeBytes: syssizeBytes)
        let kernelVersion = Self.kernelVersion(h, raw: raw, realMode: realMode, size: size, warnings: &warnings)
        self.kernelVersion = kernelVersion
        let payload = Self.payload(h, raw: raw, realMode: realMode, size: size, warnings: &warnings)
        self.payload = payload

        fields = SetupHeader.layout.fields.map { f in
            let present = jumpOK ? f.offset + f.size <= h.headerEnd || f.offset < 0x202 : true
            // The bytes as they are in the file (past the header end they are setup code).
            var value: UInt64 = 0
            value = f.load(from: raw) ?? 0
            return Field(field: f, raw: value, meaning: Self.meaning(of: f, value: value, in: h, realMode: realMode, fileSize: size,
                                                                            kernelVersion: kernelVersion, payload: payload),
                         present: present)
        }

        let parts = Self.parts(h, raw: raw, realMode: realMode, size: size, headerEnd: headerEnd, syssizeBytes: syssizeBytes,
                               protectedModeFileSize: protectedModeFileSize, loadAddress: loadAddress,
                               kernelVersion: kernelVersion, payload: payload)
        self.parts = parts
        self.warnings = warnings
        packed = realMode < size ? PackedImageContents(raw: raw, protectedModeOffset: Int(realMode), path: path) : nil
        pe = PEInspection(raw: raw, protectedModeOffset: Int(realMode))
        partTable = realMode < size && packed == nil ? PartTableInspection(raw: raw, protectedModeOffset: Int(realMode)) : nil
    }

    /// Warnings about the sizes, the version and the flags, as loaders would read them.
    static func headerWarnings(_ h: SetupHeader, raw: UnsafeRawBufferPointer, realMode: UInt64, size: UInt64,
                               protectedModeFileSize: UInt64, syssizeBytes: UInt64) -> [String] {
        var warnings: [String] = []
        if h.setupSects == 0 {
            warnings.append("setup_sects is 0, which loaders read as 4 (a 2048-byte setup): write the real count")
        }
        if realMode > size {
            warnings.append("setup_sects \(h.setupSects) puts the end of the setup at file offset \(hex(realMode)), past the end of the file (\(size) bytes): the image is truncated or setup_sects is wrong; QEMU refuses it (invalid kernel header) and there is no protected-mode part")
        }
        if h.setupSects > 64 {
            warnings.append("setup_sects \(h.setupSects) is above 64, which GRUB refuses (too many setup sectors): keep the setup within 32 KiB")
        }
        if realMode <= size {
            if syssizeBytes > protectedModeFileSize {
                warnings.append("syssize \(hex(h.syssize)) says the protected-mode part is \(syssizeBytes) bytes, but only \(protectedModeFileSize) follow the setup: the file is truncated or syssize is wrong (loaders load the \(protectedModeFileSize) bytes that are there)")
            } else if protectedModeFileSize - syssizeBytes >= 16 && !Self.isSignature(in: raw, offset: realMode + syssizeBytes, size: size - realMode - syssizeBytes) {
                warnings.append("syssize \(hex(h.syssize)) covers \(syssizeBytes) bytes, but \(protectedModeFileSize) follow the setup: \(protectedModeFileSize - syssizeBytes) trailing bytes past syssize (loaders load them too, since they go by file size)")
            }
        }
        if h.version < 0x0203 {
            warnings.append("protocol \(h.versionString) is too old for GRUB's linux, which needs 2.03 (version too old for 32-bit boot): boot it with linux16, or declare 2.03 or later")
        } else if h.loadflags & SetupHeader.loadedHigh == 0 {
            warnings.append("loadflags has no LOADED_HIGH: a zImage loaded at 0x10000, which GRUB's linux refuses (zImage doesn't support 32-bit boot)")
        }
        if h.version == 0x020E {
            warnings.append("protocol 2.14 was burned by a bad commit and never means anything: declare 2.13 or 2.15")
        }
        if h.version >= 0x020A && realMode <= size && UInt64(h.initSize) < protectedModeFileSize {
            warnings.append("init_size \(hex(h.initSize)) is smaller than the \(protectedModeFileSize)-byte protected-mode part: GRUB reserves only init_size at the load address and may put the initrd over the kernel")
        }
        return warnings
    }

    /// kernel_version: a string in the setup, shown printable.
    static func kernelVersion(_ h: SetupHeader, raw: UnsafeRawBufferPointer, realMode: UInt64, size: UInt64,
                              warnings: inout [String]) -> String? {
        var kernelVersion: String?
        if h.kernelVersion != 0 {
            let at = UInt64(h.kernelVersion) + 0x200
            if at >= size {
                warnings.append("kernel_version \(hex(h.kernelVersion)) points at file offset \(hex(at)), past the end of the file")
            } else {
                var end = Int(at)
                while end < raw.count && end - Int(at) < 512 && raw[end] != 0 { end += 1 }
                let text = String(decoding: UnsafeRawBufferPointer(rebasing: raw[Int(at)..<end]), as: UTF8.self)
                kernelVersion = String(text.unicodeScalars.map { $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" })
                if end >= raw.count || raw[end] != 0 {
                    warnings.append("the kernel_version string at file offset \(hex(at)) has no NUL within 512 bytes")
                }
                if at >= realMode {
                    warnings.append("kernel_version points at file offset \(hex(at)), past the setup (it must be below setup_sects x 512 + 0x200)")
                }
            }
        }

        return kernelVersion
    }

    /// The payload (Linux: the compressed kernel), and kernel_info's magic (2.15).
    static func payload(_ h: SetupHeader, raw: UnsafeRawBufferPointer, realMode: UInt64, size: UInt64,
                        warnings: inout [String]) -> Payload? {
        var payload: Payload?
        if h.version >= 0x0208 && h.payloadLength != 0 {
            let at = realMode + UInt64(h.payloadOffset)
            let end = at + UInt64(h.payloadLength)
            if end > size {
                warnings.append("payload_offset \(hex(h.payloadOffset)) + payload_length \(hex(h.payloadLength)) runs to file offset \(hex(end)), past the end of the file (\(size) bytes)")
            } else {
                payload = Payload(offset: at, length: UInt64(h.payloadLength), format: Self.format(of: raw, at: Int(at)))
            }
        }
        if h.version >= 0x020F {
            let at = realMode + UInt64(h.kernelInfoOffset)
            if h.kernelInfoOffset == 0 || raw.loadLE(UInt32.self, at: Int(min(at, UInt64(Int.max)))) != 0x506F_544C {
                warnings.append("protocol \(h.versionString) offers kernel_info, but kernel_info_offset \(hex(h.kernelInfoOffset)) (file offset \(hex(at))) does not hold \"LToP\": declare 2.12 unless kernel_info is real")
            }
        }
        return payload
    }

    /// The layout: boot sector, setup, protected-mode part (split around the payload), trailing.
    static func parts(_ h: SetupHeader, raw: UnsafeRawBufferPointer, realMode: UInt64, size: UInt64, headerEnd: Int,
                      syssizeBytes: UInt64, protectedModeFileSize: UInt64, loadAddress: UInt64,
                      kernelVersion: String?, payload: Payload?) -> [Part] {
        var parts: [Part] = [Part(name: "boot sector", offset: 0, size: 512, loadAddress: nil,
                                  notes: ["header fields 0x1f1..\(hex(min(headerEnd, 0x200)))"])]
        let setupEnd = min(realMode, size)
        var setupNotes = ["setup_sects \(h.setupSects)\(h.setupSects == 0 ? " (read as 4)" : "")"]
        if realMode > size { setupNotes.append("truncated: setup_sects says \(HumanSize.text(realMode - 512))") }
        setupNotes.append("header 0x200..\(hex(headerEnd))")
        if kernelVersion != nil, UInt64(h.kernelVersion) + 0x200 < setupEnd {
            setupNotes.append("kernel_version string at \(hex(UInt64(h.kernelVersion) + 0x200))")
        }
        parts.append(Part(name: "16-bit setup", offset: 512, size: setupEnd > 512 ? setupEnd - 512 : 0, loadAddress: nil, notes: setupNotes))
        if realMode < size {
            let pmEnd = realMode + min(syssizeBytes, protectedModeFileSize)
            var pieces: [(String, UInt64, UInt64, [String])] = []
            let pmNotes = ["syssize \(hex(h.syssize)) = \(HumanSize.text(syssizeBytes))", "code32_start \(hex(h.code32Start, digits: 8))"]
            if let p = payload, p.offset >= realMode, p.offset + p.length <= pmEnd {
                pieces.append(("protected-mode part: head", realMode, p.offset - realMode, pmNotes))
                pieces.append(("payload (\(p.format))", p.offset, p.length, ["payload_offset \(hex(h.payloadOffset))"]))
                pieces.append(("protected-mode part: tail", p.offset + p.length, pmEnd - p.offset - p.length, []))
            } else {
                pieces.append(("protected-mode part", realMode, pmEnd - realMode, pmNotes))
            }
            for (name, offset, length, notes) in pieces where length > 0 || name == "protected-mode part" {
                parts.append(Part(name: name, offset: offset, size: length, loadAddress: loadAddress + (offset - realMode), notes: notes))
            }
            if pmEnd < size {
                let signed = Self.isSignature(in: raw, offset: pmEnd, size: size - pmEnd)
                parts.append(Part(name: signed ? "PE signature (certificate table)" : "trailing bytes past syssize",
                                  offset: pmEnd, size: size - pmEnd, loadAddress: loadAddress + (pmEnd - realMode),
                                  notes: ["loaded too: loaders go by file size"]))
            }
        }
        return parts
    }

    /// The PE certificate table (a Secure Boot signature) of an EFI-stub kernel: the boot sector
    /// starts with "MZ", 0x3c points at "PE\0\0", and data directory 4 gives a file offset and size.
    static func isSignature(in raw: UnsafeRawBufferPointer, offset: UInt64, size: UInt64) -> Bool {
        guard let s = signature(in: raw) else { return false }
        return s.offset == offset && s.size == size
    }

    static func signature(in raw: UnsafeRawBufferPointer) -> (offset: UInt64, size: UInt64)? {
        guard raw.loadLE(UInt16.self, at: 0) == 0x5A4D, let pe = raw.loadLE(UInt32.self, at: 0x3C).map(Int.init),
              pe < raw.count, raw.loadLE(UInt32.self, at: pe) == 0x0000_4550,
              let magic = raw.loadLE(UInt16.self, at: pe + 24) else { return nil }
        let directories = pe + 24 + (magic == 0x20B ? 112 : 96)
        guard let offset = raw.loadLE(UInt32.self, at: directories + 32), let size = raw.loadLE(UInt32.self, at: directories + 36),
              offset != 0, size != 0 else { return nil }
        return (UInt64(offset), UInt64(size))
    }

    /// Names a payload by its first bytes, the way Linux's decompressors recognise them.
    static func format(of raw: UnsafeRawBufferPointer, at offset: Int) -> String {
        let b = Array(raw[offset..<min(raw.count, offset + 6)])
        func starts(_ m: [UInt8]) -> Bool { b.count >= m.count && Array(b.prefix(m.count)) == m }
        if starts([0x1F, 0x8B]) { return "gzip" }
        if starts([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) { return "xz" }
        if starts([0x28, 0xB5, 0x2F, 0xFD]) { return "zstd" }
        if starts([0x42, 0x5A, 0x68]) { return "bzip2" }
        if starts([0x5D, 0x00, 0x00]) { return "lzma" }
        if starts([0x89, 0x4C, 0x5A, 0x4F]) { return "lzo" }
        if starts([0x02, 0x21, 0x4C, 0x18]) { return "lz4" }
        if starts([0x7F, 0x45, 0x4C, 0x46]) { return "ELF, uncompressed" }
        return "unknown format"
    }

    static func meaning(of f: LayoutField, value v: UInt64, in h: SetupHeader, realMode: UInt64, fileSize: UInt64,
                        kernelVersion: String?, payload: Payload?) -> String {
        var text = earlyMeaning(of: f, value: v, in: h, realMode: realMode, kernelVersion: kernelVersion)
            ?? laterMeaning(of: f, value: v, in: h, realMode: realMode, payload: payload)
        if f.since > Int(h.version) && f.offset >= 0x202 {
            text += " (ignored: needs protocol \(SetupHeader.versionString(UInt16(f.since))))"
        }
        return text
    }

    /// The fields up to loadflags (protocol 2.00 and the boot sector's); nil for the others.
    private static func earlyMeaning(of f: LayoutField, value v: UInt64, in h: SetupHeader, realMode: UInt64,
                                     kernelVersion: String?) -> String? {
        var text: String
        switch f.name {
        case "setup_sects":
            text = "\(h.effectiveSetupSects) sectors (\(HumanSize.text(UInt64(h.effectiveSetupSects) * 512)))\(h.setupSects == 0 ? ", 0 means 4" : ""); PM part at \(hex(realMode))"
        case "root_flags": text = v == 0 ? "root read-write" : "root read-only (deprecated)"
        case "syssize":
            let bytes = UInt64(h.version >= 0x0204 ? h.syssize : h.syssize & 0xFFFF) * 16
            text = "\(bytes) bytes (\(HumanSize.text(bytes))) in 16-byte units\(h.version < 0x0204 ? "; 2 bytes wide before 2.04" : "")"
        case "ram_size": text = "obsolete"
        case "vid_mode":
            switch v {
            case 0xFFFF: text = "normal (vga=normal)"
            case 0xFFFE: text = "extended (vga=ext)"
            case 0xFFFD: text = "ask (vga=ask)"
            default: text = "video mode \(v)"
            }
        case "root_dev": text = v == 0 ? "none (deprecated)" : "device \(v >> 8):\(v & 0xFF) (deprecated)"
        case "boot_flag": text = v == 0xAA55 ? "55 aa: boot sector signature" : "expected 0xaa55"
        case "jump":
            text = v & 0xFF == 0xEB ? "jmp short +\(hex(v >> 8)): header ends at \(hex(h.headerEnd))" : "not EB disp8: header length unknown"
        case "header": text = h.hasHeaderMagic ? "\"HdrS\": protocol 2.00 or later" : "not \"HdrS\": old protocol"
        case "version": text = "protocol \(h.versionString)"
        case "realmode_swtch": text = v == 0 ? "no hook" : "16-bit hook at \(hex(v >> 16, digits: 4)):\(hex(v & 0xFFFF, digits: 4))"
        case "start_sys_seg": text = "obsolete (segment \(hex(v)))"
        case "kernel_version":
            if v == 0 { text = "none" }
            else if kernelVersion != nil { text = "string at file offset \(hex(v + 0x200))" }
            else { text = "string at file offset \(hex(v + 0x200)) (outside the file)" }
        case "type_of_loader":
            switch v {
            case 0: text = "0: no loader yet (the loader writes it)"
            case 0xFF: text = "unknown loader"
            case 0xB0: text = "QEMU"
            default:
                let names: [UInt64: String] = [0: "LILO", 1: "Loadlin", 2: "bootsect-loader", 3: "Syslinux", 4: "Etherboot/gPXE/iPXE", 5: "ELILO", 7: "GRUB", 8: "U-Boot", 9: "Xen", 0xA: "Gujin", 0xB: "Qemu", 0xC: "Arcturus Networks uCbootloader", 0xD: "kexec-tools", 0xE: "extended", 0xF: "special", 0x10: "reserved", 0x11: "Minimal Linux Bootloader", 0x12: "OVMF UEFI virtualization stack"]
                text = "\(names[v >> 4] ?? "loader \(v >> 4)") version \(v & 0xF)"
            }
        case "loadflags", "xloadflags":
            let names = f.name == "loadflags" ? h.loadflagNames : h.xloadflagNames
            text = names.isEmpty ? "none" : names.joined(separator: " ")
            if f.name == "loadflags" && v & 1 == 0 { text += " (no LOADED_HIGH: zImage at 0x10000)" }
        default: return nil
        }
        return text
    }

    /// The fields from setup_move_size on; "" for a field with nothing to say.
    private static func laterMeaning(of f: LayoutField, value v: UInt64, in h: SetupHeader, realMode: UInt64,
                                     payload: Payload?) -> String {
        let text: String
        switch f.name {
        case "setup_move_size": text = v == 0 ? "0 (2.00/2.01 loaders only)" : "\(v) bytes (2.00/2.01 loaders only)"
        case "code32_start": text = "32-bit entry at \(hex(v, digits: 8))"
        case "ramdisk_image": text = v == 0 ? "no initrd (loader writes it)" : "initrd at \(hex(v, digits: 8))"
        case "ramdisk_size": text = v == 0 ? "no initrd" : "\(HumanSize.text(v))"
        case "bootsect_kludge": text = "obsolete"
        case "heap_end_ptr": text = v == 0 ? "0 (loader writes it with CAN_USE_HEAP)" : "heap ends at \(hex(v + 0x200)) from the real-mode start"
        case "ext_loader_ver", "ext_loader_type": text = "loader writes it"
        case "cmd_line_ptr": text = v == 0 ? "0 (loader writes it)" : "command line at \(hex(v, digits: 8))"
        case "initrd_addr_max": text = "highest initrd byte \(hex(v, digits: 8)) (\(HumanSize.text(v + 1)) - 1)"
        case "kernel_alignment": text = "\(HumanSize.text(v)) alignment when relocated"
        case "relocatable_kernel": text = v == 0 ? "no: runs at pref_address only" : "yes: loadable at any kernel_alignment boundary"
        case "min_alignment": text = v < 64 ? "2^\(v) = \(HumanSize.text(1 << v)) at least" : "invalid (\(v) >= 64)"
        case "cmdline_size": text = "command line up to \(v) characters"
        case "hardware_subarch":
            let names = ["PC", "lguest", "Xen", "Intel MID", "CE4100"]
            text = v < UInt64(names.count) ? names[Int(v)] : "subarch \(v)"
        case "hardware_subarch_data": text = v == 0 ? "none" : "pointer \(hex(v))"
        case "payload_offset":
            text = v == 0 ? "none" : "at file offset \(hex(realMode + v))\(payload.map { " (\($0.format))" } ?? "")"
        case "payload_length": text = HumanSize.text(v)
        case "setup_data": text = v == 0 ? "no setup_data list (loader writes it)" : "setup_data list at \(hex(v))"
        case "pref_address": text = "preferred load address (\(HumanSize.text(v)))"
        case "init_size": text = "\(HumanSize.text(v)) used from the load address"
        case "handover_offset":
            // boot.rst: the 32-bit entry at part + offset, the 64-bit one 0x200 further.
            var entries: [String] = []
            if h.xloadflags & 0x8 != 0 { entries.append("64-bit: file offset \(hex(realMode + 0x200 + v))") }
            if h.xloadflags & 0x4 != 0 { entries.append("32-bit: file offset \(hex(realMode + v))") }
            text = v == 0 ? "no EFI handover entry"
                : entries.isEmpty ? "EFI handover offset \(hex(v)), but no XLF_EFI_HANDOVER_32/64: loaders ignore it"
                : "EFI handover " + entries.joined(separator: ", ")
        case "kernel_info_offset": text = v == 0 ? "none" : "kernel_info at file offset \(hex(realMode + v))"
        default: text = ""
        }
        return text
    }

    // MARK: Text

    package func text(style: BoxDiagram.Style = .ascii) -> String {
        var out = "\(path): Linux/x86 boot image, protocol \(header.versionString), \(sizeText(fileSize))\n"
        if let kernelVersion {
            let lines = wrap(kernelVersion, width: BoxDiagram.maxWidth - 16)
            out += "kernel_version: " + lines[0] + "\n" + lines.dropFirst().map { String(repeating: " ", count: 14) + $0 + "\n" }.joined()
        }
        out += "\nsetup header (0x1f1..\(hex(headerEnd))):\n"
        let metaColumn = 2 + 6 + 2 + 22 + 2 + 18 + 2
        out += trimmedRight("  " + padded("offset", 6) + "  " + padded("field", 22) + "  " + padded("raw", 18) + "  meaning") + "\n"
        for f in fields where f.present {
            let raw = hex(f.raw, digits: f.field.size * 2)
            let lines = wrap(f.meaning, width: BoxDiagram.maxWidth - metaColumn)
            out += "  " + padded(hex(f.field.offset), 6) + "  " + padded(f.field.name, 22) + "  " + padded(raw, 18) + "  " + lines[0] + "\n"
            for more in lines.dropFirst() { out += String(repeating: " ", count: metaColumn) + more + "\n" }
        }
        let absent = fields.filter { !$0.present }
        if !absent.isEmpty {
            out += "  fields from \(hex(absent[0].field.offset)) on are past this header's end (\(hex(headerEnd)))\n"
        }
        out += "\nfile layout (file offset on the right, where loaders put it on the left):\n\n"
        out += diagram().render(style)
        if !warnings.isEmpty {
            out += "\n" + warningText(warnings)
        }
        if let pe {
            out += "\n" + pe.text()
        }
        if let packed {
            out += "\n" + packed.text(style: style)
        }
        if let partTable {
            out += "\n" + partTable.text()
        }
        return out
    }

    /// File offset increasing downward, as Jinue's image diagram draws it.
    package func diagram() -> BoxDiagram {
        func right(_ offset: UInt64) -> String { fullHex(offset, bits: 32) + " (" + HumanSize.text(offset) + ")" }
        func left(_ a: UInt64?) -> String { a.map { fullHex($0, bits: 32) } ?? "" }
        var d = BoxDiagram(top: .init(left: "", right: right(0)))
        d.headerLeft = "loaded at"
        d.headerRight = "file offset"
        for (i, p) in parts.enumerated() {
            let lines = ["\(p.name)  \(HumanSize.text(p.size))"] + p.notes.map { "  " + $0 }
            // A boundary shows the load address of the part below it, or else the end of the one above.
            let next = i + 1 < parts.count ? parts[i + 1].loadAddress : nil
            d.append(.init(lines), then: .init(left: left(next ?? p.loadAddress.map { $0 + p.size }), right: right(p.offset + p.size)))
        }
        return d
    }

    // MARK: JSON

    package func json() -> JSONValue {
        .object([
            ("protocol", .string(header.versionString)),
            ("headerEnd", .address(UInt64(headerEnd))),
            ("kernelVersion", .optional(kernelVersion)),
            ("setupSects", .int(header.effectiveSetupSects)),
            ("protectedModeOffset", .address(protectedModeOffset)),
            ("protectedModeSize", .address(protectedModeFileSize)),
            ("syssizeBytes", .address(syssizeBytes)),
            ("loadflags", .array(header.loadflagNames.map { .string($0) })),
            ("xloadflags", .array(header.xloadflagNames.map { .string($0) })),
            ("payload", payload.map { p in
                .object([("offset", .address(p.offset)), ("length", .address(p.length)), ("format", .string(p.format))])
            } ?? .null),
            ("fields", .array(fields.map { f in
                .object([
                    ("offset", .address(UInt64(f.field.offset))), ("size", .int(f.field.size)),
                    ("name", .string(f.field.name)), ("raw", .address(f.raw)), ("present", .bool(f.present)),
                    ("meaning", .string(f.meaning)),
                ])
            })),
            ("layout", .array(parts.map { p in
                .object([
                    ("name", .string(p.name)), ("offset", .address(p.offset)), ("size", .address(p.size)),
                    ("loadAddress", p.loadAddress.map { .address($0) } ?? .null),
                ])
            })),
            ("kimage", packed?.json() ?? .null),
            ("pe", pe?.json() ?? .null),
            ("partTable", partTable?.json() ?? .null),
        ])
    }
}
