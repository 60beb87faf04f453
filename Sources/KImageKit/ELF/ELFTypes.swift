/// ELF32 or ELF64 (EI_CLASS).
package enum ELFClass: String, Sendable, Equatable, Codable {
    case elf32 = "ELF32"
    case elf64 = "ELF64"

    /// Bytes in an address-sized field: table entries, trampoline targets.
    package var addressSize: Int { self == .elf32 ? 4 : 8 }
}

/// The machines kimage builds for (e_machine).
package enum ELFMachine: String, Sendable, Equatable, Codable {
    case i386 = "i386"
    case x86_64 = "x86-64"

    package var rawMachine: UInt16 { self == .i386 ? 3 : 62 }

    static func name(of machine: UInt16) -> String {
        switch machine {
        case 0: return "EM_NONE"
        case 2: return "EM_SPARC"
        case 3: return "EM_386"
        case 8: return "EM_MIPS"
        case 20: return "EM_PPC"
        case 21: return "EM_PPC64"
        case 40: return "EM_ARM"
        case 62: return "EM_X86_64"
        case 183: return "EM_AARCH64"
        case 243: return "EM_RISCV"
        default: return "unknown"
        }
    }
}

/// One section header, decoded.
package struct ELFSection: Sendable, Equatable {
    package static let typeNoBits: UInt32 = 8
    package static let typeNote: UInt32 = 7
    package static let typeSymtab: UInt32 = 2
    package static let typeDynsym: UInt32 = 11
    package static let flagWrite: UInt64 = 0x1
    package static let flagAlloc: UInt64 = 0x2
    package static let flagExec: UInt64 = 0x4

    package let index: Int
    /// sh_name: an offset into the section name table, decoded only when asked (`name`).
    package let nameOffset: UInt32
    let names: ELFStringTable?
    package let type: UInt32
    package let flags: UInt64
    package let address: UInt64
    package let offset: UInt64
    package let size: UInt64
    package let link: UInt32
    package let entrySize: UInt64
    package let alignment: UInt64

    /// The whole name; costs its length. Loops over every section use `hasName` or `shownName`.
    package var name: String { names.map { $0.string(at: Int(nameOffset)) } ?? "" }
    /// The name as listings show it: at most ELFStringTable.shownLimit bytes.
    package var shownName: String { names.map { $0.shown(at: Int(nameOffset)) } ?? "" }
    /// Compares without decoding: costs at most `wanted`'s length.
    package func hasName(_ wanted: String) -> Bool {
        guard let names else { return wanted.isEmpty }
        return names.matches(at: Int(nameOffset), wanted.utf8)
    }

    package static func == (a: ELFSection, b: ELFSection) -> Bool {
        a.index == b.index && a.nameOffset == b.nameOffset && a.type == b.type && a.flags == b.flags && a.address == b.address
            && a.offset == b.offset && a.size == b.size && a.link == b.link && a.entrySize == b.entrySize && a.alignment == b.alignment
    }

    package var isAlloc: Bool { flags & Self.flagAlloc != 0 }
    package var isWritable: Bool { flags & Self.flagWrite != 0 }
    package var isExecutable: Bool { flags & Self.flagExec != 0 }
    /// False for SHT_NOBITS (.bss): nothing in the file to read or patch.
    package var holdsFileBytes: Bool { type != Self.typeNoBits }

    package func contains(address va: UInt64, length: UInt64 = 1) -> Bool {
        va >= address && length <= size && va - address <= size - length
    }
}

/// One program header, decoded.
package struct ELFSegment: Sendable, Equatable {
    package static let typeLoad: UInt32 = 1
    package static let typeNote: UInt32 = 4
    package static let flagX: UInt32 = 1
    package static let flagW: UInt32 = 2
    package static let flagR: UInt32 = 4

    package let index: Int
    package let type: UInt32
    package let flags: UInt32
    package let offset: UInt64
    package let virtualAddress: UInt64
    package let physicalAddress: UInt64
    package let fileSize: UInt64
    package let memorySize: UInt64
    package let alignment: UInt64

    package var isLoad: Bool { type == Self.typeLoad }
    package var isReadable: Bool { flags & Self.flagR != 0 }
    package var isWritable: Bool { flags & Self.flagW != 0 }
    package var isExecutable: Bool { flags & Self.flagX != 0 }

    /// "R-X" style, as readelf prints p_flags.
    package var flagString: String {
        (isReadable ? "R" : "-") + (isWritable ? "W" : "-") + (isExecutable ? "X" : "-")
    }

    package var typeName: String {
        switch type {
        case 0: return "NULL"
        case 1: return "LOAD"
        case 2: return "DYNAMIC"
        case 3: return "INTERP"
        case 4: return "NOTE"
        case 6: return "PHDR"
        case 7: return "TLS"
        case 0x6474e550: return "GNU_EH_FRAME"
        case 0x6474e551: return "GNU_STACK"
        case 0x6474e552: return "GNU_RELRO"
        case 0x6474e553: return "GNU_PROPERTY"
        default: return hex(type)
        }
    }
}

/// One symbol table entry, decoded, with its name resolved.
package struct ELFSymbol: Sendable, Equatable {
    package enum Kind: UInt8, Sendable {
        case notype = 0, object = 1, function = 2, section = 3, file = 4, common = 5, tls = 6
        case other = 255
    }

    package static let undefinedSection: UInt16 = 0
    package static let absoluteSection: UInt16 = 0xFFF1

    /// Position in its symbol table.
    package let index: Int
    package let name: String
    package let value: UInt64
    package let size: UInt64
    package let kind: Kind
    /// STB_LOCAL 0, STB_GLOBAL 1, STB_WEAK 2.
    package let binding: UInt8
    /// st_shndx; 0 means undefined.
    package let sectionIndex: UInt16

    package var isDefined: Bool { sectionIndex != Self.undefinedSection }
}

/// One symbol table entry with its name still in the string table (ELFFile.forEachSymbolEntry).
package struct ELFSymbolEntry {
    package let index: Int
    package let nameOffset: Int
    let names: ELFStringTable
    package let value: UInt64
    package let size: UInt64
    package let kind: ELFSymbol.Kind
    package let binding: UInt8
    package let sectionIndex: UInt16

    package var isDefined: Bool { sectionIndex != ELFSymbol.undefinedSection }
    /// False for the empty name; costs one byte.
    package var hasName: Bool { names.bytes(at: nameOffset, limit: 1).bytes.count > 0 }
    /// The name's bytes up to `limit`, and whether it is longer: costs at most `limit`.
    package func nameBytes(limit: Int) -> (bytes: UnsafeRawBufferPointer, cut: Bool) { names.bytes(at: nameOffset, limit: limit) }
    /// The whole name: costs its length.
    package var name: String { names.string(at: nameOffset) }
    /// The name as listings show it: at most ELFStringTable.shownLimit bytes.
    package var shownName: String { names.shown(at: nameOffset) }
    /// The entry with its name decoded.
    package var symbol: ELFSymbol {
        ELFSymbol(index: index, name: name, value: value, size: size, kind: kind, binding: binding, sectionIndex: sectionIndex)
    }
}

/// Bytes to put at a file offset: table entries, trampolines.
package struct BytePatch: Sendable, Equatable {
    package let offset: UInt64
    package let bytes: [UInt8]

    package init(offset: UInt64, bytes: [UInt8]) {
        self.offset = offset
        self.bytes = bytes
    }
}
