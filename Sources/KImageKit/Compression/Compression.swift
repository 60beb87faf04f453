/// How `kimage pack` stores the payload (the kernel's loadable bytes the plan copies).
public enum Compression: String, Sendable, CaseIterable, Codable {
    /// Bytes as the ELF has them: the plan copies them.
    case none
    /// One LZ4 block per segment (LZ4Block): the setup decompresses it (templates/boot/lz4.inc).
    case lz4

    /// "37.2% of its size": a block's bytes against what it decodes to.
    static func ratioText(packed: UInt64, size: UInt64) -> String {
        guard size > 0 else { return "empty" }
        let tenths = (packed * 1000 + size / 2) / size
        return "\(tenths / 10).\(tenths % 10)% of its size"
    }
}
