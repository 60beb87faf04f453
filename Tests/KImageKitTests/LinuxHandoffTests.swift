import Foundation
import Testing
@testable import KImageKit
import TestSupport

/// The Linux 64-bit handoff's pieces: vmlinux detection, the boot_params declaration, the RAM
/// checks the plan carries.
@Suite struct LinuxHandoffTests {
    @Test func ramCheckStepsRoundTripWithTheirPartNames() throws {
        var plan = LoadPlan()
        plan.steps = [.needRAM(destination: 0x100_0000, size: 0x2000, part: "segment 3"),
                      .copy(destination: 0x100_0000, sourceOffset: 0x4000, size: 0x123),
                      .needRAM(destination: 0x20_0000, size: 0x4000, part: "the boot stack")]
        plan.defaultCommandLine = Array("quiet".utf8)
        let b = plan.encode(at: 0x300)
        #expect(b.count == plan.encodedSize && b.count % 16 == 0)
        // Names follow the command line; a step's source field is its name's offset.
        let cmdline = Int(b.loadLE(UInt32.self, at: 0x30)!)
        #expect(Array(b[0x40..<0x50]) == le32([3, 0x100_0000, UInt32(cmdline + 6), 0x2000]))
        #expect(Array(b[0x60..<0x70]) == le32([3, 0x20_0000, UInt32(cmdline + 6 + 10), 0x4000]))
        let at = cmdline - 0x300
        #expect(Array(b[at..<at + 6 + 10 + 15]) == Array("quiet\0segment 3\0the boot stack\0".utf8))
        // The plan's offsets count from the start of the protected-mode part, 0x300 before it.
        let shifted = [UInt8](repeating: 0, count: 0x300) + b
        #expect(shifted.withUnsafeBytes { LoadPlan(decoding: $0, at: 0x300) } == plan)
    }

    @Test func bootParamsTemplateWritesOnlyItsDeclaredFields() {
        var bp = BootParams()
        bp.address = 0x20_0000
        bp.version = 0x020C
        let b = bp.encode()
        #expect(b.count == 4096 + 2048)
        #expect(b[0x1EF] == 0, "sentinel")
        #expect(b.loadLE(UInt32.self, at: 0x23C) == 0, "hardware_subarch")
        #expect(b.loadLE(UInt16.self, at: 0x206) == 0x020C)
        #expect(b.loadLE(UInt16.self, at: 0x1FA) == 0xFFFF)
        #expect(b.loadLE(UInt32.self, at: 0x228) == 0x20_1000, "cmd_line_ptr: the buffer after the page")
        #expect(b[0x211] == 0x01, "LOADED_HIGH, KASLR_FLAG clear")
        #expect(b[0x06] == 3 && b[0x07] == 80 && b[0x0E] == 25 && b[0x0F] == 1 && b.loadLE(UInt16.self, at: 0x10) == 16)
        // Every non-zero byte lies in a declared field.
        for (i, v) in b.enumerated() where v != 0 {
            let f = BootParams.layout.fields.first { i >= $0.offset && i < $0.offset + $0.size }
            #expect(f?.writer == "kimage pack (Linux handoff)" || i >= 4096, "byte \(i) is not a field kimage pack writes")
        }
    }

    @Test func linuxNotesAreFoundAmongOthers() {
        var b: [UInt8] = []
        func note(_ name: String, _ type: UInt32, _ desc: [UInt8]) {
            let n = Array(name.utf8) + [0]
            b += le32([UInt32(n.count), UInt32(desc.count), type])
            b += n + [UInt8](repeating: 0, count: (4 - n.count % 4) % 4)
            b += desc + [UInt8](repeating: 0, count: (4 - desc.count % 4) % 4)
        }
        note("Xen", 18, [0, 0, 0, 1, 0, 0, 0, 0])
        note("GNU", 3, Array(repeating: 0xAB, count: 20))
        note("Linux", 0x100, Array("salt".utf8) + [0])
        note("Linuxx", 0x101, [1])
        note("Linux", 0, le32([0x060100]))
        let types = b.withUnsafeBytes { LinuxVmlinux.linuxNoteTypes($0, from: 0, count: b.count) }
        #expect(types == [0x100, 0])
        // A note whose sizes run past the segment ends the walk without reading out of it.
        var bad = b
        bad.replaceSubrange(4..<8, with: le32([0xFFFF_FFF0]))
        #expect(bad.withUnsafeBytes { LinuxVmlinux.linuxNoteTypes($0, from: 0, count: bad.count) } == [])
    }

    @Test func vmlinuxFixtureIsRecognisedAndAKernelWithoutTheNoteIsNot() throws {
        let dir = try TemporaryDirectory()
        let vmlinux = try LinuxFixture.vmlinux(in: dir, cmdline: "x", ramMB: 128, initrdSize: nil)
        let headers = try mustRun("readelf", ["-lhW", vmlinux]).stdout
        #expect(headers.contains("Entry point address:               0x1000000"), "\(headers)")
        #expect(headers.contains("0xffffffff81000000 0x0000000001000000"), "\(headers)")
        #expect(headers.contains("0x0000000000000000 0x000000000100"), "no percpu segment at vaddr 0:\n\(headers)")
        let found = try LinuxVmlinux.detect(try ELFHeaders(path: vmlinux))
        #expect(found?.noteTypes == [0x100])
        #expect(found?.reason.contains("\"Linux\" ELF note (type 0x100)") == true)
        let other = try LinuxFixture.vmlinux(in: dir, cmdline: "x", ramMB: 128, initrdSize: nil, withLinuxNote: false, name: "plain")
        #expect(try LinuxVmlinux.detect(try ELFHeaders(path: other)) == nil)
        // A kimage-style ELF64 (virtual entry) is no vmlinux either.
        let kimageStyle = try PackFixture.build(.init(name: "k", bits64: true, virtualBase: 0xFFFF_8000_0010_0000, expectedCmdline: "", paging: 3), in: dir)
        #expect(try LinuxVmlinux.detect(try ELFHeaders(path: kimageStyle)) == nil)
    }

    @Test func packWarnsOnlyAboveWhatMinus128Has() {
        #expect(BootImageLayout.ramWarnings(top: 0x7FE_0000, kernelStart: 0, kernelEnd: 0).isEmpty)
        let w = BootImageLayout.ramWarnings(top: 0x7FE_1000, kernelStart: 0x100000, kernelEnd: 0x7FD_0000)
        #expect(w.count == 1 && w[0].contains("-m 128 (QEMU's default)") && w[0].contains("boot with -m 129M or more"))
        let far = BootImageLayout.ramWarnings(top: 0xC000_0000, kernelStart: 0xBF00_0000, kernelEnd: 0xBFFF_C000)
        #expect(far.count == 1 && far[0].contains("a typical machine (-m 128 .. -m 512)") && far[0].contains("-m 3073M"))
    }

    func le32(_ values: [UInt32]) -> [UInt8] { values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } } }
}
