/// Failures compressing a payload (`kimage pack --compress`).
package enum CompressionError: KImageError, Equatable {
    case inputTooLarge(part: String, size: Int, maximum: Int)
    case libraryFailed(part: String, size: Int, detail: String)
    case corruptBlock(part: String, detail: String)
    case unknownMethod(text: String)

    package var description: String {
        switch self {
        case .inputTooLarge(let part, let size, let maximum):
            return "\(part) is \(size) bytes; liblz4 compresses at most \(maximum) bytes in one block: pack it with --compress none"
        case .libraryFailed(let part, let size, let detail):
            return "liblz4 failed to compress \(part) (\(size) bytes): \(detail); expected an LZ4 block: pack with --compress none, or check the liblz4 installation (apt-get install liblz4-dev)"
        case .corruptBlock(let part, let detail):
            return "the LZ4 block of \(part) is corrupt: \(detail); expected a block that decodes to exactly its recorded size: pack the image again"
        case .unknownMethod(let text):
            return "--compress \(text) is not a compression; expected lz4 or none"
        }
    }
}
