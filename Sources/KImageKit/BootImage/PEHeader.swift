/// The MZ stub, COFF header, PE32+ optional header and section table that make a boot image also
/// an EFI application, sharing file offsets 0x00..0x1EE with the boot sector the way Linux's
/// arch/x86/boot/header.S lays them out (shared/reference/uefi.md §1). Every field is declared
/// once in `PEFormat` (name, offset, width); encoding and decoding walk those tables.
package struct PEHeader: Sendable, Equatable {
    package static let dosMagic: UInt64 = 0x5A4D            // "MZ"
    package static let peSignature: UInt64 = 0x0000_4550    // "PE\0\0"
    package static let machineX64: UInt64 = 0x8664
    package static let machineI386: UInt64 = 0x014C
    package static let magicPE32Plus: UInt64 = 0x20B
    package static let subsystemEFIApplication: UInt64 = 10
    /// IMAGE_FILE_EXECUTABLE_IMAGE | LINE_NUMS_STRIPPED | DEBUG_STRIPPED, as Linux; never
    /// RELOCS_STRIPPED, which pins the image to ImageBase (OVMF then fails with "Not Found").
    package static let imageCharacteristics: UInt64 = 0x0206
    /// Six data directories: enough for sbsign (certificate = entry 4), short enough that the
    /// section table ends before the setup header at 0x1EF.
    package static let dataDirectoryCount = 6
    package static let dataDirectorySize = 8
    package static let sectionHeaderSize = 40
    package static let certificateDirectory = 4
    /// Where the headers end: the boot protocol owns 0x1EF onward (sentinel, then setup_sects).
    package static let limit = 0x1EF

    package struct Section: Sendable, Equatable {
        package var name: String
        package var virtualSize: UInt64
        package var virtualAddress: UInt64
        package var sizeOfRawData: UInt64
        package var pointerToRawData: UInt64
        package var characteristics: UInt64

        package init(name: String, virtualSize: UInt64, virtualAddress: UInt64, sizeOfRawData: UInt64,
                    pointerToRawData: UInt64, characteristics: UInt64) {
            self.name = name
            self.virtualSize = virtualSize
            self.virtualAddress = virtualAddress
            self.sizeOfRawData = sizeOfRawData
            self.pointerToRawData = pointerToRawData
            self.characteristics = characteristics
        }

        package static let code: UInt64 = 0x20
        package static let initializedData: UInt64 = 0x40
        package static let discardable: UInt64 = 0x0200_0000
        package static let execute: UInt64 = 0x2000_0000
        package static let read: UInt64 = 0x4000_0000
        package static let write: UInt64 = 0x8000_0000

        /// "CODE, EXECUTE, READ" for inspect.
        package var flagNames: [String] {
            [(Self.code, "CODE"), (Self.initializedData, "INITIALIZED_DATA"), (Self.discardable, "DISCARDABLE"),
             (Self.execute, "EXECUTE"), (Self.read, "READ"), (Self.write, "WRITE")]
                .filter { characteristics & $0.0 != 0 }.map(\.1)
        }
    }

    /// Every numeric field of the DOS, COFF and optional headers by its PE/COFF name; see
    /// `PEFormat` for where each lives.
    package var fields: [String: UInt64] = [:]
    /// (RVA or file offset, size) per data directory, entry 4 (certificates) holding a file offset.
    package var dataDirectories: [(UInt64, UInt64)] = []
    package var sections: [Section] = []

    package static func == (a: PEHeader, b: PEHeader) -> Bool {
        a.fields == b.fields && a.sections == b.sections
            && a.dataDirectories.map(\.0) == b.dataDirectories.map(\.0) && a.dataDirectories.map(\.1) == b.dataDirectories.map(\.1)
    }

    package init() {}

    package subscript(_ name: String) -> UInt64 {
        get { fields[name] ?? 0 }
        set { fields[name] = newValue }
    }

    package var peOffset: Int { Int(self["e_lfanew"]) }
    package var optionalHeaderOffset: Int { peOffset + PEFormat.coffSize }
    package var sectionTableOffset: Int { optionalHeaderOffset + Int(self["SizeOfOptionalHeader"]) }
    package var headersEnd: Int { sectionTableOffset + sections.count * Self.sectionHeaderSize }

    /// kimage's header for an image whose real-mode part is `realModeSize` bytes (a multiple of
    /// 4 KiB) followed by a protected-mode part of `protectedModeSize` bytes (a multiple of 512).
    /// File offset = RVA for every section, so the position-independent EFI stub finds the rest
    /// of the image both where the firmware maps it and in the file. `codeSize` bytes of the
    /// protected-mode part (a multiple of 4 KiB) are the stubs, the plan and the boot info.
    package static func kimage(realModeSize: Int, protectedModeSize: Int, codeSize: Int, entryPoint: Int) -> PEHeader {
        precondition(realModeSize % 4096 == 0 && protectedModeSize % 512 == 0 && codeSize % 4096 == 0)
        var h = PEHeader()
        h["e_magic"] = dosMagic
        h["e_lfanew"] = 0x40
        h["Signature"] = peSignature
        h["Machine"] = machineX64
        h["SizeOfOptionalHeader"] = UInt64(PEFormat.optionalSize + dataDirectoryCount * dataDirectorySize)
        h["Characteristics"] = imageCharacteristics
        h["Magic"] = magicPE32Plus
        let pm = UInt64(realModeSize)
        let code = UInt64(min(codeSize, protectedModeSize))
        let data = UInt64(protectedModeSize) - code
        h.sections.append(Section(name: ".text", virtualSize: code, virtualAddress: pm, sizeOfRawData: code,
                                  pointerToRawData: pm, characteristics: Section.code | Section.execute | Section.read))
        if data > 0 {
            h.sections.append(Section(name: ".data", virtualSize: data, virtualAddress: pm + code, sizeOfRawData: data,
                                      pointerToRawData: pm + code,
                                      characteristics: Section.initializedData | Section.read | Section.write))
        }
        h["SizeOfCode"] = code
        h["SizeOfInitializedData"] = data
        h["AddressOfEntryPoint"] = UInt64(entryPoint)
        h["BaseOfCode"] = pm
        h["ImageBase"] = 0
        h["SectionAlignment"] = 0x1000
        h["FileAlignment"] = 0x200
        // systemd-boot treats MajorImageVersion < 1 as a kernel too old for its initrd protocol.
        h["MajorImageVersion"] = 1
        h["SizeOfImage"] = alignUp(pm + UInt64(protectedModeSize), 0x1000)
        // The whole real-mode part: the firmware copies it and nothing executes it.
        h["SizeOfHeaders"] = pm
        h["Subsystem"] = subsystemEFIApplication
        h["NumberOfRvaAndSizes"] = UInt64(dataDirectoryCount)
        h.dataDirectories = Array(repeating: (0, 0), count: dataDirectoryCount)
        h["NumberOfSections"] = UInt64(h.sections.count)
        return h
    }

    /// Writes the headers into `image` (the boot sector's bytes) at their offsets.
    package func encode(into image: inout [UInt8]) {
        precondition(headersEnd <= Self.limit, "the PE headers reach into the setup header")
        func store(_ table: [PEField], base: Int) {
            for f in table { image.store(self[f.name], at: base + f.offset, width: f.width) }
        }
        store(PEFormat.dos, base: 0)
        store(PEFormat.coff, base: peOffset)
        store(PEFormat.optional, base: optionalHeaderOffset)
        for (i, d) in dataDirectories.enumerated() {
            let at = optionalHeaderOffset + PEFormat.optionalSize + i * Self.dataDirectorySize
            image.store(d.0, at: at, width: 4)
            image.store(d.1, at: at + 4, width: 4)
        }
        for (i, s) in sections.enumerated() {
            let at = sectionTableOffset + i * Self.sectionHeaderSize
            for f in PEFormat.section { image.store(s.value(of: f.name), at: at + f.offset, width: f.width) }
            let name = Array(s.name.utf8.prefix(8))
            image.replaceSubrange(at..<(at + 8), with: name + [UInt8](repeating: 0, count: 8 - name.count))
        }
    }

    /// Reads the headers of any PE image (kimage's, Linux's vmlinuz); nil when the file carries
    /// no "MZ" and "PE\0\0" or a structure runs past the end of `raw`.
    package init?(decoding raw: UnsafeRawBufferPointer) {
        func load(_ table: [PEField], base: Int, into h: inout PEHeader) -> Bool {
            for f in table {
                guard let v = raw.load(at: base + f.offset, width: f.width) else { return false }
                h[f.name] = v
            }
            return true
        }
        var h = PEHeader()
        guard load(PEFormat.dos, base: 0, into: &h), h["e_magic"] == Self.dosMagic,
              h.peOffset >= 0x40, load(PEFormat.coff, base: h.peOffset, into: &h), h["Signature"] == Self.peSignature,
              load(PEFormat.optional, base: h.optionalHeaderOffset, into: &h),
              h["Magic"] == Self.magicPE32Plus || h["Magic"] == 0x10B,
              h["NumberOfRvaAndSizes"] <= 16, h["NumberOfSections"] <= 96 else { return nil }
        let isPlus = h["Magic"] == Self.magicPE32Plus
        if !isPlus {
            // PE32 (IA-32): BaseOfData where ImageBase's high half is, 32-bit sizes after it.
            // kimage only writes PE32+; decode the fields that keep their names.
            h["ImageBase"] &= 0xFFFF_FFFF
        }
        let dirs = Int(h["NumberOfRvaAndSizes"])
        let dirBase = h.optionalHeaderOffset + (isPlus ? PEFormat.optionalSize : PEFormat.optionalSize - 0x10)
        for i in 0..<dirs {
            guard let a = raw.load(at: dirBase + i * 8, width: 4), let s = raw.load(at: dirBase + i * 8 + 4, width: 4) else { return nil }
            h.dataDirectories.append((a, s))
        }
        for i in 0..<Int(h["NumberOfSections"]) {
            let at = h.sectionTableOffset + i * Self.sectionHeaderSize
            guard at + Self.sectionHeaderSize <= raw.count else { return nil }
            var values: [String: UInt64] = [:]
            for f in PEFormat.section where f.name != "Name" { values[f.name] = raw.load(at: at + f.offset, width: f.width) }
            let nameBytes = (0..<8).map { raw[at + $0] }.prefix { $0 != 0 }
            h.sections.append(Section(name: String(decoding: nameBytes, as: UTF8.self),
                                      virtualSize: values["VirtualSize"] ?? 0, virtualAddress: values["VirtualAddress"] ?? 0,
                                      sizeOfRawData: values["SizeOfRawData"] ?? 0, pointerToRawData: values["PointerToRawData"] ?? 0,
                                      characteristics: values["Characteristics"] ?? 0))
        }
        self = h
    }

    package init?(decoding bytes: [UInt8]) {
        guard let h = bytes.withUnsafeBytes({ PEHeader(decoding: $0) }) else { return nil }
        self = h
    }
}

