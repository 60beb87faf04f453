/// ELF32 or ELF64 (EI_CLASS).
public enum ELFClass: String, Sendable, Equatable, Codable {
    case elf32 = "ELF32"
    case elf64 = "ELF64"

    /// Bytes in an address-sized field: table entries, trampoline targets.
    public var addressSize: Int { self == .elf32 ? 4 : 8 }
}

/// The machines kimage builds for (e_machine).
public enum ELFMachine: String, Sendable, Equatable, Codable {
    case i386 = "i386"
    case x86_64 = "x86-64"

    public var rawMachine: UInt16 { self == .i386 ? 3 : 62 }

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
public struct ELFSection: Sendable, Equatable {
    public static let typeNoBits: UInt32 = 8
    public static let typeNote: UInt32 = 7
    public static let typeSymtab: UInt32 = 2
    public static let typeDynsym: UInt32 = 11
    public static let flagWrite: UInt64 = 0x1
    public static let flagAlloc: UInt64 = 0x2
    public static let flagExec: UInt64 = 0x4

    public let index: Int
    /// sh_name: an offset into the section name table, decoded only when asked (`name`).
    public let nameOffset: UInt32
    let names: ELFStringTable?
    public let type: UInt32
    public let flags: UInt64
    public let address: UInt64
    public let offset: UInt64
    public let size: UInt64
    public let link: UInt32
    public let entrySize: UInt64
    public let alignment: UInt64

    /// The whole name; costs its length. Loops over every section use `hasName` or `shownName`.
    public var name: String { names.map { $0.string(at: Int(nameOffset)) } ?? "" }
    /// The name as listings show it: at most ELFStringTable.shownLimit bytes.
    public var shownName: String { names.map { $0.shown(at: Int(nameOffset)) } ?? "" }
    /// Compares without decoding: costs at most `wanted`'s length.
    public func hasName(_ wanted: String) -> Bool {
        guard let names else { return wanted.isEmpty }
        return names.matches(at: Int(nameOffset), wanted.utf8)
    }

    public static func == (a: ELFSection, b: ELFSection) -> Bool {
        a.index == b.index && a.nameOffset == b.nameOffset && a.type == b.type && a.flags == b.flags && a.address == b.address
            && a.offset == b.offset && a.size == b.size && a.link == b.link && a.entrySize == b.entrySize && a.alignment == b.alignment
    }

    public var isAlloc: Bool { flags & Self.flagAlloc != 0 }
    public var isWritable: Bool { flags & Self.flagWrite != 0 }
    public var isExecutable: Bool { flags & Self.flagExec != 0 }
    /// False for SHT_NOBITS (.bss): nothing in the file to read or patch.
    public var holdsFileBytes: Bool { type != Self.typeNoBits }

    public func contains(address va: UInt64, length: UInt64 = 1) -> Bool {
        va >= address && length <= size && va - address <= size - length
    }
}

/// One program header, decoded.
public struct ELFSegment: Sendable, Equatable {
    public static let typeLoad: UInt32 = 1
    public static let typeNote: UInt32 = 4
    public static let flagX: UInt32 = 1
    public static let flagW: UInt32 = 2
    public static let flagR: UInt32 = 4

    public let index: Int
    public let type: UInt32
    public let flags: UInt32
    public let offset: UInt64
    public let virtualAddress: UInt64
    public let physicalAddress: UInt64
    public let fileSize: UInt64
    public let memorySize: UInt64
    public let alignment: UInt64

    public var isLoad: Bool { type == Self.typeLoad }
    public var isReadable: Bool { flags & Self.flagR != 0 }
    public var isWritable: Bool { flags & Self.flagW != 0 }
    public var isExecutable: Bool { flags & Self.flagX != 0 }

    /// "R-X" style, as readelf prints p_flags.
    public var flagString: String {
        (isReadable ? "R" : "-") + (isWritable ? "W" : "-") + (isExecutable ? "X" : "-")
    }

    public var typeName: String {
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
public struct ELFSymbol: Sendable, Equatable {
    public enum Kind: UInt8, Sendable {
        case notype = 0, object = 1, function = 2, section = 3, file = 4, common = 5, tls = 6
        case other = 255
    }

    public static let undefinedSection: UInt16 = 0
    public static let absoluteSection: UInt16 = 0xFFF1

    /// Position in its symbol table.
    public let index: Int
    public let name: String
    public let value: UInt64
    public let size: UInt64
    public let kind: Kind
    /// STB_LOCAL 0, STB_GLOBAL 1, STB_WEAK 2.
    public let binding: UInt8
    /// st_shndx; 0 means undefined.
    public let sectionIndex: UInt16

    public var isDefined: Bool { sectionIndex != Self.undefinedSection }
}

/// One symbol table entry with its name still in the string table (ELFFile.forEachSymbolEntry).
public struct ELFSymbolEntry {
    public let index: Int
    public let nameOffset: Int
    let names: ELFStringTable
    public let value: UInt64
    public let size: UInt64
    public let kind: ELFSymbol.Kind
    public let binding: UInt8
    public let sectionIndex: UInt16

    public var isDefined: Bool { sectionIndex != ELFSymbol.undefinedSection }
    /// False for the empty name; costs one byte.
    public var hasName: Bool { names.bytes(at: nameOffset, limit: 1).bytes.count > 0 }
    /// The name's bytes up to `limit`, and whether it is longer: costs at most `limit`.
    public func nameBytes(limit: Int) -> (bytes: UnsafeRawBufferPointer, cut: Bool) { names.bytes(at: nameOffset, limit: limit) }
    /// The whole name: costs its length.
    public var name: String { names.string(at: nameOffset) }
    /// The name as listings show it: at most ELFStringTable.shownLimit bytes.
    public var shownName: String { names.shown(at: nameOffset) }
    /// The entry with its name decoded.
    public var symbol: ELFSymbol {
        ELFSymbol(index: index, name: name, value: value, size: size, kind: kind, binding: binding, sectionIndex: sectionIndex)
    }
}

/// Bytes to put at a file offset: table entries, trampolines.
public struct BytePatch: Sendable, Equatable {
    public let offset: UInt64
    public let bytes: [UInt8]

    public init(offset: UInt64, bytes: [UInt8]) {
        self.offset = offset
        self.bytes = bytes
    }
}
