import CLibELF

/// libelf needs elf_version() once per process before any other call.
private let libelfReady: Bool = elf_version(UInt32(EV_CURRENT)) != UInt32(EV_NONE)

/// A kernel ELF read through libelf. Construction checks everything the rest of kimage relies on
/// (identity, machine, header tables and section bytes inside the file), so later code can trust
/// offsets and sizes: libelf itself trusts them.
public final class ELFFile: @unchecked Sendable {
    public let file: FileBytes
    public var path: String { file.path }
    public var bytes: UnsafeRawBufferPointer { file.bytes }

    public let elfClass: ELFClass
    public let machine: ELFMachine
    /// e_type: 1 REL, 2 EXEC, 3 DYN.
    public let type: UInt16
    public let entry: UInt64
    public let sections: [ELFSection]
    public let segments: [ELFSegment]

    private let elf: OpaquePointer

    public convenience init(path: String) throws {
        try self.init(file: FileBytes(path: path))
    }

    /// Reads only what describes the file: the ELF header, the program and section header
    /// tables and the section name table. For `pack`, which copies segment bytes file to file;
    /// symbols and section contents of such an ELFFile are not loaded (`file.isPartial`).
    public convenience init(headersOf path: String) throws {
        let file = try FileBytes(partOf: path)
        let raw = file.bytes
        try file.load(offset: 0, count: 64)
        if raw.count > 4, raw[0] == 0x7F, raw[4] == 1 || raw[4] == 2, let t = ELFHeaderTables(raw, is64: raw[4] == 2) {
            try file.load(offset: t.phoff, count: t.phnum * t.programHeaderSize)
            if t.shoff != 0 && (t.shnum == 0 || t.shstrndx == 0xFFFF || t.phnum == 0xFFFF) {
                // Extended numbering keeps the counts in section 0: simplest to read everything.
                try file.load(offset: 0, count: UInt64(raw.count))
            } else if t.shoff != 0 {
                try file.load(offset: t.shoff, count: t.shnum * t.sectionHeaderSize)
                if t.shstrndx < t.shnum,
                   let (o, n) = Self.offsetAndSize(raw, at: t.shoff &+ t.shstrndx * t.sectionHeaderSize, is64: raw[4] == 2) {
                    try file.load(offset: o, count: n)
                }
            }
        }
        try self.init(file: file)
    }

    /// sh_offset and sh_size of the section header at `at`, when it lies in the file.
    private static func offsetAndSize(_ raw: UnsafeRawBufferPointer, at: UInt64, is64: Bool) -> (UInt64, UInt64)? {
        guard at < UInt64(raw.count),
              let h = ELFLayouts.sectionHeader(is64: is64).decode(raw, at: Int(at), into: ELFSectionHeaderFields()) else { return nil }
        return (h.offset, h.size)
    }

