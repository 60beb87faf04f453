import CLibELF

/// libelf needs elf_version() once per process before any other call.
private let libelfReady: Bool = elf_version(UInt32(EV_CURRENT)) != UInt32(EV_NONE)

/// What describes a kernel ELF: the ELF header, the program and section header tables and the
/// section names, read through libelf after one bounds pass (CheckedELFHeader), so later code
/// can trust every offset and size. `ELFHeaders(path:)` reads nothing else: `pack` copies
/// segment bytes file to file. Symbols and section contents are ELFFile's, so code handed only
/// headers cannot ask for them.
package class ELFHeaders: @unchecked Sendable {
    package let file: FileBytes
    package var path: String { file.path }
    /// The file's bytes; of a headers-only read (`file.isPartial`) only the header ranges and
    /// what its user loaded with `file.load` hold the file, the rest reads as zeros.
    package var bytes: UnsafeRawBufferPointer { file.bytes }

    package let elfClass: ELFClass
    package let machine: ELFMachine
    /// e_type: 1 REL, 2 EXEC, 3 DYN.
    package let type: UInt16
    package let entry: UInt64
    package let sections: [ELFSection]
    package let segments: [ELFSegment]
    /// The ELF header as stored (the table counts before extended numbering).
    let header: ELFFileHeader

    private let elf: OpaquePointer

    /// Reads only the ELF header, the program and section header tables and the section name
    /// table; the rest of the file stays unread.
    package convenience init(path: String) throws {
        let file = try FileBytes(partOf: path)
        try Self.loadHeaderRanges(of: file)
        try self.init(file: file)
    }

    /// Loads what describes a partially read file: everything `init(file:)` looks at.
    static func loadHeaderRanges(of file: FileBytes) throws {
        let raw = file.bytes
        try file.load(offset: 0, count: 64)
        guard let h = ELFFileHeader(raw) else { return }
        try file.load(offset: h.phoff, count: h.phnum * h.programHeaderSize)
        guard h.shoff != 0 else { return }
        if h.shnum == 0 || h.shstrndx == 0xFFFF || h.phnum == 0xFFFF {
            // Extended numbering keeps the counts in section 0: simplest to read everything.
            try file.load(offset: 0, count: UInt64(raw.count))
            return
        }
        try file.load(offset: h.shoff, count: h.shnum * h.sectionHeaderSize)
        let at = h.shoff &+ h.shstrndx * h.sectionHeaderSize
        if h.shstrndx < h.shnum, at < UInt64(raw.count),
           let names = ELFLayouts.sectionHeader(is64: h.is64).decode(raw, at: Int(at), into: ELFSectionHeaderFields()) {
            try file.load(offset: names.offset, count: names.size)
        }
    }

    /// Checks `file` (CheckedELFHeader), then reads its section and program headers through
    /// libelf, checking each against the file before anything may use it.
    package init(file: FileBytes) throws {
        let checked = try CheckedELFHeader(file.bytes, path: file.path)
        let handle = try Self.openLibelf(file)
        do {
            sections = try Self.readSections(handle, file: file, expected: checked.sectionCount)
            segments = try Self.readSegments(handle, path: file.path, size: UInt64(file.count), expected: checked.segmentCount)
        } catch {
            elf_end(handle)
            throw error
        }
        self.file = file
        elf = handle
        header = checked.header
        elfClass = checked.elfClass
        machine = checked.machine
        type = UInt16(checked.header.type)
        entry = checked.header.entry
    }

    deinit { elf_end(elf) }

    private static func openLibelf(_ file: FileBytes) throws -> OpaquePointer {
        let path = file.path
        guard libelfReady else {
            throw ELFError.libelf(path: path, call: "elf_version", message: String(cString: elf_errmsg(-1)))
        }
        guard let handle = elf_memory(file.storage.baseAddress!.assumingMemoryBound(to: CChar.self), file.storage.count) else {
            throw ELFError.libelf(path: path, call: "elf_memory", message: String(cString: elf_errmsg(-1)))
        }
        var ehdr = GElf_Ehdr()
        guard elf_kind(handle) == ELF_K_ELF, gelf_getehdr(handle, &ehdr) != nil else {
            let message = String(cString: elf_errmsg(-1))
            elf_end(handle)
            throw ELFError.libelf(path: path, call: "gelf_getehdr", message: message)
        }
        return handle
    }

    private static func libelfFailure(_ path: String, _ call: String) -> ELFError {
        .libelf(path: path, call: call, message: String(cString: elf_errmsg(-1)))
    }

    private static func readSections(_ elf: OpaquePointer, file: FileBytes, expected: UInt64) throws -> [ELFSection] {
        let path = file.path
        var count = 0
        guard elf_getshdrnum(elf, &count) == 0 else { throw libelfFailure(path, "elf_getshdrnum") }
        guard UInt64(count) == expected else {
            throw ELFError.malformed(path: path, field: "the section count (e_shnum, or section 0's sh_size)", value: String(expected), detail: "differs from the \(count) section headers libelf reads")
        }
        guard count > 0 else { return [] }
        let names = try sectionNameTable(elf, file: file, count: count)
        var result: [ELFSection] = []
        result.reserveCapacity(count)
        for i in 0..<count {
            var shdr = GElf_Shdr()
            guard let scn = elf_getscn(elf, i), gelf_getshdr(scn, &shdr) != nil else { throw libelfFailure(path, "gelf_getshdr(\(i))") }
            result.append(try checkedSection(i, shdr, names: names, count: count, path: path, size: UInt64(file.count)))
        }
        return result
    }

    /// The section name table, read in place; elf_strptr's checks (inside the table,
    /// NUL-terminated) are the table's, made once, so a header costs an offset however long
    /// its name. nil when e_shstrndx names no string table with file bytes.
    private static func sectionNameTable(_ elf: OpaquePointer, file: FileBytes, count: Int) throws -> ELFStringTable? {
        let path = file.path
        var strndx = 0
        guard elf_getshdrstrndx(elf, &strndx) == 0 else { throw libelfFailure(path, "elf_getshdrstrndx") }
        if strndx >= count {
            throw ELFError.malformed(path: path, field: "e_shstrndx", value: String(strndx), detail: "is past the last of \(count) sections")
        }
        var nameShdr = GElf_Shdr()
        guard let nameScn = elf_getscn(elf, strndx), gelf_getshdr(nameScn, &nameShdr) != nil else {
            throw libelfFailure(path, "gelf_getshdr(\(strndx))")
        }
        let (namesEnd, namesOverflow) = nameShdr.sh_offset.addingReportingOverflow(nameShdr.sh_size)
        guard nameShdr.sh_type == 3 /* SHT_STRTAB */, !namesOverflow, namesEnd <= UInt64(file.count), nameShdr.sh_size > 0 else { return nil }
        return ELFStringTable(file: file, offset: Int(nameShdr.sh_offset), size: Int(nameShdr.sh_size))
    }

    /// Section `i` as libelf decoded it, once its name, bytes and link are known to be sound.
    private static func checkedSection(_ i: Int, _ shdr: GElf_Shdr, names: ELFStringTable?, count: Int, path: String,
                                       size: UInt64) throws -> ELFSection {
        var table: ELFStringTable?
        if i != 0 || shdr.sh_name != 0 {
            guard let names, names.holdsString(at: Int(shdr.sh_name)) else {
                throw ELFError.malformed(path: path, field: "section \(i) sh_name", value: hex(shdr.sh_name), detail: "points outside the section name table")
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
                throw ELFError.truncated(path: path, what: "section \(i) (\(name.isEmpty ? "unnamed" : name)) at offset \(hex(shdr.sh_offset)), \(shdr.sh_size) bytes,", needed: overflow ? UInt64.max : end, size: size)
            }
        }
        if shdr.sh_link != 0 && Int(shdr.sh_link) >= count {
            throw ELFError.malformed(path: path, field: "section \(i) (\(name)) sh_link", value: String(shdr.sh_link), detail: "is past the last of \(count) sections")
        }
        return ELFSection(index: i, nameOffset: shdr.sh_name, names: table, type: shdr.sh_type, flags: shdr.sh_flags,
                          address: shdr.sh_addr, offset: shdr.sh_offset, size: shdr.sh_size,
                          link: shdr.sh_link, entrySize: shdr.sh_entsize, alignment: shdr.sh_addralign)
    }

    private static func readSegments(_ elf: OpaquePointer, path: String, size: UInt64, expected: UInt64) throws -> [ELFSegment] {
        var count = 0
        guard elf_getphdrnum(elf, &count) == 0 else { throw libelfFailure(path, "elf_getphdrnum") }
        // libelf shortens a program header table it cannot read instead of failing.
        guard UInt64(count) == expected else {
            throw ELFError.malformed(path: path, field: "the program header count (e_phnum, or section 0's sh_info)", value: String(expected), detail: "differs from the \(count) program headers libelf reads")
        }
        var result: [ELFSegment] = []
        result.reserveCapacity(count)
        for i in 0..<count {
            var phdr = GElf_Phdr()
            guard gelf_getphdr(elf, Int32(i), &phdr) != nil else { throw libelfFailure(path, "gelf_getphdr(\(i))") }
            if phdr.p_filesz > 0 {
                let (end, overflow) = phdr.p_offset.addingReportingOverflow(phdr.p_filesz)
                if overflow || end > size {
                    throw ELFError.truncated(path: path, what: "segment \(i) at offset \(hex(phdr.p_offset)), \(phdr.p_filesz) bytes,", needed: overflow ? UInt64.max : end, size: size)
                }
            }
            if phdr.p_type == ELFSegment.typeLoad && phdr.p_filesz > phdr.p_memsz {
                throw ELFError.malformed(path: path, field: "segment \(i) p_filesz", value: hex(phdr.p_filesz), detail: "exceeds its p_memsz \(hex(phdr.p_memsz))")
            }
            result.append(ELFSegment(index: i, type: phdr.p_type, flags: phdr.p_flags, offset: phdr.p_offset,
                                     virtualAddress: phdr.p_vaddr, physicalAddress: phdr.p_paddr,
                                     fileSize: phdr.p_filesz, memorySize: phdr.p_memsz, alignment: phdr.p_align))
        }
        return result
    }

    // MARK: Lookups

    package func section(named name: String) -> ELFSection? {
        sections.first { $0.hasName(name) }
    }

    /// The allocated section holding `address` (the smallest, when several nest).
    package func section(containing address: UInt64, length: UInt64 = 1) -> ELFSection? {
        sections.filter { $0.isAlloc && $0.size > 0 && $0.contains(address: address, length: length) }
            .min { $0.size < $1.size }
    }

    package var loadSegments: [ELFSegment] { segments.filter(\.isLoad) }

    /// File offset where the ELF header and the program header table end (they come first in
    /// a file that loads its own headers).
    package var headersEnd: UInt64 { header.headersEnd }

    /// The file offset holding the `length` bytes at virtual `address`, or nil when they are not
    /// all backed by file bytes (bss, unmapped, or straddling the end of a section).
    package func fileOffset(ofVirtualAddress address: UInt64, length: UInt64 = 1) -> UInt64? {
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
}
