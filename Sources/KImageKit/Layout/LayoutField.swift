/// One named field of a binary layout: where it sits, how wide it is, since which version of the
/// format it exists and what it means. Encoder, decoder, `inspect`'s listing and the generated
/// C/nasm includes all read this one description.
package struct LayoutField: Sendable, Equatable {
    /// The C name (snake_case); the nasm name is the layout's prefix plus this in capitals.
    package let name: String
    /// Byte offset from the start of the structure.
    package let offset: Int
    /// Bytes of one element: 1, 2, 4 or 8 for integers.
    package let width: Int
    /// Elements: 1 for a scalar, n for an array, 0 for a trailing flexible array.
    package let count: Int
    /// Format version (or boot protocol version) that introduced it; 0 = every version.
    package let since: Int
    /// One line for people reading the header or `inspect`'s listing.
    package let meaning: String
    /// Who writes it ("kernel", "loader", "kimage pack", "setup stub at boot", ...).
    package let writer: String
    /// The C element type when it is not the unsigned integer of `width` bytes.
    package let cType: String?

    package init(name: String, offset: Int, width: Int, count: Int = 1, since: Int = 0, meaning: String,
                writer: String = "", cType: String? = nil) {
        self.name = name
        self.offset = offset
        self.width = width
        self.count = count
        self.since = since
        self.meaning = meaning
        self.writer = writer
        self.cType = cType
    }

    /// Bytes the field occupies (a flexible array occupies none).
    package var size: Int { width * count }

    /// The field read from `raw` at `base + offset` as an unsigned little-endian integer; nil when
    /// it runs past the end or is not a scalar integer.
    package func load(from raw: UnsafeRawBufferPointer, base: Int = 0) -> UInt64? {
        guard count == 1, cType == nil else { return nil }
        let at = base + offset
        switch width {
        case 1: return raw.loadLE(UInt8.self, at: at).map(UInt64.init)
        case 2: return raw.loadLE(UInt16.self, at: at).map(UInt64.init)
        case 4: return raw.loadLE(UInt32.self, at: at).map(UInt64.init)
        case 8: return raw.loadLE(UInt64.self, at: at)
        default: return nil
        }
    }

    /// Stores the low `width` bytes of `value` at `base + offset` of `bytes`.
    package func store(_ value: UInt64, into bytes: inout [UInt8], base: Int = 0) {
        var v = value
        for i in 0..<width {
            bytes[base + offset + i] = UInt8(truncatingIfNeeded: v)
            v >>= 8
        }
    }
}
