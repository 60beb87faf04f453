/// The ELF header as stored, decoded through ELFLayouts, and the one bounds pass kimage makes
/// before libelf is given the file: identity, class, byte order and machine, and the program
/// and section header tables (extended numbering resolved) inside the file. libelf trusts
/// these offsets and would silently shorten a table that runs off the end.
struct ELFFileHeader: Sendable {
    var magic: UInt64 = 0
    var classByte: UInt64 = 0
    var dataByte: UInt64 = 0
    var type: UInt64 = 0
    var machine: UInt64 = 0
    var entry: UInt64 = 0
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

    /// "\x7FELF" read as a little-endian u32.
    static let elfMagic: UInt64 = 0x464C_457F

    var is64: Bool { classByte == 2 }
    var headerSize: UInt64 { UInt64(ELFLayouts.header(is64: is64).size) }

    /// The stored header of a file whose first bytes are an ELF identification of either class;
    /// nil when they are not, or the header is not all in `raw`. No other check.
    init?(_ raw: UnsafeRawBufferPointer) {
        guard let ident = ELFLayouts.identification.decode(raw, into: ELFFileHeader(is64: false)),
              ident.magic == Self.elfMagic, ident.classByte == 1 || ident.classByte == 2,
              let h = ELFLayouts.header(is64: ident.classByte == 2).decode(raw, into: ELFFileHeader(is64: ident.classByte == 2)) else {
            return nil
        }
        self = h
        (magic, classByte, dataByte) = (ident.magic, ident.classByte, ident.dataByte)
    }

    fileprivate init(is64: Bool) {
        programHeaderSize = UInt64(is64 ? ELFLayouts.programHeader64Size : ELFLayouts.programHeader32Size)
        sectionHeaderSize = UInt64(ELFLayouts.sectionHeader(is64: is64).size)
    }

    /// Where the ELF header and the program header table end (they come first in a file that
    /// loads its own headers).
    var headersEnd: UInt64 { max(headerSize, phoff &+ phnum &* programHeaderSize) }
}

/// What the bounds pass found: the header, its class and machine, and the real table counts.
struct CheckedELFHeader: Sendable {
    let header: ELFFileHeader
    let elfClass: ELFClass
    let machine: ELFMachine
    let sectionCount: UInt64
    let segmentCount: UInt64

    /// The pass itself: every problem is an ELFError naming the field, what it holds and what
    /// was expected.
    init(_ raw: UnsafeRawBufferPointer, path: String) throws {
        let size = UInt64(raw.count)
        (elfClass, machine) = try Self.identify(raw, path: path)
        guard let h = ELFFileHeader(raw) else {
            let needed = UInt64(ELFLayouts.header(is64: elfClass == .elf64).size)
            throw ELFError.truncated(path: path, what: "the \(elfClass.rawValue) header", needed: needed, size: size)
        }
        header = h
        try Self.checkEntrySizes(h, path: path, elfClass: elfClass)
        sectionCount = try Self.sectionCount(h, raw, path: path)
        // e_phnum 0xFFFF (PN_XNUM) means the count is section 0's sh_info.
        var segments = h.phnum
        if h.phnum == 0xFFFF && sectionCount > 0 {
            segments = ELFLayouts.sectionHeader(is64: h.is64).decode(raw, at: Int(h.shoff), into: ELFSectionHeaderFields())!.info
        }
        if segments > 0 {
            let (end, overflow) = h.phoff.addingReportingOverflow(segments &* h.programHeaderSize)
            if overflow || end > size {
                throw ELFError.truncated(path: path, what: "the program header table at e_phoff \(hex(h.phoff)) (\(segments) entries)",
                                         needed: overflow ? UInt64.max : end, size: size)
            }
        }
        segmentCount = segments
    }

