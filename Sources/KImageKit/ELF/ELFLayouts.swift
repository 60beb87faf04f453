/// The ELF structures kimage reads itself (System V gABI, "ELF Header", "Sections", "Symbol
/// Table"), declared once per class: the identification and header fields the bounds pass
/// checks before libelf is trusted with the file, the section header fields extended numbering
/// and the multiboot information's patched section headers need, and the symbol entry the symbol walker reads (libelf's gelf_getsym would copy each of
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

    static let header64 = BinaryLayout<ELFFileHeader>(cName: "Elf64_Ehdr", nasmPrefix: "EHDR64_", size: 64, [
        .field("e_type", at: 16, width: 2, \.type, "1 REL, 2 EXEC, 3 DYN"),
        .field("e_machine", at: 18, width: 2, \.machine, "3 EM_386, 62 EM_X86_64"),
        .field("e_entry", at: 24, width: 8, \.entry, "entry point address"),
        .field("e_phoff", at: 32, width: 8, \.phoff, "program header table's file offset"),
        .field("e_shoff", at: 40, width: 8, \.shoff, "section header table's file offset"),
        .field("e_phentsize", at: 54, width: 2, \.phentsize, "bytes per program header"),
        .field("e_phnum", at: 56, width: 2, \.phnum, "program headers (0xFFFF: in section 0's sh_info)"),
        .field("e_shentsize", at: 58, width: 2, \.shentsize, "bytes per section header"),
        .field("e_shnum", at: 60, width: 2, \.shnum, "section headers (0: in section 0's sh_size)"),
        .field("e_shstrndx", at: 62, width: 2, \.shstrndx, "section name table's index"),
    ])

    static let header32 = BinaryLayout<ELFFileHeader>(cName: "Elf32_Ehdr", nasmPrefix: "EHDR32_", size: 52, [
        .field("e_type", at: 16, width: 2, \.type, "1 REL, 2 EXEC, 3 DYN"),
        .field("e_machine", at: 18, width: 2, \.machine, "3 EM_386, 62 EM_X86_64"),
        .field("e_entry", at: 24, width: 4, \.entry, "entry point address"),
        .field("e_phoff", at: 28, width: 4, \.phoff, "program header table's file offset"),
        .field("e_shoff", at: 32, width: 4, \.shoff, "section header table's file offset"),
        .field("e_phentsize", at: 42, width: 2, \.phentsize, "bytes per program header"),
        .field("e_phnum", at: 44, width: 2, \.phnum, "program headers (0xFFFF: in section 0's sh_info)"),
        .field("e_shentsize", at: 46, width: 2, \.shentsize, "bytes per section header"),
        .field("e_shnum", at: 48, width: 2, \.shnum, "section headers (0: in section 0's sh_size)"),
        .field("e_shstrndx", at: 50, width: 2, \.shstrndx, "section name table's index"),
    ])

    static func header(is64: Bool) -> BinaryLayout<ELFFileHeader> { is64 ? header64 : header32 }

    static let sectionHeader64 = BinaryLayout<ELFSectionHeaderFields>(cName: "Elf64_Shdr", nasmPrefix: "SHDR64_", size: 64, [
        .field("sh_addr", at: 16, width: 8, \.address, "address at run time (0: not loaded)"),
        .field("sh_offset", at: 24, width: 8, \.offset, "file offset of the contents"),
        .field("sh_size", at: 32, width: 8, \.size, "bytes (section 0: the section count when e_shnum is 0)"),
        .field("sh_info", at: 44, width: 4, \.info, "section 0: the segment count when e_phnum is 0xFFFF"),
    ])

    static let sectionHeader32 = BinaryLayout<ELFSectionHeaderFields>(cName: "Elf32_Shdr", nasmPrefix: "SHDR32_", size: 40, [
        .field("sh_addr", at: 12, width: 4, \.address, "address at run time (0: not loaded)"),
        .field("sh_offset", at: 16, width: 4, \.offset, "file offset of the contents"),
        .field("sh_size", at: 20, width: 4, \.size, "bytes (section 0: the section count when e_shnum is 0)"),
        .field("sh_info", at: 28, width: 4, \.info, "section 0: the segment count when e_phnum is 0xFFFF"),
    ])

    static func sectionHeader(is64: Bool) -> BinaryLayout<ELFSectionHeaderFields> { is64 ? sectionHeader64 : sectionHeader32 }

    static let symbol64 = BinaryLayout<ELFSymbolFields>(cName: "Elf64_Sym", nasmPrefix: "SYM64_", size: 24, [
        .field("st_name", at: 0, width: 4, \.nameOffset, "offset of the name in the linked string table"),
        .field("st_info", at: 4, width: 1, \.info, "binding (high nibble) and type (low nibble)"),
        .field("st_other", at: 5, width: 1, \.other, "visibility"),
        .field("st_shndx", at: 6, width: 2, \.sectionIndex, "section index; 0 undefined, 0xFFF1 absolute"),
        .field("st_value", at: 8, width: 8, \.value, "address"),
        .field("st_size", at: 16, width: 8, \.size, "bytes"),
    ])

    static let symbol32 = BinaryLayout<ELFSymbolFields>(cName: "Elf32_Sym", nasmPrefix: "SYM32_", size: 16, [
        .field("st_name", at: 0, width: 4, \.nameOffset, "offset of the name in the linked string table"),
        .field("st_value", at: 4, width: 4, \.value, "address"),
        .field("st_size", at: 8, width: 4, \.size, "bytes"),
        .field("st_info", at: 12, width: 1, \.info, "binding (high nibble) and type (low nibble)"),
        .field("st_other", at: 13, width: 1, \.other, "visibility"),
        .field("st_shndx", at: 14, width: 2, \.sectionIndex, "section index; 0 undefined, 0xFFF1 absolute"),
    ])

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
