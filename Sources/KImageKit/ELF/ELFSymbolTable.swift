/// The symbol table (.symtab, else .dynsym) and its string table, located and checked once; the
/// one walker over its entries, decoded through ELFLayouts.symbol64/symbol32. Every entry's
/// st_name is checked against the string table before the entry is handed on.
struct ELFSymbolTable {
    let symtab: ELFSection
    let strtab: ELFSection
    let names: ELFStringTable
    let count: Int
    private let raw: UnsafeRawBufferPointer
    private let base: Int
    private let entrySize: Int
    private let path: String
    // The declared fields, looked up once: the walk reads them without key paths.
    private let nameField, infoField, shndxField, valueField, sizeField: LayoutField
    /// st_name's offset in an entry (4 bytes wide in both classes): the one field every entry's
    /// walk reads, loaded directly rather than through LayoutField's width switch.
    private let nameAt: Int

    /// The table sections of `elf`; throws when there is no symbol table or its sh_link names
    /// no string table with file bytes.
    init(_ elf: ELFFile) throws {
        path = elf.path
        guard let symtab = elf.sections.first(where: { $0.type == ELFSection.typeSymtab })
            ?? elf.sections.first(where: { $0.type == ELFSection.typeDynsym }) else {
            throw ELFError.noSymbolTable(path: path)
        }
        guard Int(symtab.link) < elf.sections.count else {
            throw ELFError.malformed(path: path, field: "\(symtab.shownName) sh_link", value: String(symtab.link), detail: "names no section")
        }
        let strtab = elf.sections[Int(symtab.link)]
        guard strtab.holdsFileBytes else {
            throw ELFError.malformed(path: path, field: "\(symtab.shownName) sh_link", value: String(symtab.link), detail: "names \(strtab.shownName), which has no file bytes")
        }
        let layout = ELFLayouts.symbol(is64: elf.elfClass == .elf64)
        (self.symtab, self.strtab) = (symtab, strtab)
        (raw, base, entrySize) = (elf.bytes, Int(symtab.offset), layout.size)
        count = Int(symtab.size / UInt64(layout.size))
        names = ELFStringTable(file: elf.file, offset: Int(strtab.offset), size: Int(strtab.size))
        nameField = layout[\ELFSymbolFields.nameOffset]
        infoField = layout[\ELFSymbolFields.info]
        shndxField = layout[\ELFSymbolFields.sectionIndex]
        valueField = layout[\ELFSymbolFields.value]
        sizeField = layout[\ELFSymbolFields.size]
        precondition(nameField.width == 4, "st_name is an Elf32_Word/Elf64_Word in both classes")
        nameAt = nameField.offset
    }

    /// Calls `body` with each entry's index and checked st_name, in table order, entry 0 (the
    /// null symbol) left out.
    func forEachName(_ body: (_ index: Int, _ nameOffset: Int) throws -> Void) throws {
        var i = 1
        while i < count {
            try body(i, try nameOffset(of: i))
            i += 1
        }
    }

    /// Entry `i`'s st_name, checked: it starts a NUL-terminated string of the string table.
    @inline(__always)
    func nameOffset(of i: Int) throws -> Int {
        // `count` entries fit in the section, which ELFFile checked lies inside the file.
        let nameOffset = Int(UInt32(littleEndian: raw.baseAddress!.loadUnaligned(fromByteOffset: base + i * entrySize + nameAt, as: UInt32.self)))
        guard names.holdsString(at: nameOffset) else { throw badName(i, nameOffset) }
        return nameOffset
    }

    private func badName(_ i: Int, _ nameOffset: Int) -> ELFError {
        nameOffset >= names.size
            ? ELFError.malformed(path: path, field: "symbol \(i) st_name", value: hex(nameOffset), detail: "points outside its string table \(strtab.shownName) (\(names.size) bytes)")
            : ELFError.malformed(path: path, field: "symbol \(i) st_name", value: hex(nameOffset), detail: "names a string that runs off the end of \(strtab.shownName)")
    }

    /// Entry `index` (one `forEachName` handed on), its name left in the string table.
    func entry(_ index: Int, nameOffset: Int) -> ELFSymbolEntry {
        let at = base + index * entrySize
        let info = UInt8(infoField.load(from: raw, base: at)!)
        return ELFSymbolEntry(index: index, nameOffset: nameOffset, names: names, value: valueField.load(from: raw, base: at)!,
                              size: sizeField.load(from: raw, base: at)!, kind: ELFSymbol.Kind(rawValue: info & 0xF) ?? .other,
                              binding: info >> 4, sectionIndex: UInt16(shndxField.load(from: raw, base: at)!))
    }
}
