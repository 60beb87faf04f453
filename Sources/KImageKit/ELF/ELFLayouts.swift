/// The ELF structures kimage reads itself (System V gABI, "ELF Header", "Sections", "Symbol
/// Table"), each field declared once with its place in both classes: the identification and
/// header fields the bounds pass checks before libelf is trusted with the file, the section
/// header fields extended numbering and the multiboot information's patched section headers
/// need, and the symbol entry the symbol walker reads (libelf's gelf_getsym would copy each of
/// 200,000 entries; the walker reads only st_name of most).
enum ELFLayouts {
    static let programHeader64Size = 56
    static let programHeader32Size = 32

    /// e_ident's first bytes, the same in both classes: they say which header layout follows.
    static let identification = BinaryLayout<ELFFileHeader>(cName: "Elf_Ident", nasmPrefix: "EI_", size: 16, [
        .field("ei_mag", at: 0, width: 4, \.magic, "0x7F 'E' 'L' 'F'"),
        .field("ei_class", at: 4, width: 1, \.classByte, "1 ELF32, 2 ELF64"),
        .field("ei_data", at: 5, width: 1, \.dataByte, "1 little-endian, 2 big-endian"),
    ])

    /// One field as both classes place it (the gABI's Elf64_* and Elf32_* structures name the
    /// same fields, with other offsets and widths): each field is written once, for both layouts.
    struct ClassField<Model>: Sendable {
        let name: String
        let at64: Int, width64: Int
        let at32: Int, width32: Int
        let path: WritableKeyPath<Model, UInt64> & Sendable
        let meaning: String

        init(_ name: String, elf64 at64: Int, _ width64: Int, elf32 at32: Int, _ width32: Int,
             _ path: WritableKeyPath<Model, UInt64> & Sendable, _ meaning: String) {
            self.name = name
            self.at64 = at64
            self.width64 = width64
            self.at32 = at32
            self.width32 = width32
            self.path = path
            self.meaning = meaning
        }
    }

    /// The layout of one class, its fields in that class's offset order.
    static func layout<Model>(_ fields: [ClassField<Model>], is64: Bool, cName: String, nasmPrefix: String, size: Int) -> BinaryLayout<Model> {
        let entries = fields.map { f -> (Int, LayoutEntry<Model>) in
            let (at, width) = is64 ? (f.at64, f.width64) : (f.at32, f.width32)
            return (at, .field(f.name, at: at, width: width, f.path, f.meaning))
        }
        return BinaryLayout(cName: cName, nasmPrefix: nasmPrefix, size: size, entries.sorted { $0.0 < $1.0 }.map(\.1))
    }

    static let headerFields: [ClassField<ELFFileHeader>] = [
        .init("e_type", elf64: 16, 2, elf32: 16, 2, \.type, "1 REL, 2 EXEC, 3 DYN"),
        .init("e_machine", elf64: 18, 2, elf32: 18, 2, \.machine, "3 EM_386, 62 EM_X86_64"),
        .init("e_entry", elf64: 24, 8, elf32: 24, 4, \.entry, "entry point address"),
        .init("e_phoff", elf64: 32, 8, elf32: 28, 4, \.phoff, "program header table's file offset"),
        .init("e_shoff", elf64: 40, 8, elf32: 32, 4, \.shoff, "section header table's file offset"),
        .init("e_phentsize", elf64: 54, 2, elf32: 42, 2, \.phentsize, "bytes per program header"),
        .init("e_phnum", elf64: 56, 2, elf32: 44, 2, \.phnum, "program headers (0xFFFF: in section 0's sh_info)"),
        .init("e_shentsize", elf64: 58, 2, elf32: 46, 2, \.shentsize, "bytes per section header"),
        .init("e_shnum", elf64: 60, 2, elf32: 48, 2, \.shnum, "section headers (0: in section 0's sh_size)"),
        .init("e_shstrndx", elf64: 62, 2, elf32: 50, 2, \.shstrndx, "section name table's index"),
    ]
    static let header64 = layout(headerFields, is64: true, cName: "Elf64_Ehdr", nasmPrefix: "EHDR64_", size: 64)
    static let header32 = layout(headerFields, is64: false, cName: "Elf32_Ehdr", nasmPrefix: "EHDR32_", size: 52)

    static func header(is64: Bool) -> BinaryLayout<ELFFileHeader> { is64 ? header64 : header32 }

    static let sectionHeaderFields: [ClassField<ELFSectionHeaderFields>] = [
        .init("sh_addr", elf64: 16, 8, elf32: 12, 4, \.address, "address at run time (0: not loaded)"),
        .init("sh_offset", elf64: 24, 8, elf32: 16, 4, \.offset, "file offset of the contents"),
        .init("sh_size", elf64: 32, 8, elf32: 20, 4, \.size, "bytes (section 0: the section count when e_shnum is 0)"),
        .init("sh_info", elf64: 44, 4, elf32: 28, 4, \.info, "section 0: the segment count when e_phnum is 0xFFFF"),
    ]
    static let sectionHeader64 = layout(sectionHeaderFields, is64: true, cName: "Elf64_Shdr", nasmPrefix: "SHDR64_", size: 64)
    static let sectionHeader32 = layout(sectionHeaderFields, is64: false, cName: "Elf32_Shdr", nasmPrefix: "SHDR32_", size: 40)

    static func sectionHeader(is64: Bool) -> BinaryLayout<ELFSectionHeaderFields> { is64 ? sectionHeader64 : sectionHeader32 }

    /// ELF32 moves st_info, st_other and st_shndx after st_size; the layouts sort by offset.
    static let symbolFields: [ClassField<ELFSymbolFields>] = [
        .init("st_name", elf64: 0, 4, elf32: 0, 4, \.nameOffset, "offset of the name in the linked string table"),
        .init("st_info", elf64: 4, 1, elf32: 12, 1, \.info, "binding (high nibble) and type (low nibble)"),
        .init("st_other", elf64: 5, 1, elf32: 13, 1, \.other, "visibility"),
        .init("st_shndx", elf64: 6, 2, elf32: 14, 2, \.sectionIndex, "section index; 0 undefined, 0xFFF1 absolute"),
        .init("st_value", elf64: 8, 8, elf32: 4, 4, \.value, "address"),
        .init("st_size", elf64: 16, 8, elf32: 8, 4, \.size, "bytes"),
    ]
    static let symbol64 = layout(symbolFields, is64: true, cName: "Elf64_Sym", nasmPrefix: "SYM64_", size: 24)
    static let symbol32 = layout(symbolFields, is64: false, cName: "Elf32_Sym", nasmPrefix: "SYM32_", size: 16)

    static func symbol(is64: Bool) -> BinaryLayout<ELFSymbolFields> { is64 ? symbol64 : symbol32 }
}

/// The section header fields kimage's own checks read (extended numbering, the name table) and
/// the multiboot information patches (sh_addr of the sections a loader carries).
struct ELFSectionHeaderFields: Sendable, Equatable {
    var address: UInt64 = 0
    var offset: UInt64 = 0
    var size: UInt64 = 0
    var info: UInt64 = 0
}

/// One symbol table entry's fields as stored (ELFLayouts.symbol64/symbol32).
struct ELFSymbolFields: Sendable, Equatable {
    var nameOffset: UInt64 = 0
    var info: UInt64 = 0
    var other: UInt64 = 0
    var sectionIndex: UInt64 = 0
    var value: UInt64 = 0
    var size: UInt64 = 0
}
