/// `kimage inspect`'s PE view of a hybrid image (kimage's, or a Linux bzImage with its EFI stub):
/// the COFF and PE32+ optional header fields firmware checks, the sections, the data directories
/// in use (a Secure Boot signature is directory 4), and for kimage images the EFI stub's
/// parameters. Problems firmware would refuse (shared/reference/uefi.md §1.4) are warnings.
package struct PEInspection: Sendable {
    package let header: PEHeader
    /// The kimage EFI stub's parameters and its file offset, when the entry point lands in one.
    package let stub: EFIStub?
    package let stubOffset: UInt64?
    package let warnings: [String]

    /// nil when the file has no "MZ" and "PE\0\0" header.
    init?(raw: UnsafeRawBufferPointer, protectedModeOffset: Int) {
        guard let h = PEHeader(decoding: raw) else { return nil }
        header = h
        var warnings: [String] = []
        let size = UInt64(raw.count)
        if h["Machine"] != PEHeader.machineX64 {
            warnings.append("machine \(hex(h["Machine"], digits: 4)) is not x86-64 (0x8664): 64-bit firmware loads it and StartImage fails with Unsupported")
        }
        if h["Subsystem"] != PEHeader.subsystemEFIApplication {
            warnings.append("subsystem \(h["Subsystem"]) is not 10 (EFI application): the boot manager skips the file (Not Found)")
        }
        if h["SizeOfOptionalHeader"] != UInt64(PEFormat.optionalSize) + 8 * h["NumberOfRvaAndSizes"] && h["Magic"] == PEHeader.magicPE32Plus {
            warnings.append("SizeOfOptionalHeader \(hex(h["SizeOfOptionalHeader"])) disagrees with \(h["NumberOfRvaAndSizes"]) data directories: edk2 refuses it (Unsupported)")
        }
        if h.headersEnd > PEHeader.limit && raw.count > 0x202 && raw.loadLE(UInt32.self, at: 0x202) == SetupHeader.headerMagic {
            warnings.append("the section table ends at \(hex(h.headersEnd)), inside the setup header at 0x1F1")
        }
        if h["Characteristics"] & 1 != 0 {
            warnings.append("relocations are stripped: firmware must load it at ImageBase \(hex(h["ImageBase"])) and fails when that memory is taken")
        }
        for s in h.sections {
            if s.virtualAddress + s.virtualSize > h["SizeOfImage"] {
                warnings.append("section \(s.name) ends at RVA \(hex(s.virtualAddress + s.virtualSize)), past SizeOfImage \(hex(h["SizeOfImage"])): edk2 fails with Load Error")
            }
            if s.sizeOfRawData > 0 && s.pointerToRawData + s.sizeOfRawData > size {
                warnings.append("section \(s.name)'s raw bytes run to file offset \(hex(s.pointerToRawData + s.sizeOfRawData)), past the end of the file")
            }
        }
        let entry = h["AddressOfEntryPoint"]
        if !h.sections.contains(where: { entry >= $0.virtualAddress && entry < $0.virtualAddress + $0.virtualSize }) {
            warnings.append("the entry point RVA \(hex(entry)) lies in no section")
        }
        // kimage's stub: "KEFI" and the entry's own offset at the stub's start (file offset = RVA).
        var stub: EFIStub?
        var stubOffset: UInt64?
        let assumedStart = Int(entry) - Int(EFIStub.assembledEntry)
        for start in Set([assumedStart, Int(entry) - 0x20]) where start >= protectedModeOffset {
            if let s = EFIStub(decoding: raw, at: start), Int(s.entry) == Int(entry) - start {
                stub = s
                stubOffset = UInt64(start)
                break
            }
        }
        self.stub = stub
        self.stubOffset = stubOffset
        self.warnings = warnings
    }

    static let shownFields = ["Machine", "NumberOfSections", "Characteristics", "Magic", "AddressOfEntryPoint", "ImageBase",
                              "SectionAlignment", "FileAlignment", "MajorImageVersion", "SizeOfImage", "SizeOfHeaders",
                              "CheckSum", "Subsystem", "DllCharacteristics", "NumberOfRvaAndSizes"]

    func meaning(_ name: String) -> String {
        let v = header[name]
        switch name {
        case "Machine": return v == PEHeader.machineX64 ? "x86-64" : v == PEHeader.machineI386 ? "i386" : "unknown"
        case "Characteristics": return v & 1 == 0 ? "executable, relocatable (loads anywhere)" : "executable, relocations stripped"
        case "Magic": return v == PEHeader.magicPE32Plus ? "PE32+" : v == 0x10B ? "PE32" : "unknown"
        case "AddressOfEntryPoint": return stub != nil ? "the kimage EFI stub" : "the EFI entry (MS x64 ABI)"
        case "Subsystem": return v == 10 ? "EFI application" : v == 11 ? "EFI boot service driver" : "not an EFI application"
        case "DllCharacteristics": return v & 0x100 != 0 ? "NX_COMPAT" : "none"
        case "MajorImageVersion": return v >= 1 ? "systemd-boot passes the initrd via LoadFile2" : "systemd-boot falls back to the handover entry"
        case "CheckSum": return v == 0 ? "not set (firmware ignores it)" : "set (sbsign writes it)"
        case "SizeOfHeaders": return "copied from file offset 0 to the image base"
        default: return ""
        }
    }

    package func text() -> String {
        let h = header
        var out = "PE32+ view (e_lfanew \(hex(h.peOffset)), section table \(hex(h.sectionTableOffset))..\(hex(h.headersEnd))):\n"
        for name in Self.shownFields {
            let m = meaning(name)
            out += (m.isEmpty ? "  " + padded(name, 22) + "  " + hex(h[name]) : "  " + padded(name, 22) + "  " + padded(hex(h[name]), 12) + "  " + m) + "\n"
        }
        out += "  sections:\n"
        out += "    name      RVA         size        file offset raw size    flags\n"
        for s in h.sections {
            out += "    " + padded(s.name, 8) + "  " + padded(hex(s.virtualAddress, digits: 8), 10) + "  " + padded(hex(s.virtualSize), 10)
                + "  " + padded(hex(s.pointerToRawData, digits: 8), 10) + "  " + padded(hex(s.sizeOfRawData), 10) + "  "
                + s.flagNames.joined(separator: " ") + "\n"
        }
        let used = h.dataDirectories.enumerated().filter { $0.element.1 != 0 }
        if used.isEmpty {
            out += "  data directories: none in use (no imports, no relocations, not signed)\n"
        } else {
            for (i, d) in used {
                let name = i < PEFormat.dataDirectoryNames.count ? PEFormat.dataDirectoryNames[i] : "entry \(i)"
                let at = i == PEHeader.certificateDirectory ? "file offset" : "RVA"
                out += "  data directory \(i) \(name): \(at) \(hex(d.0)), \(d.1) bytes"
                    + (i == PEHeader.certificateDirectory ? " (Authenticode signature)" : "") + "\n"
            }
        }
        if let stub, let stubOffset {
            out += "  EFI stub at file offset \(hex(stubOffset)): copies \(stub.pmSize) bytes to \(hex(UInt64(stub.runtimeBase), digits: 8)), "
                + "boot info at \(hex(UInt64(stub.bootInfo), digits: 8))\n"
            out += "  allocates before anything else: "
                + stub.ranges.map { hex(UInt64($0.start), digits: 8) + ".." + hex($0.end, digits: 8) }.joined(separator: ", ") + "\n"
            if stub.handover != 0 {
                out += "  EFI handover entry (GRUB linuxefi; SysV: image handle, system table, boot_params) at file offset "
                    + "\(hex(UInt64(stubOffset) + UInt64(stub.handover)))\n"
            }
        }
        if !warnings.isEmpty { out += warningText(warnings) }
        return out
    }

    package func json() -> JSONValue {
        let h = header
        return .object([
            ("peOffset", .address(UInt64(h.peOffset))),
            ("fields", .object(Self.shownFields.map { ($0, .address(h[$0])) })),
            ("sections", .array(h.sections.map { s in
                .object([("name", .string(s.name)), ("virtualAddress", .address(s.virtualAddress)), ("virtualSize", .address(s.virtualSize)),
                         ("pointerToRawData", .address(s.pointerToRawData)), ("sizeOfRawData", .address(s.sizeOfRawData)),
                         ("flags", .array(s.flagNames.map { .string($0) }))])
            })),
            ("dataDirectories", .array(h.dataDirectories.map { .object([("address", .address($0.0)), ("size", .address($0.1))]) })),
            ("efiStub", stub.map { s in
                .object([("fileOffset", .address(stubOffset ?? 0)), ("runtimeBase", .address(UInt64(s.runtimeBase))),
                         ("bootInfo", .address(UInt64(s.bootInfo))), ("protectedModeSize", .address(UInt64(s.pmSize))),
                         ("ranges", .array(s.ranges.map { .object([("start", .address(UInt64($0.start))), ("end", .address($0.end))]) }))])
            } ?? .null),
            ("warnings", .array(warnings.map { .string($0) })),
        ])
    }
}