extension PEHeader.Section {
    func value(of field: String) -> UInt64 {
        switch field {
        case "VirtualSize": return virtualSize
        case "VirtualAddress": return virtualAddress
        case "SizeOfRawData": return sizeOfRawData
        case "PointerToRawData": return pointerToRawData
        case "Characteristics": return characteristics
        default: return 0
        }
    }
}

/// One field of a PE/COFF structure: its name in the Microsoft PE/COFF specification, its offset
/// from the start of its structure, its width in bytes.
package struct PEField: Sendable, Equatable {
    package let name: String
    package let offset: Int
    package let width: Int
}

/// The PE/COFF layouts kimage reads and writes, declared once (Microsoft PE/COFF specification,
/// "MS-DOS Stub", "COFF File Header", "Optional Header (Image Only)", "Section Table").
package enum PEFormat {
    /// The DOS header: only the two fields firmware reads (edk2 BasePeCoffLib).
    package static let dos: [PEField] = [
        .init(name: "e_magic", offset: 0x00, width: 2),
        .init(name: "e_lfanew", offset: 0x3C, width: 4),
    ]
    /// "PE\0\0" and the COFF file header, from e_lfanew.
    package static let coff: [PEField] = [
        .init(name: "Signature", offset: 0x00, width: 4),
        .init(name: "Machine", offset: 0x04, width: 2),
        .init(name: "NumberOfSections", offset: 0x06, width: 2),
        .init(name: "TimeDateStamp", offset: 0x08, width: 4),
        .init(name: "PointerToSymbolTable", offset: 0x0C, width: 4),
        .init(name: "NumberOfSymbols", offset: 0x10, width: 4),
        .init(name: "SizeOfOptionalHeader", offset: 0x14, width: 2),
        .init(name: "Characteristics", offset: 0x16, width: 2),
    ]
    package static let coffSize = 0x18
    /// The PE32+ optional header up to the data directories, from its start.
    package static let optional: [PEField] = [
        .init(name: "Magic", offset: 0x00, width: 2),
        .init(name: "MajorLinkerVersion", offset: 0x02, width: 1),
        .init(name: "MinorLinkerVersion", offset: 0x03, width: 1),
        .init(name: "SizeOfCode", offset: 0x04, width: 4),
        .init(name: "SizeOfInitializedData", offset: 0x08, width: 4),
        .init(name: "SizeOfUninitializedData", offset: 0x0C, width: 4),
        .init(name: "AddressOfEntryPoint", offset: 0x10, width: 4),
        .init(name: "BaseOfCode", offset: 0x14, width: 4),
        .init(name: "ImageBase", offset: 0x18, width: 8),
        .init(name: "SectionAlignment", offset: 0x20, width: 4),
        .init(name: "FileAlignment", offset: 0x24, width: 4),
        .init(name: "MajorOperatingSystemVersion", offset: 0x28, width: 2),
        .init(name: "MinorOperatingSystemVersion", offset: 0x2A, width: 2),
        .init(name: "MajorImageVersion", offset: 0x2C, width: 2),
        .init(name: "MinorImageVersion", offset: 0x2E, width: 2),
        .init(name: "MajorSubsystemVersion", offset: 0x30, width: 2),
        .init(name: "MinorSubsystemVersion", offset: 0x32, width: 2),
        .init(name: "Win32VersionValue", offset: 0x34, width: 4),
        .init(name: "SizeOfImage", offset: 0x38, width: 4),
        .init(name: "SizeOfHeaders", offset: 0x3C, width: 4),
        .init(name: "CheckSum", offset: 0x40, width: 4),
        .init(name: "Subsystem", offset: 0x44, width: 2),
        .init(name: "DllCharacteristics", offset: 0x46, width: 2),
        .init(name: "SizeOfStackReserve", offset: 0x48, width: 8),
        .init(name: "SizeOfStackCommit", offset: 0x50, width: 8),
        .init(name: "SizeOfHeapReserve", offset: 0x58, width: 8),
        .init(name: "SizeOfHeapCommit", offset: 0x60, width: 8),
        .init(name: "LoaderFlags", offset: 0x68, width: 4),
        .init(name: "NumberOfRvaAndSizes", offset: 0x6C, width: 4),
    ]
    /// Bytes of the PE32+ optional header before its data directories.
    package static let optionalSize = 0x70
    /// One section header (40 bytes).
    package static let section: [PEField] = [
        .init(name: "Name", offset: 0x00, width: 8),
        .init(name: "VirtualSize", offset: 0x08, width: 4),
        .init(name: "VirtualAddress", offset: 0x0C, width: 4),
        .init(name: "SizeOfRawData", offset: 0x10, width: 4),
        .init(name: "PointerToRawData", offset: 0x14, width: 4),
        .init(name: "PointerToRelocations", offset: 0x18, width: 4),
        .init(name: "PointerToLinenumbers", offset: 0x1C, width: 4),
        .init(name: "NumberOfRelocations", offset: 0x20, width: 2),
        .init(name: "NumberOfLinenumbers", offset: 0x22, width: 2),
        .init(name: "Characteristics", offset: 0x24, width: 4),
    ]
    package static let dataDirectoryNames = ["Export", "Import", "Resource", "Exception", "Certificate", "BaseRelocation",
                                            "Debug", "Architecture", "GlobalPtr", "TLS", "LoadConfig", "BoundImport",
                                            "IAT", "DelayImport", "CLRRuntime", "Reserved"]
}

extension Array where Element == UInt8 {
    /// Stores the low `width` bytes of `value`, little-endian.
    mutating func store(_ value: UInt64, at offset: Int, width: Int) {
        for i in 0..<width { self[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }
}

extension UnsafeRawBufferPointer {
    /// `width` little-endian bytes at `offset`; nil past the end.
    func load(at offset: Int, width: Int) -> UInt64? {
        guard offset >= 0, width <= 8, offset + width <= count else { return nil }
        var v: UInt64 = 0
        for i in (0..<width).reversed() { v = v << 8 | UInt64(self[offset + i]) }
        return v
    }
}
