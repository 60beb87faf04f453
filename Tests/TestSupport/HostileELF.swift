/// Structurally valid ELF64 files with chosen header values, built in code for the hostile-input
/// tests: the fields are what a linker could write, the values are what breaks arithmetic.
public enum HostileELF {
    public struct Segment: Sendable {
        public var flags: UInt32
        public var virtualAddress: UInt64
        public var physicalAddress: UInt64
        public var fileSize: UInt64
        public var memorySize: UInt64

        public init(flags: UInt32 = 5, virtualAddress: UInt64, physicalAddress: UInt64, fileSize: UInt64 = 0x10, memorySize: UInt64? = nil) {
            self.flags = flags
            self.virtualAddress = virtualAddress
            self.physicalAddress = physicalAddress
            self.fileSize = fileSize
            self.memorySize = memorySize ?? fileSize
        }
    }

    /// ELF64 x86-64 executable: header, program headers, each segment's bytes (hlt) page-aligned
    /// at the page offset of its vaddr, no sections.
    public static func elf64(_ segments: [Segment], entry: UInt64) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 0x1000)
        var headers: [UInt8] = []
        func le(_ v: UInt64, _ width: Int, into b: inout [UInt8]) { for i in 0..<width { b.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) } }
        for s in segments {
            let offset = UInt64(out.count) + (s.virtualAddress & 0xFFF)
            out += [UInt8](repeating: 0, count: Int(s.virtualAddress & 0xFFF))
            out += [UInt8](repeating: 0xF4, count: Int(s.fileSize))
            out += [UInt8](repeating: 0, count: (0x1000 - out.count % 0x1000) % 0x1000)
            le(1, 4, into: &headers); le(UInt64(s.flags), 4, into: &headers); le(offset, 8, into: &headers)
            le(s.virtualAddress, 8, into: &headers); le(s.physicalAddress, 8, into: &headers)
            le(s.fileSize, 8, into: &headers); le(s.memorySize, 8, into: &headers); le(0x1000, 8, into: &headers)
        }
        var h: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 8)
        le(2, 2, into: &h); le(0x3E, 2, into: &h); le(1, 4, into: &h); le(entry, 8, into: &h)
        le(64, 8, into: &h); le(0, 8, into: &h); le(0, 4, into: &h)
        le(64, 2, into: &h); le(56, 2, into: &h); le(UInt64(segments.count), 2, into: &h); le(64, 2, into: &h); le(0, 2, into: &h); le(0, 2, into: &h)
        out.replaceSubrange(0..<64, with: h)
        out.replaceSubrange(64..<(64 + headers.count), with: headers)
        return out
    }
}

extension HostileELF {
    /// An ELF64 x86-64 file assembled from raw header values: blobs (string tables, symbol
    /// tables, code) go after the ELF header, then the program and section header tables. Counts
    /// past 0xFFFF use extended numbering, as the ELF specification allows.
    public struct Builder: Sendable {
        public struct Section: Sendable {
            public var name: UInt32, type: UInt32, flags: UInt64, address: UInt64, offset: UInt64, size: UInt64
            public var link: UInt32, info: UInt32, entrySize: UInt64
            public init(name: UInt32, type: UInt32 = 1, flags: UInt64 = 0, address: UInt64 = 0, offset: UInt64 = 0, size: UInt64 = 0,
                        link: UInt32 = 0, info: UInt32 = 0, entrySize: UInt64 = 0) {
                (self.name, self.type, self.flags, self.address, self.offset, self.size) = (name, type, flags, address, offset, size)
                (self.link, self.info, self.entrySize) = (link, info, entrySize)
            }
        }
        public struct ProgramHeader: Sendable {
            public var type: UInt32, flags: UInt32, offset: UInt64, virtualAddress: UInt64, physicalAddress: UInt64
            public var fileSize: UInt64, memorySize: UInt64, alignment: UInt64
            public init(type: UInt32 = 1, flags: UInt32 = 5, offset: UInt64, virtualAddress: UInt64, physicalAddress: UInt64,
                        fileSize: UInt64, memorySize: UInt64, alignment: UInt64 = 0x1000) {
                (self.type, self.flags, self.offset, self.virtualAddress, self.physicalAddress) = (type, flags, offset, virtualAddress, physicalAddress)
                (self.fileSize, self.memorySize, self.alignment) = (fileSize, memorySize, alignment)
            }
        }