    /// Magic, class, byte order and machine, from the identification and e_machine.
    private static func identify(_ raw: UnsafeRawBufferPointer, path: String) throws -> (ELFClass, ELFMachine) {
        let size = UInt64(raw.count)
        guard raw.count >= 4, ELFLayouts.identification[\ELFFileHeader.magic].load(from: raw) == ELFFileHeader.elfMagic else {
            let shown = raw.prefix(4).map { String($0, radix: 16).leftPadded(2) }.joined(separator: " ")
            throw ELFError.notELF(path: path, found: shown.isEmpty ? "nothing" : shown)
        }
        guard let ident = ELFLayouts.identification.decode(raw, into: ELFFileHeader(is64: false)) else {
            throw ELFError.truncated(path: path, what: "the ELF identification", needed: 16, size: size)
        }
        let cls: ELFClass
        switch ident.classByte {
        case 1: cls = .elf32
        case 2: cls = .elf64
        default: throw ELFError.unsupportedClass(path: path, value: UInt8(ident.classByte))
        }
        if ident.dataByte == 2 { throw ELFError.bigEndian(path: path) }
        guard ident.dataByte == 1 else {
            throw ELFError.malformed(path: path, field: "EI_DATA", value: String(ident.dataByte), detail: "is neither 1 (little-endian) nor 2 (big-endian)")
        }
        let layout = ELFLayouts.header(is64: cls == .elf64)
        guard size >= UInt64(layout.size), let rawMachine = layout[\ELFFileHeader.machine].load(from: raw) else {
            throw ELFError.truncated(path: path, what: "the \(cls.rawValue) header", needed: UInt64(layout.size), size: size)
        }
        let mach: ELFMachine
        switch rawMachine {
        case 3: mach = .i386
        case 62: mach = .x86_64
        default: throw ELFError.unsupportedMachine(path: path, machine: UInt16(rawMachine))
        }
        if (cls == .elf32) != (mach == .i386) {
            throw ELFError.classMachineMismatch(path: path, elfClass: cls.rawValue, machine: mach.rawValue)
        }
        return (cls, mach)
    }

    private static func checkEntrySizes(_ h: ELFFileHeader, path: String, elfClass cls: ELFClass) throws {
        if h.phnum > 0 && h.phentsize != h.programHeaderSize {
            throw ELFError.malformed(path: path, field: "e_phentsize", value: String(h.phentsize), detail: "differs from the \(h.programHeaderSize) bytes of an \(cls.rawValue) program header")
        }
        if h.shoff != 0 && h.shentsize != h.sectionHeaderSize {
            throw ELFError.malformed(path: path, field: "e_shentsize", value: String(h.shentsize), detail: "differs from the \(h.sectionHeaderSize) bytes of an \(cls.rawValue) section header")
        }
        // libelf would read section headers from offset 0, the ELF header itself.
        if h.shoff == 0 && h.shnum != 0 {
            throw ELFError.malformed(path: path, field: "e_shoff", value: "0", detail: "while e_shnum is \(h.shnum): the section header table has no place in the file")
        }
    }

    /// The section count (section 0's sh_size under extended numbering), its table in the file.
    private static func sectionCount(_ h: ELFFileHeader, _ raw: UnsafeRawBufferPointer, path: String) throws -> UInt64 {
        guard h.shoff != 0 else { return 0 }
        let size = UInt64(raw.count)
        let (firstEnd, o1) = h.shoff.addingReportingOverflow(h.sectionHeaderSize)
        if o1 || firstEnd > size {
            throw ELFError.truncated(path: path, what: "the section header table at e_shoff \(hex(h.shoff))", needed: o1 ? UInt64.max : firstEnd, size: size)
        }
        var count = h.shnum
        if count == 0 {
            count = ELFLayouts.sectionHeader(is64: h.is64).decode(raw, at: Int(h.shoff), into: ELFSectionHeaderFields())!.size
        }
        let (product, o2) = count.multipliedReportingOverflow(by: h.sectionHeaderSize)
        let (end, o3) = h.shoff.addingReportingOverflow(product)
        if o2 || o3 || end > size {
            throw ELFError.truncated(path: path, what: "the section header table at e_shoff \(hex(h.shoff)) (\(count) entries)", needed: (o2 || o3) ? UInt64.max : end, size: size)
        }
        return count
    }
}
