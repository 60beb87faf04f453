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
        func store(_ table: [LayoutField], base: Int) {
            for f in table { f.store(self[f.name], into: &image, base: base) }
        }
        store(PEFormat.dos, base: 0)
        store(PEFormat.coff, base: peOffset)
        store(PEFormat.optional, base: optionalHeaderOffset)
        for (i, d) in dataDirectories.enumerated() {
            let at = optionalHeaderOffset + PEFormat.optionalSize + i * Self.dataDirectorySize
            PEFormat.dataDirectory[0].store(d.0, into: &image, base: at)
            PEFormat.dataDirectory[1].store(d.1, into: &image, base: at)
        }
        for (i, s) in sections.enumerated() {
            let at = sectionTableOffset + i * Self.sectionHeaderSize
            for f in PEFormat.section { f.store(s.value(of: f.name), into: &image, base: at) }
            let name = Array(s.name.utf8.prefix(8))
            image.replaceSubrange(at..<(at + 8), with: name + [UInt8](repeating: 0, count: 8 - name.count))
        }
    }

    /// Reads the headers of any PE image (kimage's, Linux's vmlinuz); nil when the file carries
    /// no "MZ" and "PE\0\0" or a structure runs past the end of `raw`.
    package init?(decoding raw: UnsafeRawBufferPointer) {
        func load(_ table: [LayoutField], base: Int, into h: inout PEHeader) -> Bool {
            for f in table {
                guard let v = f.load(from: raw, base: base) else { return false }
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
            let at = dirBase + i * Self.dataDirectorySize
            guard let a = PEFormat.dataDirectory[0].load(from: raw, base: at), let s = PEFormat.dataDirectory[1].load(from: raw, base: at) else { return nil }
            h.dataDirectories.append((a, s))
        }
        for i in 0..<Int(h["NumberOfSections"]) {
            let at = h.sectionTableOffset + i * Self.sectionHeaderSize
            guard at + Self.sectionHeaderSize <= raw.count else { return nil }
            var values: [String: UInt64] = [:]
            for f in PEFormat.section where f.name != "Name" { values[f.name] = f.load(from: raw, base: at) }
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


/// The PE/COFF layouts kimage reads and writes, declared once (Microsoft PE/COFF specification,
/// "MS-DOS Stub", "COFF File Header", "Optional Header (Image Only)", "Section Table").
package enum PEFormat {
    /// A field by its name in the Microsoft PE/COFF specification, its offset from the start of
    /// its structure and its width; the specification says what it means.
    static func field(_ name: String, _ offset: Int, _ width: Int) -> LayoutField {
        LayoutField(name: name, offset: offset, width: width, meaning: "")
    }

    /// The DOS header: only the two fields firmware reads (edk2 BasePeCoffLib).
    package static let dos: [LayoutField] = [
        field("e_magic", 0x00, 2),
        field("e_lfanew", 0x3C, 4),
    ]
    /// "PE\0\0" and the COFF file header, from e_lfanew.
    package static let coff: [LayoutField] = [
        field("Signature", 0x00, 4),
        field("Machine", 0x04, 2),
        field("NumberOfSections", 0x06, 2),
        field("TimeDateStamp", 0x08, 4),
        field("PointerToSymbolTable", 0x0C, 4),
        field("NumberOfSymbols", 0x10, 4),
        field("SizeOfOptionalHeader", 0x14, 2),
        field("Characteristics", 0x16, 2),
    ]
    package static let coffSize = 0x18
    /// The PE32+ optional header up to the data directories, from its start.
    package static let optional: [LayoutField] = [
        field("Magic", 0x00, 2),
        field("MajorLinkerVersion", 0x02, 1),
        field("MinorLinkerVersion", 0x03, 1),
        field("SizeOfCode", 0x04, 4),
        field("SizeOfInitializedData", 0x08, 4),
        field("SizeOfUninitializedData", 0x0C, 4),
        field("AddressOfEntryPoint", 0x10, 4),
        field("BaseOfCode", 0x14, 4),
        field("ImageBase", 0x18, 8),
        field("SectionAlignment", 0x20, 4),
        field("FileAlignment", 0x24, 4),
        field("MajorOperatingSystemVersion", 0x28, 2),
        field("MinorOperatingSystemVersion", 0x2A, 2),
        field("MajorImageVersion", 0x2C, 2),
        field("MinorImageVersion", 0x2E, 2),
        field("MajorSubsystemVersion", 0x30, 2),
        field("MinorSubsystemVersion", 0x32, 2),
        field("Win32VersionValue", 0x34, 4),
        field("SizeOfImage", 0x38, 4),
        field("SizeOfHeaders", 0x3C, 4),
        field("CheckSum", 0x40, 4),
        field("Subsystem", 0x44, 2),
        field("DllCharacteristics", 0x46, 2),
        field("SizeOfStackReserve", 0x48, 8),
        field("SizeOfStackCommit", 0x50, 8),
        field("SizeOfHeapReserve", 0x58, 8),
        field("SizeOfHeapCommit", 0x60, 8),
        field("LoaderFlags", 0x68, 4),
        field("NumberOfRvaAndSizes", 0x6C, 4),
    ]
    /// Bytes of the PE32+ optional header before its data directories.
    package static let optionalSize = 0x70
    /// One section header (40 bytes).
    package static let section: [LayoutField] = [
        field("Name", 0x00, 8),
        field("VirtualSize", 0x08, 4),
        field("VirtualAddress", 0x0C, 4),
        field("SizeOfRawData", 0x10, 4),
        field("PointerToRawData", 0x14, 4),
        field("PointerToRelocations", 0x18, 4),
        field("PointerToLinenumbers", 0x1C, 4),
        field("NumberOfRelocations", 0x20, 2),
        field("NumberOfLinenumbers", 0x22, 2),
        field("Characteristics", 0x24, 4),
    ]
    /// One data directory entry (an RVA, or a file offset for the certificate table, and a size).
    package static let dataDirectory: [LayoutField] = [field("VirtualAddress", 0x00, 4), field("Size", 0x04, 4)]
    package static let dataDirectoryNames = ["Export", "Import", "Resource", "Exception", "Certificate", "BaseRelocation",
                                            "Debug", "Architecture", "GlobalPtr", "TLS", "LoadConfig", "BoundImport",
                                            "IAT", "DelayImport", "CLRRuntime", "Reserved"]
}