        public var entry: UInt64
        public var segments: [ProgramHeader] = []
        /// Section 0 (SHT_NULL) is added by `bytes()`; index 1 is the first of these.
        public var sections: [Section] = []
        public var sectionNameTable: UInt16 = 0
        private var data: [UInt8] = [UInt8](repeating: 0, count: 0x1000)

        public init(entry: UInt64 = 0x200000) { self.entry = entry }

        /// Appends `bytes` (aligned to 16) and returns their file offset.
        public mutating func append(_ bytes: [UInt8]) -> UInt64 {
            data += [UInt8](repeating: 0, count: (16 - data.count % 16) % 16)
            let at = UInt64(data.count)
            data += bytes
            return at
        }

        /// A symbol table entry (Elf64_Sym).
        public static func symbol(name: UInt32, value: UInt64, size: UInt64 = 16, type: UInt8 = 2, binding: UInt8 = 1, section: UInt16 = 1) -> [UInt8] {
            var b: [UInt8] = []
            le(UInt64(name), 4, &b); b.append(binding << 4 | type); b.append(0); le(UInt64(section), 2, &b)
            le(value, 8, &b); le(size, 8, &b)
            return b
        }

        public static func le(_ v: UInt64, _ width: Int, _ b: inout [UInt8]) {
            for i in 0..<width { b.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
        }

        public func bytes() -> [UInt8] {
            var out = data
            out += [UInt8](repeating: 0, count: (8 - out.count % 8) % 8)
            let phoff = UInt64(out.count)
            for p in segments {
                Self.le(UInt64(p.type), 4, &out); Self.le(UInt64(p.flags), 4, &out); Self.le(p.offset, 8, &out)
                Self.le(p.virtualAddress, 8, &out); Self.le(p.physicalAddress, 8, &out)
                Self.le(p.fileSize, 8, &out); Self.le(p.memorySize, 8, &out); Self.le(p.alignment, 8, &out)
            }
            let shoff = UInt64(out.count)
            let shnum = sections.count + 1
            let extendedPh = segments.count >= 0xFFFF
            let extendedSh = shnum >= 0xFF00
            // Section 0: sh_size holds a large section count, sh_info a large segment count.
            var null = Section(name: 0, type: 0)
            if extendedSh { null.size = UInt64(shnum) }
            if extendedPh { null.info = UInt32(segments.count) }
            for s in [null] + sections {
                Self.le(UInt64(s.name), 4, &out); Self.le(UInt64(s.type), 4, &out); Self.le(s.flags, 8, &out)
                Self.le(s.address, 8, &out); Self.le(s.offset, 8, &out); Self.le(s.size, 8, &out)
                Self.le(UInt64(s.link), 4, &out); Self.le(UInt64(s.info), 4, &out); Self.le(s.flags & 2 != 0 ? 16 : 1, 8, &out); Self.le(s.entrySize, 8, &out)
            }
            var h: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 8)
            Self.le(2, 2, &h); Self.le(0x3E, 2, &h); Self.le(1, 4, &h); Self.le(entry, 8, &h)
            Self.le(segments.isEmpty ? 0 : phoff, 8, &h); Self.le(shoff, 8, &h); Self.le(0, 4, &h)
            Self.le(64, 2, &h); Self.le(56, 2, &h); Self.le(extendedPh ? 0xFFFF : UInt64(segments.count), 2, &h)
            Self.le(64, 2, &h); Self.le(extendedSh ? 0 : UInt64(shnum), 2, &h); Self.le(UInt64(sectionNameTable), 2, &h)
            out.replaceSubrange(0..<64, with: h)
            return out
        }
    }
}