    public init(file: FileBytes) throws {
        self.file = file
        let path = file.path
        let raw = file.bytes
        let size = UInt64(raw.count)
        func fail(_ e: ELFError) -> KImageError { .elf(e) }

        let magic = [0x7F, 0x45, 0x4C, 0x46] as [UInt8]
        guard raw.count >= 4, Array(raw[0..<4]) == magic else {
            let shown = raw.prefix(4).map { String($0, radix: 16).leftPadded(2) }.joined(separator: " ")
            throw fail(.notELF(path: path, found: shown.isEmpty ? "nothing" : shown))
        }
        guard raw.count >= 16 else {
            throw fail(.truncated(path: path, what: "the ELF identification", needed: 16, size: size))
        }
        let cls: ELFClass
        switch raw[4] {
        case 1: cls = .elf32
        case 2: cls = .elf64
        default: throw fail(.unsupportedClass(path: path, value: raw[4]))
        }
        if raw[5] == 2 { throw fail(.bigEndian(path: path)) }
        guard raw[5] == 1 else {
            throw fail(.malformed(path: path, field: "EI_DATA", value: String(raw[5]), detail: "is neither 1 (little-endian) nor 2 (big-endian)"))
        }
        let ehdrSize: UInt64 = cls == .elf64 ? 64 : 52
        guard size >= ehdrSize else {
            throw fail(.truncated(path: path, what: "the \(cls.rawValue) header", needed: ehdrSize, size: size))
        }
        let rawMachine = raw.loadLE(UInt16.self, at: 18)!
        let mach: ELFMachine
        switch rawMachine {
        case 3: mach = .i386
        case 62: mach = .x86_64
        default: throw fail(.unsupportedMachine(path: path, machine: rawMachine))
        }
        if (cls == .elf32) != (mach == .i386) {
            throw fail(.classMachineMismatch(path: path, elfClass: cls.rawValue, machine: mach.rawValue))
        }
        // Header tables must lie inside the file before libelf is allowed to read them.
        let tables = ELFHeaderTables(raw, is64: cls == .elf64)!
        let (phoff, shoff, phentsize, shentsize) = (tables.phoff, tables.shoff, tables.phentsize, tables.shentsize)
        let (phnumField, shnumField) = (tables.phnum, tables.shnum)
        let (wantPh, wantSh) = (tables.programHeaderSize, tables.sectionHeaderSize)
        if phnumField > 0 && phentsize != wantPh {
            throw fail(.malformed(path: path, field: "e_phentsize", value: String(phentsize), detail: "differs from the \(wantPh) bytes of an \(cls.rawValue) program header"))
        }
        if shoff != 0 && shentsize != wantSh {
            throw fail(.malformed(path: path, field: "e_shentsize", value: String(shentsize), detail: "differs from the \(wantSh) bytes of an \(cls.rawValue) section header"))
        }
        var sectionCount: UInt64 = 0
        // libelf would read section headers from offset 0, the ELF header itself.
        if shoff == 0 && shnumField != 0 {
            throw fail(.malformed(path: path, field: "e_shoff", value: "0", detail: "while e_shnum is \(shnumField): the section header table has no place in the file"))
        }
        if shoff != 0 {
            // The real count may live in section 0's sh_size (extended numbering).
            let (firstEnd, o1) = shoff.addingReportingOverflow(wantSh)
            if o1 || firstEnd > size {
                throw fail(.truncated(path: path, what: "the section header table at e_shoff \(hex(shoff))", needed: o1 ? UInt64.max : firstEnd, size: size))
            }
            var count = shnumField
            if count == 0 {
                count = ELFLayouts.sectionHeader(is64: cls == .elf64).decode(raw, at: Int(shoff), into: ELFSectionHeaderFields())!.size
            }
            let (product, o2) = count.multipliedReportingOverflow(by: wantSh)
            let (end, o3) = shoff.addingReportingOverflow(product)
            if o2 || o3 || end > size {
                throw fail(.truncated(path: path, what: "the section header table at e_shoff \(hex(shoff)) (\(count) entries)", needed: (o2 || o3) ? UInt64.max : end, size: size))
            }
            sectionCount = count
        }
        // e_phnum 0xFFFF (PN_XNUM) means the count is section 0's sh_info; libelf would silently
        // shorten a table that runs off the end, so the whole table is checked here.
        var segmentCount = phnumField
        if phnumField == 0xFFFF && sectionCount > 0 {
            segmentCount = ELFLayouts.sectionHeader(is64: cls == .elf64).decode(raw, at: Int(shoff), into: ELFSectionHeaderFields())!.info
        }
        if segmentCount > 0 {
            let (end, overflow) = phoff.addingReportingOverflow(segmentCount * wantPh)
            if overflow || end > size {
                throw fail(.truncated(path: path, what: "the program header table at e_phoff \(hex(phoff)) (\(segmentCount) entries)", needed: overflow ? UInt64.max : end, size: size))
            }
        }

        guard libelfReady else {
            throw fail(.libelf(path: path, call: "elf_version", message: String(cString: elf_errmsg(-1))))
        }
        guard let handle = elf_memory(file.storage.baseAddress!.assumingMemoryBound(to: CChar.self), file.storage.count) else {
            throw fail(.libelf(path: path, call: "elf_memory", message: String(cString: elf_errmsg(-1))))
        }
        var ehdr = GElf_Ehdr()
        guard elf_kind(handle) == ELF_K_ELF, gelf_getehdr(handle, &ehdr) != nil else {
            let message = String(cString: elf_errmsg(-1))
            elf_end(handle)
            throw fail(.libelf(path: path, call: "gelf_getehdr", message: message))
        }
        do {
            sections = try Self.readSections(handle, file: file, size: size, expected: sectionCount)
            segments = try Self.readSegments(handle, path: path, size: size, expected: segmentCount)
        } catch {
            elf_end(handle)
            throw error
        }
        elf = handle
        elfClass = cls
        machine = mach
        type = ehdr.e_type
        entry = ehdr.e_entry
    }

