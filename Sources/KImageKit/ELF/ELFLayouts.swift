/// The ELF structures kimage reads itself, before libelf is trusted with the file (System V gABI,
/// "ELF Header" and "Sections"): only the fields the bounds checks need, declared once per class.
enum ELFLayouts {
    static let programHeader64Size = 56
    static let programHeader32Size = 32

    static let header64 = BinaryLayout<ELFHeaderTables>(cName: "Elf64_Ehdr", nasmPrefix: "EHDR64_", size: 64, [
        .field("e_phoff", at: 32, width: 8, \.phoff, "program header table's file offset"),
        .field("e_shoff", at: 40, width: 8, \.shoff, "section header table's file offset"),
        .field("e_phentsize", at: 54, width: 2, \.phentsize, "bytes per program header"),
        .field("e_phnum", at: 56, width: 2, \.phnum, "program headers (0xFFFF: in section 0's sh_info)"),
        .field("e_shentsize", at: 58, width: 2, \.shentsize, "bytes per section header"),
        .field("e_shnum", at: 60, width: 2, \.shnum, "section headers (0: in section 0's sh_size)"),
        .field("e_shstrndx", at: 62, width: 2, \.shstrndx, "section name table's index"),
    ])

    static let header32 = BinaryLayout<ELFHeaderTables>(cName: "Elf32_Ehdr", nasmPrefix: "EHDR32_", size: 52, [
        .field("e_phoff", at: 28, width: 4, \.phoff, "program header table's file offset"),
        .field("e_shoff", at: 32, width: 4, \.shoff, "section header table's file offset"),
        .field("e_phentsize", at: 42, width: 2, \.phentsize, "bytes per program header"),
        .field("e_phnum", at: 44, width: 2, \.phnum, "program headers (0xFFFF: in section 0's sh_info)"),
        .field("e_shentsize", at: 46, width: 2, \.shentsize, "bytes per section header"),
        .field("e_shnum", at: 48, width: 2, \.shnum, "section headers (0: in section 0's sh_size)"),
        .field("e_shstrndx", at: 50, width: 2, \.shstrndx, "section name table's index"),
    ])

    static let sectionHeader64 = BinaryLayout<ELFSectionHeaderFields>(cName: "Elf64_Shdr", nasmPrefix: "SHDR64_", size: 64, [
        .field("sh_offset", at: 24, width: 8, \.offset, "file offset of the contents"),
        .field("sh_size", at: 32, width: 8, \.size, "bytes (section 0: the section count when e_shnum is 0)"),
        .field("sh_info", at: 44, width: 4, \.info, "section 0: the segment count when e_phnum is 0xFFFF"),
    ])

    static let sectionHeader32 = BinaryLayout<ELFSectionHeaderFields>(cName: "Elf32_Shdr", nasmPrefix: "SHDR32_", size: 40, [
        .field("sh_offset", at: 16, width: 4, \.offset, "file offset of the contents"),
        .field("sh_size", at: 20, width: 4, \.size, "bytes (section 0: the section count when e_shnum is 0)"),
        .field("sh_info", at: 28, width: 4, \.info, "section 0: the segment count when e_phnum is 0xFFFF"),
    ])

    static func sectionHeader(is64: Bool) -> BinaryLayout<ELFSectionHeaderFields> { is64 ? sectionHeader64 : sectionHeader32 }
}

/// The section header fields kimage's own checks read (extended numbering, the name table).
struct ELFSectionHeaderFields: Sendable, Equatable {
    var offset: UInt64 = 0
    var size: UInt64 = 0
    var info: UInt64 = 0
}
