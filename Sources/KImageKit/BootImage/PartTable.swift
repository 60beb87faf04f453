/// The table kimage pack puts after an own 32-bit setup (`--setup32`, Jinue style): where in the
/// protected-mode part the kernel ELF and the loader ELF lie. Declared once; the packer writes
/// it and `inspect` reads it back.
package struct PartTable: Sendable, Equatable {
    package static let magic: UInt32 = 0x5452_504B  // "KPRT"
    package static let version: UInt32 = 1

    package enum Kind: UInt32, Sendable, Equatable {
        case kernelELF = 1
        case loaderELF = 2
    }

    package struct Part: Sendable, Equatable {
        package var kind: Kind = .kernelELF
        /// From the start of the protected-mode part (physical 0x100000 as loaded).
        package var offset: UInt32 = 0
        package var size: UInt32 = 0

        package init(kind: Kind = .kernelELF, offset: UInt32 = 0, size: UInt32 = 0) {
            self.kind = kind
            self.offset = offset
            self.size = size
        }
    }

    /// The table's header as written: `count` parts of `entrySize` bytes follow it.
    struct Header: Sendable, Equatable {
        var count: UInt32 = 0
        var entrySize: UInt32 = 0
    }

    package var parts: [Part]

    package init(parts: [Part]) { self.parts = parts }

    package var encodedSize: Int { Self.layout.size + parts.count * Self.partLayout.size }

    package func encode() -> [UInt8] {
        var b = [UInt8](repeating: 0, count: encodedSize)
        Self.layout.encode(Header(count: UInt32(parts.count), entrySize: UInt32(Self.partLayout.size)), into: &b)
        for (i, part) in parts.enumerated() {
            Self.partLayout.encode(part, into: &b, at: Self.layout.size + i * Self.partLayout.size)
        }
        return b
    }

    /// The table at `offset` of `raw`; nil without "KPRT", with another entry size, an unknown
    /// kind or when it runs past `raw`.
    package init?(decoding raw: UnsafeRawBufferPointer, at offset: Int) {
        guard let h = Self.layout.decode(raw, at: offset, into: Header()), h.entrySize == UInt32(Self.partLayout.size),
              h.count <= 16 else { return nil }
        var parts: [Part] = []
        for i in 0..<Int(h.count) {
            guard let p = Self.partLayout.decode(raw, at: offset + Self.layout.size + i * Self.partLayout.size, into: Part())
            else { return nil }
            parts.append(p)
        }
        self.parts = parts
    }

    static let layout = BinaryLayout<Header>(
        cName: "kimage_part_table", nasmPrefix: "KIMAGE_PT_", size: 16, [
        .constant("magic", at: 0x00, width: 4, UInt64(magic), "KIMAGE_PART_TABLE_MAGIC"),
        .constant("version", at: 0x04, width: 4, UInt64(version), "1"),
        .field("count", at: 0x08, \.count, "parts that follow"),
        .field("entry_size", at: 0x0C, \.entrySize, "sizeof(struct kimage_part) = 16"),
        .runtime("parts", at: 0x10, width: 16, count: 0, cType: "struct kimage_part", ""),
    ])

    static let partLayout = BinaryLayout<Part>(
        cName: "kimage_part", nasmPrefix: "KIMAGE_PART_", size: 16, [
        .field("kind", at: 0x00, \.kind, "KIMAGE_PART_*"),
        .field("offset", at: 0x04, \.offset, "from the start of the protected-mode part"),
        .field("size", at: 0x08, \.size, ""),
        .constant("zero", at: 0x0C, width: 4, 0, checked: false, ""),
    ])

    static let constants: [LayoutConstant] = [
        .hex("KIMAGE_PART_TABLE_MAGIC", UInt64(magic), "\"KPRT\""),
        LayoutConstant("KIMAGE_PART_KERNEL_ELF", UInt64(Kind.kernelELF.rawValue)),
        LayoutConstant("KIMAGE_PART_LOADER_ELF", UInt64(Kind.loaderELF.rawValue)),
    ]
}
