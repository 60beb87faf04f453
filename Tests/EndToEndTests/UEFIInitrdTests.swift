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

extension UEFIInitrdTests {
    /// systemd-boot (Debian's systemd-boot-efi, v252) offers an entry's `initrd` through LoadFile2
    /// on the LINUX_EFI_INITRD_MEDIA device path (src/boot/efi/initrd.c), as GRUB 2.12 does, and
    /// also names it first on the line (initrd=\initrd.bin) for older kernels. The stub takes
    /// LoadFile2 first, as Linux's does; with the initrd= path disabled this still passed.
    @Test func systemdBootEntryInitrdReachesTheKernel() throws {
        let dir = try TemporaryDirectory()
        let initrd = try PackFixture.initrd(in: dir, size: 4097)
        let line = "initrd=\\initrd.bin console=ttyS0 sd-initrd"
        var spec = PackFixture.Spec(name: "b", bits64: false, virtualBase: 0xC010_0000,
                                    expectedCmdline: line.replacingOccurrences(of: "\\", with: "\\\\"),
                                    ramMB: 256, paging: 1, initrdSize: 4097)
        spec.expectUEFI = true
        let elf = try PackFixture.build(spec, in: dir)
        let image = dir.file("b.img")
        #expect(try kimage(["pack", "--kernel", elf, "-o", image]).status == 0)
        let boot = try SystemdBoot.boot(image: image, options: "console=ttyS0 sd-initrd", initrd: initrd, in: dir)
        #expect(boot.debugExit == 0x10, "fixture b with a systemd-boot initrd did not pass:\n\(boot.serial)\(boot.result.stderr)")
        #expect(boot.serial.contains("PASS") && !boot.serial.contains("FAIL"), "\(boot.serial)")
        for text in ["ok initrd bytes", "ok booted by UEFI", "cmdline \"\(line)\""] {
            #expect(boot.serial.contains(text), "\(text):\n\(boot.serial)")
        }
    }

    /// OVMF -kernel with -initrd: the firmware's own loader offers the file (LoadFile2 on
    /// 2022.11, QemuKernelLoaderFsDxe) and names it on the command line (initrd=initrd).
    @Test func ovmfKernelInitrdReachesTheKernel() throws {
        let dir = try TemporaryDirectory()
        let initrd = try PackFixture.initrd(in: dir, size: 3000)
        var spec = PackFixture.Spec(name: "a", bits64: false, virtualBase: 0x10_0000, expectedCmdline: "ovmf-initrd initrd=initrd",
                                    ramMB: 256, paging: 0, initrdSize: 3000)
        spec.expectUEFI = true
        let elf = try PackFixture.build(spec, in: dir)
        let image = dir.file("a.img")
        #expect(try kimage(["pack", "--kernel", elf, "-o", image]).status == 0)
        let boot = try OVMF.boot(kernel: image, append: "ovmf-initrd", initrd: initrd, memory: "256M", in: dir)
        #expect(boot.debugExit == 0x10, "fixture a with OVMF -initrd did not pass:\n\(boot.serial)\(boot.result.stderr)")
        #expect(boot.serial.contains("ok initrd bytes"), "\(boot.serial)")
    }
}

extension UEFIInitrdTests {
    /// initrd= naming no file: the stub names the argument and the status on the console and
    /// returns the error to the firmware; the kernel never runs. (The firmware then waits in its
    /// boot menu: the boot ends by timeout.)
    @Test func aMissingInitrdIsNamedAndTheFirmwareGetsTheError() throws {
        let dir = try TemporaryDirectory()
        var spec = PackFixture.Spec(name: "a", bits64: false, virtualBase: 0x10_0000, expectedCmdline: "", ramMB: 256, paging: 0)
        spec.expectUEFI = true
        let elf = try PackFixture.build(spec, in: dir)
        let image = dir.file("a.img")
        #expect(try kimage(["pack", "--kernel", elf, "-o", image]).status == 0)
        let boot = try OVMF.boot(kernel: image, append: "console=ttyS0 initrd=/boot/nope.img", memory: "256M", in: dir, timeout: 25)
        #expect(boot.serial.contains("kimage EFI stub: cannot load the initrd initrd=/boot/nope.img (EFI status 0x8000000000000"),
                "\(boot.serial)")
        #expect(boot.serial.contains("initrd= names a file on this image's own FAT volume"), "\(boot.serial)")
        #expect(!boot.serial.contains("kimage fixture"), "\(boot.serial)")
    }
}
