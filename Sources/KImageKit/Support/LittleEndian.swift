/// Explicit little-endian encoding and decoding: every binary format kimage writes or reads goes
/// through these, never through a pointer cast into a struct.
extension Array where Element == UInt8 {
    package mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        var v = value.littleEndian
        Swift.withUnsafeBytes(of: &v) { append(contentsOf: $0) }
    }

    /// Writes `value` at `offset`, which must lie within the array.
    package mutating func storeLE<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        var v = value
        for i in 0..<MemoryLayout<T>.size {
            self[offset + i] = UInt8(truncatingIfNeeded: v)
            v = v >> 8
        }
    }
}

extension UnsafeRawBufferPointer {
    /// Reads a little-endian integer at `offset`; nil when it would run past the end.
    package func loadLE<T: FixedWidthInteger>(_: T.Type = T.self, at offset: Int) -> T? {
        guard offset >= 0, offset <= count - MemoryLayout<T>.size else { return nil }
        return T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

extension Collection where Element == UInt8, Index == Int {
    /// Reads a little-endian integer at `offset`; nil when it would run past the end.
    package func loadLE<T: FixedWidthInteger>(_: T.Type = T.self, at offset: Int) -> T? {
        let size = MemoryLayout<T>.size
        guard offset >= startIndex, offset <= endIndex - size else { return nil }
        var value: T = 0
        for i in (0..<size).reversed() {
            value = (value << 8) | T(self[offset + i])
        }
        return value
    }
}

/// The exclusive end of `[start, start + size)` as `hex(_:digits:)` would write it; a range
/// ending at 2^64 prints `0x10000000000000000`, not the 0 its end wraps to.
package func hexEnd(start: UInt64, size: UInt64, digits: Int = 0) -> String {
    let end = start &+ size
    return end == 0 && size != 0 ? "0x1" + String(repeating: "0", count: 16) : hex(end, digits: digits)
}

/// `0x` followed by `digits` hex digits, zero-padded.
package func hex<T: BinaryInteger>(_ value: T, digits: Int = 0) -> String {
    "0x" + String(value, radix: 16).leftPadded(digits)
}
