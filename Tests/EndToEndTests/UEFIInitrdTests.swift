import Foundation
import Testing
import KImageKit
import TestSupport

/// An initrd when the firmware starts the image itself: `initrd=PATH` on the command line
/// (LoadOptions), read from the image's own volume the way Linux's EFI stub does. `kimage esp
/// --initrd` puts the file on the ESP and the argument in startup.nsh.
@Suite struct UEFIInitrdTests {
    @Test func espInitrdReachesAKernelStartedByTheFirmware() throws {
        let dir = try TemporaryDirectory()
        let initrd = try PackFixture.initrd(in: dir, size: 70_001)
        let line = "console=ttyS0 \(ESPImage.initrdArgument)"
        // The fixture's expected line is a C string literal: its backslashes doubled.
        var spec = PackFixture.Spec(name: "c", bits64: true, virtualBase: 0xFFFF_8000_0010_0000,
                                    expectedCmdline: line.replacingOccurrences(of: "\\", with: "\\\\"), ramMB: 256, paging: 3,
                                    initrdSize: 70_001)
        spec.expectUEFI = true
        let elf = try PackFixture.build(spec, in: dir)
        let image = dir.file("c.img")
        let packed = try kimage(["pack", "--kernel", elf, "-o", image])
        #expect(packed.status == 0, "\(packed.stderr)")
        let esp = dir.file("esp.img")
        let r = try kimage(["esp", "-o", esp, image, "--cmdline", "console=ttyS0", "--initrd", initrd])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\\EFI\\kimage\\initrd.img"), "\(r.stdout)")
        _ = try mustRun(requireTool("fsck.fat"), ["-n", esp])
        let boot = try OVMF.boot(esp: esp, memory: "256M", in: dir)
        #expect(boot.debugExit == 0x10, "fixture c with an initrd from the ESP did not pass:\n\(boot.serial)\(boot.result.stderr)")
        #expect(boot.serial.contains("PASS") && !boot.serial.contains("FAIL"), "\(boot.serial)")
        for text in ["ok initrd bytes", "ok booted by UEFI", "cmdline \"\(line)\""] {
            #expect(boot.serial.contains(text), "\(text):\n\(boot.serial)")
        }
    }
}
