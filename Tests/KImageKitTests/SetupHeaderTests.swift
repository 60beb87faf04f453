import Testing
import KImageKit

@Suite struct SetupHeaderTests {
    @Test func roundTripsEveryFieldAtItsDocumentedOffset() throws {
        var h = SetupHeader()
        h.setupSects = 4
        h.syssize = 0x1234
        h.jump = 0x66EB
        h.version = 0x020C
        h.code32Start = 0x100200
        h.initSize = 0x0040_0000
        h.prefAddress = 0x100000
        h.cmdlineSize = 2047
        var image = [UInt8](repeating: 0, count: 0x400)
        h.encode(into: &image)
        // Spot checks against boot.rst offsets, read independently of SetupHeader.
        #expect(image[0x1F1] == 4)
        #expect(image[0x1FE] == 0x55 && image[0x1FF] == 0xAA)
        #expect(Array(image[0x202..<0x206]) == Array("HdrS".utf8))
        #expect(image[0x206] == 0x0C && image[0x207] == 0x02)
        #expect(image.loadLE(UInt32.self, at: 0x214) == 0x100200)
        #expect(image.loadLE(UInt32.self, at: 0x260) == 0x0040_0000)
        let back = try SetupHeader(decoding: image)
        #expect(back == h)
        #expect(back.versionString == "2.12")
        #expect(back.headerEnd == 0x268)
        #expect(back.realModeSize == 5 * 512)
        #expect(back.value(of: SetupHeader.layout.field(named: "syssize")!) == 0x1234)
        #expect(back.loadflagNames == ["LOADED_HIGH"])
    }

    @Test func encodingStopsAtTheHeaderEndTheJumpDeclares() throws {
        var h = SetupHeader()
        h.jump = 0x66EB                 // header ends at 0x268: 0x268.. is setup code
        h.kernelInfoOffset = 0xDEADBEEF
        var image = [UInt8](repeating: 0x90, count: 0x400)
        h.encode(into: &image)
        #expect(Array(image[0x268..<0x26C]) == [0x90, 0x90, 0x90, 0x90])
        h.jump = 0x6AEB                 // 2.15: kernel_info_offset is part of the header
        h.encode(into: &image)
        #expect(image.loadLE(UInt32.self, at: 0x268) == 0xDEADBEEF)
    }

    @Test func fieldTableCoversTheHeaderWithoutGapsOrOverlaps() {
        var next = SetupHeader.start
        for f in SetupHeader.layout.fields {
            #expect(f.offset == next, "\(f.name) at \(hex(f.offset)), expected \(hex(next))")
            next = f.offset + f.size
        }
        #expect(next == SetupHeader.end)
    }

    @Test func refusesAFileTooShortForTheHeader() {
        #expect(throws: BootImageError.self) { try SetupHeader(decoding: [UInt8](repeating: 0, count: 0x200)) }
    }
}