    deinit { elf_end(elf) }

    private static func readSections(_ elf: OpaquePointer, file: FileBytes, size: UInt64, expected: UInt64) throws -> [ELFSection] {
        let path = file.path
        var count = 0
        guard elf_getshdrnum(elf, &count) == 0 else {
            throw KImageError.elf(.libelf(path: path, call: "elf_getshdrnum", message: String(cString: elf_errmsg(-1))))
        }
        guard UInt64(count) == expected else {
            throw KImageError.elf(.malformed(path: path, field: "the section count (e_shnum, or section 0's sh_size)", value: String(expected), detail: "differs from the \(count) section headers libelf reads"))
        }
        guard count > 0 else { return [] }
        var strndx = 0
        guard elf_getshdrstrndx(elf, &strndx) == 0 else {
            throw KImageError.elf(.libelf(path: path, call: "elf_getshdrstrndx", message: String(cString: elf_errmsg(-1))))
        }
        if strndx >= count {
            throw KImageError.elf(.malformed(path: path, field: "e_shstrndx", value: String(strndx), detail: "is past the last of \(count) sections"))
        }
        // The name table is read in place; elf_strptr's checks (inside the table, NUL-terminated)
        // are the table's, made once, so a header costs an offset however long its name.
        var nameShdr = GElf_Shdr()
        guard let nameScn = elf_getscn(elf, strndx), gelf_getshdr(nameScn, &nameShdr) != nil else {
            throw KImageError.elf(.libelf(path: path, call: "gelf_getshdr(\(strndx))", message: String(cString: elf_errmsg(-1))))
        }
        var names: ELFStringTable?
        let (namesEnd, namesOverflow) = nameShdr.sh_offset.addingReportingOverflow(nameShdr.sh_size)
        if nameShdr.sh_type == 3 /* SHT_STRTAB */, !namesOverflow, namesEnd <= size, nameShdr.sh_size > 0 {
            names = ELFStringTable(file: file, offset: Int(nameShdr.sh_offset), size: Int(nameShdr.sh_size))
        }
        var result: [ELFSection] = []
        result.reserveCapacity(count)
        for i in 0..<count {
            var shdr = GElf_Shdr()
            guard let scn = elf_getscn(elf, i), gelf_getshdr(scn, &shdr) != nil else {
                throw KImageError.elf(.libelf(path: path, call: "gelf_getshdr(\(i))", message: String(cString: elf_errmsg(-1))))
            }
            var table: ELFStringTable?
            if i != 0 || shdr.sh_name != 0 {
                guard let names, names.holdsString(at: Int(shdr.sh_name)) else {
                    throw KImageError.elf(.malformed(path: path, field: "section \(i) sh_name", value: hex(shdr.sh_name), detail: "points outside the section name table"))
                }
                table = names
            }
            // For messages only: bounded, and computed only on the way to an error.
            var name: String { table?.shown(at: Int(shdr.sh_name)) ?? "" }
            // Every section but .bss-like ones is checked, SHT_NULL included: lookups that
            // ask only `holdsFileBytes` must be able to trust offset and size.
            if shdr.sh_type != ELFSection.typeNoBits {
                let (end, overflow) = shdr.sh_offset.addingReportingOverflow(shdr.sh_size)
                if overflow || end > size {
                    throw KImageError.elf(.truncated(path: path, what: "section \(i) (\(name.isEmpty ? "unnamed" : name)) at offset \(hex(shdr.sh_offset)), \(shdr.sh_size) bytes,", needed: overflow ? UInt64.max : end, size: size))
                }
            }
            if shdr.sh_link != 0 && Int(shdr.sh_link) >= count {
                throw KImageError.elf(.malformed(path: path, field: "section \(i) (\(name)) sh_link", value: String(shdr.sh_link), detail: "is past the last of \(count) sections"))
            }
            result.append(ELFSection(index: i, nameOffset: shdr.sh_name, names: table, type: shdr.sh_type, flags: shdr.sh_flags,
                                     address: shdr.sh_addr, offset: shdr.sh_offset, size: shdr.sh_size,
                                     link: shdr.sh_link, entrySize: shdr.sh_entsize, alignment: shdr.sh_addralign))
        }
        return result
    }

