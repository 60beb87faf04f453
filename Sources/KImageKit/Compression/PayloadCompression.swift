/// The LZ4 blocks `pack --compress lz4` stores instead of segment bytes: one block per segment
/// with file bytes, each decoded by its own plan step. A segment whose block would not be
/// smaller is stored as it is and named in `kept`.
struct PayloadCompression: Sendable {
    /// Blocks by segment index.
    var blocks: [Int: [UInt8]] = [:]
    /// Segments that did not shrink, stored uncompressed.
    var kept: [Int] = []

    init() {}

    init(segments: [ELFSegment], kernel: ELFHeaders, method: Compression) throws {
        guard method == .lz4 else { return }
        for s in segments where s.fileSize > 0 {
            let count = min(s.fileSize, s.memorySize)
            try kernel.file.load(offset: s.offset, count: count)
            let bytes = UnsafeRawBufferPointer(rebasing: kernel.bytes[Int(s.offset)..<Int(s.offset + count)])
            if let block = try LZ4Block.compress(bytes, part: "segment \(s.index)") {
                blocks[s.index] = block
            } else {
                kept.append(s.index)
            }
        }
    }

    /// What pack reports about the payload.
    func notes(segments: [ELFSegment]) -> [String] {
        guard !blocks.isEmpty || !kept.isEmpty else { return [] }
        var notes: [String] = []
        let packed = segments.compactMap { s in blocks[s.index].map { (s, $0.count) } }
        if !packed.isEmpty {
            let original = packed.reduce(0) { $0 + Int(min($1.0.fileSize, $1.0.memorySize)) }
            let size = packed.reduce(0) { $0 + $1.1 }
            notes.append("payload compressed with LZ4: \(original) bytes in \(packed.count) block\(packed.count == 1 ? "" : "s") of \(size) bytes (\(Compression.ratioText(packed: UInt64(size), size: UInt64(original)))), decoded by the setup")
        }
        for index in kept {
            notes.append("segment \(index) does not shrink under LZ4: stored uncompressed, copied by the setup")
        }
        return notes
    }
}
