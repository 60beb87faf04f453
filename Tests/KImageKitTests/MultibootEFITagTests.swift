import Testing
@testable import KImageKit

/// What a multiboot2 header may require of a UEFI boot, and the room the template keeps for it.
@Suite struct MultibootEFITagTests {
    func header(_ tags: [[UInt8]]) -> Multiboot2Header { Multiboot2Header.find(in: MultibootHeaderTests.mb2(tags: tags))! }

    @Test func requiredEFITagsAreUEFIOnlyAndRefusedWithoutTheStub() {
        let required = header([MultibootHeaderTests.tag(1, [1, 12, 17])])
        #expect(required.requiredUEFITags == [12, 17])
        #expect(required.unsupportedRequests(efi: true).isEmpty, "the EFI stub gives 12 and 17 under UEFI")
        let refused = required.unsupportedRequests(efi: false).map(\.what)
        #expect(refused.count == 2 && refused[0].contains("requires information tag 12 (EFI 64-bit system table), which only a UEFI boot gives"))
        #expect(refused[1].contains("information tag 17 (EFI memory map)"))
        let optional = header([MultibootHeaderTests.tag(1, optional: true, [12, 17])])
        #expect(optional.requiredUEFITags.isEmpty && optional.unsupportedRequests(efi: false).isEmpty)
    }

    @Test func tagsAUEFIBootNeverGivesAreRefusedWhenRequired() {
        for (type, why) in [(11, "64-bit"), (18, "exits boot services"), (19, "image handle"), (20, "image handle")] {
            let what = header([MultibootHeaderTests.tag(1, [UInt32(type)])]).unsupportedRequests.map(\.what)
            #expect(what.count == 1 && what[0].contains("requires information tag \(type) (") && what[0].contains(why), "\(what)")
        }
    }

    @Test func theTemplateKeepsRoomForTheEFITagsOnlyWithTheStub() throws {
        func template(efi: Bool, framebuffer: Bool) -> (bytes: [UInt8], fill: MultibootInfoTemplate.Fill) {
            let t = MultibootInfoTemplate(handoff: .multiboot2, framebuffer: framebuffer, sections: nil, cmdlineCapacity: 2048,
                                          loadBase: 0x100000, efi: efi, needsUEFI: efi)
            let b = t.encode(base: 0x200000, sectionAddresses: [:])
            let fill = MultibootInfoTemplate.fillLayout.decode(b, into: MultibootInfoTemplate.Fill())!
            return (b, fill)
        }
        let bios = template(efi: false, framebuffer: true), uefi = template(efi: true, framebuffer: true)
        #expect(uefi.bytes.count - bios.bytes.count == 40 + 16 + 16 + EFIStub.memoryMapCapacity)
        // The framebuffer tag is the last pack-time tag: the GOP's replaces it where it stands.
        #expect(uefi.fill.framebufferTag == uefi.fill.cursor - 32)
        #expect(uefi.bytes.loadLE(UInt32.self, at: Int(uefi.fill.framebufferTag - 0x200000)) == Multiboot2Info.tagFramebuffer)
        #expect(uefi.fill.flags == MultibootInfoTemplate.flagNeedsUEFI && bios.fill.flags == 0)
        let none = template(efi: true, framebuffer: false)
        #expect(none.fill.framebufferTag == none.fill.cursor, "no pack-time framebuffer: the GOP's goes at the cursor")
    }
}