    private static func readSegments(_ elf: OpaquePointer, path: String, size: UInt64, expected: UInt64) throws -> [ELFSegment] {
        var count = 0
        guard elf_getphdrnum(elf, &count) == 0 else {
            throw KImageError.elf(.libelf(path: path, call: "elf_getphdrnum", message: String(cString: elf_errmsg(-1))))
        }
        // libelf shortens a program header table it cannot read instead of failing.
        guard UInt64(count) == expected else {
            throw KImageError.elf(.malformed(path: path, field: "the program header count (e_phnum, or section 0's sh_info)", value: String(expected), detail: "differs from the \(count) program headers libelf reads"))
        }
        var result: [ELFSegment] = []
        result.reserveCapacity(count)
        for i in 0..<count {
            var phdr = GElf_Phdr()
            guard gelf_getphdr(elf, Int32(i), &phdr) != nil else {
                throw KImageError.elf(.libelf(path: path, call: "gelf_getphdr(\(i))", message: String(cString: elf_errmsg(-1))))
            }
            if phdr.p_filesz > 0 {
                let (end, overflow) = phdr.p_offset.addingReportingOverflow(phdr.p_filesz)
                if overflow || end > size {
                    throw KImageError.elf(.truncated(path: path, what: "segment \(i) at offset \(hex(phdr.p_offset)), \(phdr.p_filesz) bytes,", needed: overflow ? UInt64.max : end, size: size))
                }
            }
            if phdr.p_type == ELFSegment.typeLoad && phdr.p_filesz > phdr.p_memsz {
                throw KImageError.elf(.malformed(path: path, field: "segment \(i) p_filesz", value: hex(phdr.p_filesz), detail: "exceeds its p_memsz \(hex(phdr.p_memsz))"))
            }
            result.append(ELFSegment(index: i, type: phdr.p_type, flags: phdr.p_flags, offset: phdr.p_offset,
                                     virtualAddress: phdr.p_vaddr, physicalAddress: phdr.p_paddr,
                                     fileSize: phdr.p_filesz, memorySize: phdr.p_memsz, alignment: phdr.p_align))
        }
        return result
    }

    // MARK: Lookups

    public func section(named name: String) -> ELFSection? {
        sections.first { $0.hasName(name) }
    }

    /// The allocated section holding `address` (the smallest, when several nest).
    public func section(containing address: UInt64, length: UInt64 = 1) -> ELFSection? {
        sections.filter { $0.isAlloc && $0.size > 0 && $0.contains(address: address, length: length) }
            .min { $0.size < $1.size }
    }

    public var loadSegments: [ELFSegment] { segments.filter(\.isLoad) }

    /// File offset where the ELF header and the program header table end (they come first in
    /// a file that loads its own headers).
    public var headersEnd: UInt64 {
        let header: UInt64 = elfClass == .elf64 ? 64 : 52
        guard let t = ELFHeaderTables(bytes, is64: elfClass == .elf64) else { return header }
        return max(header, t.phoff &+ t.phnum &* t.programHeaderSize)
    }

