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
