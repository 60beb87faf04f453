import Foundation
import Testing
import KImageKit
import TestSupport

/// LZ4Block against the real liblz4 and, as an independent reader, the `lz4` command (which
/// reads a block wrapped in LZ4's legacy frame: magic 0x184C2102, then each block's size).
@Suite struct CompressionTests {
    /// Bytes that compress, like code and data do: repeated phrases with some noise.
    static func sample(_ count: Int, seed: UInt64 = 1) -> [UInt8] {
        var state = seed
        var out: [UInt8] = []
        let words = ["mov rax, ", "call ", "kimage ", "\u{0}\u{0}\u{0}\u{0}", "0x1000", "ret\n"].map { Array($0.utf8) }
        while out.count < count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            out += words[Int(state >> 60) % words.count]
            if state & 0xF0 == 0 { out.append(UInt8(truncatingIfNeeded: state >> 24)) }
        }
        return Array(out.prefix(count))
    }

    static func compress(_ bytes: [UInt8]) throws -> [UInt8]? {
        try bytes.withUnsafeBytes { try LZ4Block.compress($0, part: "test") }
    }

    @Test(arguments: [1_000, 65_536, 1_000_003])
    func blocksRoundTripThroughLiblz4(count: Int) throws {
        let bytes = Self.sample(count)
        let block = try #require(try Self.compress(bytes))
        #expect(block.count < bytes.count / 2)
        #expect(try LZ4Block.decompress(block, size: bytes.count, part: "test") == bytes)
    }

    @Test func theLz4CommandReadsTheBlockInALegacyFrame() throws {
        let dir = try TemporaryDirectory()
        let bytes = Self.sample(300_000, seed: 7)
        let block = try #require(try Self.compress(bytes))
        var frame: [UInt8] = [0x02, 0x21, 0x4C, 0x18]
        frame += withUnsafeBytes(of: UInt32(block.count).littleEndian, Array.init) + block
        let path = dir.file("payload.lz4")
        try Data(frame).write(to: URL(fileURLWithPath: path))
        _ = try mustRun(requireTool("lz4"), ["-d", "-f", path, dir.file("payload")])
        #expect(try contentsOf(dir.file("payload")) == bytes)
    }

    @Test func bytesThatDoNotShrinkGiveNoBlock() throws {
        var state: UInt64 = 99
        let noise = (0..<4096).map { _ -> UInt8 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        #expect(try Self.compress(noise) == nil)
        #expect(try Self.compress([]) == nil)
    }

    @Test func aBlockThatDoesNotDecodeToItsSizeIsRefused() throws {
        let bytes = Self.sample(10_000)
        let block = try #require(try Self.compress(bytes))
        #expect(throws: CompressionError.self) { try LZ4Block.decompress(Array(block.dropLast(3)), size: bytes.count, part: "segment 1") }
        #expect(throws: CompressionError.self) { try LZ4Block.decompress(block, size: bytes.count + 1, part: "segment 1") }
        do {
            _ = try LZ4Block.decompress(block, size: bytes.count - 1, part: "segment 1")
            Issue.record("a block decoded into less room than it needs")
        } catch let e as any KImageError {
            #expect(e.description.contains("the LZ4 block of segment 1 is corrupt"), "\(e)")
        }
    }

    /// The setup's check (STEP_CHECK) must notice any one changed byte, wherever it is.
    @Test func theChecksumChangesWithEveryByte() throws {
        let block = try #require(try Self.compress(Self.sample(2_000)))
        let sum = LZ4Block.checksum(block)
        for i in block.indices {
            for flip: UInt8 in [0x01, 0x80, 0xFF] {
                var b = block
                b[i] ^= flip
                #expect(LZ4Block.checksum(b) != sum, "byte \(i) ^ \(flip)")
            }
        }
        // Words little-endian, then the tail bytes, as lz4.inc adds them.
        #expect(LZ4Block.checksum([1, 2, 3, 4, 5, 6]) == 0x0403_0201 &+ 5 &+ 6)
    }

    @Test func theStepEncodesAndDecodesWithBothSizesAndTheCheck() throws {
        var plan = LoadPlan()
        plan.steps = [.decompress(destination: 0x10_0000, sourceOffset: 0x9000, packedSize: 0x1234, size: 0x8000, checksum: 0xDEAD_BEEF),
                      .zero(destination: 0x10_8000, size: 0x100)]
        let b = plan.encode(at: 0x200)
        // Two 16-byte slots: the step, then STEP_DATA with the block's size and check; then the zero.
        let words = (0..<9).map { b.loadLE(UInt32.self, at: LoadPlan.headerSize + 4 * $0) }
        #expect(words == [4, 0x10_0000, 0x9000, 0x8000, 0, 0, 0x1234, 0xDEAD_BEEF, 2])
        #expect(b.loadLE(UInt32.self, at: 0x2C) == 3, "PLAN_STEP_COUNT counts slots")
        let decoded = try #require(b.withUnsafeBytes { LoadPlan(decoding: $0, at: 0) })
        #expect(decoded.steps == plan.steps)
    }
}