    /// The file offset holding the `length` bytes at virtual `address`, or nil when they are not
    /// all backed by file bytes (bss, unmapped, or straddling the end of a section).
    public func fileOffset(ofVirtualAddress address: UInt64, length: UInt64 = 1) -> UInt64? {
        if let s = sections.first(where: { $0.isAlloc && $0.holdsFileBytes && $0.contains(address: address, length: length) }) {
            return s.offset + (address - s.address)
        }
        for seg in segments where seg.isLoad && seg.fileSize >= length {
            if address >= seg.virtualAddress && address - seg.virtualAddress <= seg.fileSize - length {
                return seg.offset + (address - seg.virtualAddress)
            }
        }
        return nil
    }

    /// Bytes of the file, bounds-checked.
    public func fileBytes(at offset: UInt64, count: Int) -> [UInt8]? {
        precondition(!file.isPartial, "ELFFile(headersOf:) holds no section contents")
        guard count >= 0, offset <= UInt64(bytes.count), UInt64(count) <= UInt64(bytes.count) - offset else { return nil }
        return Array(bytes[Int(offset)..<Int(offset) + count])
    }

    // MARK: Symbols

    /// The symbol table: .symtab, or .dynsym when there is none.
    public func symbolTableSection() throws -> ELFSection {
        if let s = sections.first(where: { $0.type == ELFSection.typeSymtab }) { return s }
        if let s = sections.first(where: { $0.type == ELFSection.typeDynsym }) { return s }
        throw KImageError.elf(.noSymbolTable(path: path))
    }

    /// Every symbol of the symbol table, in table order, names resolved. Entry 0 (the null
    /// symbol) is left out. Name offsets are checked against the string table.
    public func symbols() throws -> [ELFSymbol] {
        var result: [ELFSymbol] = []
        try forEachSymbol { result.append($0) }
        return result
    }

    /// Walks the symbol table once without building an array (200,000-symbol kernels).
    public func forEachSymbol(_ body: (ELFSymbol) throws -> Void) throws {
        try forEachSymbolEntry { try body($0.symbol) }
    }

    /// Walks the symbol table leaving names in the string table: a walk that looks at addresses
    /// decodes only the names it keeps, so 100,000 symbols sharing one 2.4 MB name cost 100,000
    /// entries, not 240 GB of copies. Every name offset is checked against the table.
    public func forEachSymbolEntry(_ body: (ELFSymbolEntry) throws -> Void) throws {
        precondition(!file.isPartial, "ELFFile(headersOf:) holds no section contents")
        let symtab = try symbolTableSection()
        let entrySize: UInt64 = elfClass == .elf64 ? 24 : 16
        guard Int(symtab.link) < sections.count else {
            throw KImageError.elf(.malformed(path: path, field: "\(symtab.shownName) sh_link", value: String(symtab.link), detail: "names no section"))
        }
        let strtab = sections[Int(symtab.link)]
        guard strtab.holdsFileBytes else {
            throw KImageError.elf(.malformed(path: path, field: "\(symtab.shownName) sh_link", value: String(symtab.link), detail: "names \(strtab.shownName), which has no file bytes"))
        }
        let raw = bytes
        let strSize = Int(strtab.size)
        let names = ELFStringTable(file: file, offset: Int(strtab.offset), size: strSize)
        let count = Int(symtab.size / entrySize)
        let base = Int(symtab.offset)
        let is64 = elfClass == .elf64
        for i in 1..<max(count, 1) {
            let at = base + i * Int(entrySize)
            let nameOffset: UInt32, info: UInt8, shndx: UInt16, value: UInt64, size: UInt64
            if is64 {
                nameOffset = raw.loadLE(at: at)!
                info = raw[at + 4]
                shndx = raw.loadLE(at: at + 6)!
                value = raw.loadLE(at: at + 8)!
                size = raw.loadLE(at: at + 16)!
            } else {
                nameOffset = raw.loadLE(at: at)!
                value = UInt64(raw.loadLE(UInt32.self, at: at + 4)!)
                size = UInt64(raw.loadLE(UInt32.self, at: at + 8)!)
                info = raw[at + 12]
                shndx = raw.loadLE(at: at + 14)!
            }
            guard Int(nameOffset) < strSize else {
                throw KImageError.elf(.malformed(path: path, field: "symbol \(i) st_name", value: hex(nameOffset), detail: "points outside its string table \(strtab.shownName) (\(strSize) bytes)"))
            }
            guard names.holdsString(at: Int(nameOffset)) else {
                throw KImageError.elf(.malformed(path: path, field: "symbol \(i) st_name", value: hex(nameOffset), detail: "names a string that runs off the end of \(strtab.shownName)"))
            }
            try body(ELFSymbolEntry(index: i, nameOffset: Int(nameOffset), names: names, value: value, size: size,
                                    kind: ELFSymbol.Kind(rawValue: info & 0xF) ?? .other, binding: info >> 4, sectionIndex: shndx))
        }
    }

