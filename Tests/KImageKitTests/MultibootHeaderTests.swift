import Testing
@testable import KImageKit

/// Finding and reading multiboot headers the way loaders find them.
@Suite struct MultibootHeaderTests {
    static func mb1(flags: UInt32, extra: [UInt32] = []) -> [UInt8] {
        var b: [UInt8] = []
        for v in [MultibootHeader.magic, flags, 0 &- (MultibootHeader.magic &+ flags)] + extra { b.appendLE(v) }
        return b
    }

    static func mb2(tags: [[UInt8]]) -> [UInt8] {
        var body: [UInt8] = []
        for t in tags + [[0, 0, 0, 0, 8, 0, 0, 0]] {
            body += t
            body += [UInt8](repeating: 0, count: (8 - body.count % 8) % 8)
        }
        let length = UInt32(16 + body.count)
        var b: [UInt8] = []
        for v in [Multiboot2Header.magic, 0, length, 0 &- (Multiboot2Header.magic &+ length)] { b.appendLE(v) }
        return b + body
    }

    static func tag(_ type: UInt16, optional: Bool = false, _ words: [UInt32] = []) -> [UInt8] {
        var b: [UInt8] = []
        b.appendLE(type); b.appendLE(UInt16(optional ? 1 : 0)); b.appendLE(UInt32(8 + 4 * words.count))
        for w in words { b.appendLE(w) }
        return b
    }

    @Test func mb1IsFoundFourAlignedInTheFirst8KiBWithItsChecksum() {
        let header = Self.mb1(flags: 3)
        var head = [UInt8](repeating: 0, count: 0x1000) + header + [UInt8](repeating: 0, count: 64)
        let found = MultibootHeader.find(in: head)
        #expect(found?.fileOffset == 0x1000)
        #expect(found?.flags == 3)
        #expect(found?.unsupportedRequests.isEmpty == true)
        // Misaligned, past 8 KiB, or with a wrong checksum: not a header.
        #expect(MultibootHeader.find(in: [0, 0] + header) == nil)
        #expect(MultibootHeader.find(in: [UInt8](repeating: 0, count: 8192) + header) == nil)
        head[0x1008] ^= 1
        #expect(MultibootHeader.find(in: head) == nil)
    }

    @Test func mb1RequirementsKimageCannotMeetAreNamed() {
        let unknown = MultibootHeader.find(in: Self.mb1(flags: 1 << 3))!
        #expect(unknown.unsupportedRequests.first?.what.contains("required bits 0x8") == true)
        let graphics = MultibootHeader.find(in: Self.mb1(flags: 1 << 2, extra: [0, 0, 0, 0, 0, 0, 1024, 768, 32]))!
        #expect(graphics.unsupportedRequests.first?.what.contains("linear graphics mode") == true)
        let text = MultibootHeader.find(in: Self.mb1(flags: 1 << 2, extra: [0, 0, 0, 0, 0, 1, 80, 25, 0]))!
        #expect(text.unsupportedRequests.isEmpty)
        #expect(text.flagMeanings == ["bit 2: give video mode information (mode_type/width/height/depth)"])
    }

    @Test func mb2IsFoundEightAlignedWithArchitecture0AndItsTagsWalked() {
        let header = Self.mb2(tags: [Self.tag(1, [1, 6, 14]), Self.tag(3, [0x100040]), Self.tag(6)])
        let found = Multiboot2Header.find(in: [UInt8](repeating: 0, count: 24) + header)
        #expect(found?.fileOffset == 24)
        #expect(found?.tags.map(\.type) == [1, 3, 6, 0])
        #expect(found?.tag(3)?.word(0) == 0x100040)
        #expect(found?.tagProblem == nil)
        #expect(found?.unsupportedRequests.isEmpty == true)
        #expect(Multiboot2Header.find(in: [0, 0, 0, 0] + header) == nil, "4-aligned is not enough")
        var mips = header
        mips.storeLE(UInt32(4), at: 4)
        mips.storeLE(0 &- (Multiboot2Header.magic &+ 4 &+ UInt32(header.count)), at: 12)
        #expect(Multiboot2Header.find(in: mips) == nil, "architecture 4 (MIPS) is not for x86")
    }

    @Test func mb2RequestsKimageCannotMeetAreNamed() {
        func problems(_ tags: [[UInt8]]) -> [String] { Multiboot2Header.find(in: Self.mb2(tags: tags))!.unsupportedRequests.map(\.what) }
        #expect(problems([Self.tag(7)]).first?.contains("tag type 7 (EFI boot services)") == true)
        #expect(problems([Self.tag(7, optional: true)]).isEmpty)
        #expect(problems([Self.tag(5, [1024, 768, 32])]).first?.contains("1024x768x32 framebuffer") == true)
        #expect(problems([Self.tag(1, [1, 99])]).first?.contains("information tag types 99") == true)
        #expect(problems([Self.tag(1, optional: true, [99])]).isEmpty)
        #expect(problems([Self.tag(2, [0x100000, 0x100000, 0, 0])]).first?.contains("no entry address tag") == true)
        #expect(problems([Self.tag(4, [1])]).first?.contains("requires a console") == true)
        #expect(problems([Self.tag(42)]).first?.contains("tag type 42") == true)
    }
}
