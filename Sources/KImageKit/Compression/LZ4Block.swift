import CLZ4

/// The LZ4 block format (lz4's doc/lz4_Block_format.md): sequences of a token (literal length
/// high nibble, match length - 4 low nibble, 15 meaning "more bytes follow, each added, until one
/// is not 255"), the literals, a 2-byte little-endian match offset; the last sequence is literals
/// only. No frame, no checksum: the plan records both sizes, which is all the boot decompressor
/// (templates/boot/lz4.inc) needs, and the smallest one to write.
package enum LZ4Block {
    /// The largest input one block holds (LZ4_MAX_INPUT_SIZE).
    package static let maximumInput = Int(LZ4_MAX_INPUT_SIZE)

    /// `bytes` as one LZ4 block, with liblz4's high-compression coder (packing is once, booting
    /// every time: the smaller block is worth the slower pack). nil when the block is not smaller.
    package static func compress(_ bytes: UnsafeRawBufferPointer, part: String, level: Int32 = 9) throws -> [UInt8]? {
        guard bytes.count <= maximumInput else {
            throw CompressionError.inputTooLarge(part: part, size: bytes.count, maximum: maximumInput)
        }
        guard !bytes.isEmpty else { return nil }
        // Capacity count - 1: liblz4 gives up (returns 0) as soon as the block would not be smaller.
        let capacity = bytes.count - 1
        var out = [UInt8](repeating: 0, count: capacity)
        let n = out.withUnsafeMutableBytes { dst in
            LZ4_compress_HC(bytes.baseAddress!.assumingMemoryBound(to: CChar.self),
                            dst.baseAddress!.assumingMemoryBound(to: CChar.self),
                            Int32(bytes.count), Int32(capacity), level)
        }
        guard n > 0 else { return nil }
        out.removeSubrange(Int(n)...)
        return out
    }

    /// Decodes `block` to exactly `size` bytes, refusing anything else (liblz4's safe decoder
    /// never reads or writes outside its buffers): inspect's check and the tests' reference.
    package static func decompress(_ block: [UInt8], size: Int, part: String) throws -> [UInt8] {
        guard size >= 0, size <= maximumInput, block.count <= maximumInput else {
            throw CompressionError.corruptBlock(part: part, detail: "sizes \(block.count) -> \(size) are out of range")
        }
        var out = [UInt8](repeating: 0, count: size)
        let n = block.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                LZ4_decompress_safe(src.baseAddress?.assumingMemoryBound(to: CChar.self),
                                    dst.baseAddress?.assumingMemoryBound(to: CChar.self),
                                    Int32(block.count), Int32(size))
            }
        }
        guard n == Int32(size) else {
            throw CompressionError.corruptBlock(part: part, detail: n < 0 ? "liblz4 stopped at input byte \(-n - 1)" : "it decodes to \(n) bytes, not \(size)")
        }
        return out
    }

    /// What the setup checks before decoding (STEP_CHECK): the block's little-endian u32 words,
    /// then its last 0..3 bytes, summed mod 2^32. LZ4 blocks carry no checksum (the frame's
    /// xxHash32 is too much code for the setup) and a flipped literal decodes without error; a
    /// sum catches every single changed byte (it changes the sum by d << 8k, d < 256, k < 4).
    package static func checksum(_ block: [UInt8]) -> UInt32 {
        var sum: UInt32 = 0
        let words = block.count / 4
        for i in 0..<words {
            sum &+= UInt32(block[4 * i]) | UInt32(block[4 * i + 1]) << 8 | UInt32(block[4 * i + 2]) << 16 | UInt32(block[4 * i + 3]) << 24
        }
        for b in block[(4 * words)...] { sum &+= UInt32(b) }
        return sum
    }
}