    // MARK: Writing

    /// Writes this file with `patches` applied to `destination` (atomically; the file itself
    /// when it is the same path). Patches must lie inside the file and must not overlap.
    public func write(applying patches: [BytePatch], to destination: String) throws {
        precondition(!file.isPartial, "ELFFile(headersOf:) holds no section contents")
        let sorted = patches.sorted { $0.offset < $1.offset }
        var cursor: UInt64 = 0
        let fileSize = UInt64(bytes.count)
        // Checked before the first byte is written: a bad patch is an error, never a crash.
        for p in sorted {
            let length = UInt64(p.bytes.count)
            guard p.offset <= fileSize, length <= fileSize - p.offset else {
                throw KImageError.elf(.patchOutsideFile(path: path, offset: p.offset, length: length, size: fileSize))
            }
            guard p.offset >= cursor else {
                throw KImageError.elf(.overlappingPatches(path: path, offset: p.offset, previousEnd: cursor))
            }
            cursor = p.offset + length
        }
        let raw = bytes
        let mode = file.mode
        try OutputFile.write(to: destination, mode: mode) { (sink: inout FileSink) throws in
            var at = 0
            for p in sorted {
                try sink.write(UnsafeRawBufferPointer(rebasing: raw[at..<Int(p.offset)]))
                try sink.write(p.bytes)
                at = Int(p.offset) + p.bytes.count
            }
            try sink.write(UnsafeRawBufferPointer(rebasing: raw[at..<raw.count]))
        }
    }
}

/// The ELF header's fields that locate the program and section header tables, as stored (the
/// counts before extended numbering is resolved). nil when the header is not all in `raw`.
struct ELFHeaderTables: Sendable {
    var phoff: UInt64 = 0
    var shoff: UInt64 = 0
    var phentsize: UInt64 = 0
    var phnum: UInt64 = 0
    var shentsize: UInt64 = 0
    var shnum: UInt64 = 0
    var shstrndx: UInt64 = 0
    /// What an entry of each table must measure in this class.
    var programHeaderSize: UInt64 = 0
    var sectionHeaderSize: UInt64 = 0

    init?(_ raw: UnsafeRawBufferPointer, is64: Bool) {
        let layout = is64 ? ELFLayouts.header64 : ELFLayouts.header32
        guard let t = layout.decode(raw, into: ELFHeaderTables(
            programHeaderSize: UInt64(is64 ? ELFLayouts.programHeader64Size : ELFLayouts.programHeader32Size),
            sectionHeaderSize: UInt64((is64 ? ELFLayouts.sectionHeader64 : ELFLayouts.sectionHeader32).size))) else { return nil }
        self = t
    }

    private init(programHeaderSize: UInt64, sectionHeaderSize: UInt64) {
        self.programHeaderSize = programHeaderSize
        self.sectionHeaderSize = sectionHeaderSize
    }
}
