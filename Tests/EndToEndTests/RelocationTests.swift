import Foundation
import Testing
import KImageKit
import TestSupport

/// The protected-mode part runs wherever a boot-protocol loader put it (relocatable_kernel): the
/// 32-bit setup moves it to where its plan runs (templates/boot/relocate.inc). Which loaders here
/// place it elsewhere than 1 MiB: OVMF's legacy -kernel loader (for a file that is not a PE, i.e.
/// --no-efi) allocates 2 * kernel_alignment * n (OvmfPkg LoadLinuxLib, LoadLinuxAllocateKernelPages),
/// and enters code32_start in 32-bit mode (JumpToKernel; never +0x200, and the handover entry only
/// when handover_offset and XLF_EFI_HANDOVER_64 are set). QEMU -kernel always uses 0x100000; GRUB
/// `linux` takes pref_address (0x100000) when it is free, and relocates only when it is not
/// (grub-core/loader/i386/linux.c allocate_pages), so their boots (PackEndToEndTests,
/// UEFILoaderTests) prove that an unmoved image still boots.
@Suite struct RelocationTests {
    func pack(_ spec: PackFixture.Spec, dir: TemporaryDirectory, extra: [String] = []) throws -> String {
        let elf = try PackFixture.build(spec, in: dir)
        let image = dir.file(spec.name + ".img")
        let r = try kimage(["pack", "--kernel", elf, "-o", image] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        return image
    }

    /// What loaders read to place the part: relocatable, 2 MiB preferred, 4 KiB minimum,
    /// 1 MiB preferred address, init_size up to the boot stack; and the real-mode part at least
    /// the 4 KiB OVMF's legacy loader insists on (LoadLinuxCheckKernelSetup), no more.
    @Test(arguments: [true, false])
    func headerDeclaresTheImageRelocatable(efi: Bool) throws {
        let dir = try TemporaryDirectory()
        let spec = PackFixture.Spec(name: "c", bits64: true, virtualBase: 0xFFFF_8000_0010_0000, expectedCmdline: "x", paging: 3)
        let elf = try PackFixture.build(spec, in: dir)
        let image = dir.file("c.img")
        let r = try kimage(["pack", "--kernel", elf, "-o", image, "--json"] + (efi ? [] : ["--no-efi"]))
        #expect(r.status == 0, "\(r.stderr)")
        let h = try SetupHeader(decoding: try contentsOf(image), path: image)
        #expect(h.relocatableKernel == 1)
        #expect(h.kernelAlignment == 0x20_0000)
        #expect(h.minAlignment == 12)
        #expect(h.prefAddress == 0x10_0000 && h.code32Start == 0x10_0000)
        #expect(h.setupSects == 7, "setup_sects \(h.setupSects)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let stackTop = (json?["stackTop"] as? String).flatMap { UInt64($0.dropFirst(2), radix: 16) }
        #expect(stackTop != nil && UInt64(h.initSize) == stackTop! - 0x10_0000, "init_size \(h.initSize), report \(r.stdout)")
    }

    /// OVMF -kernel with a --no-efi image: the firmware's LoadImage refuses the non-PE file, its
    /// legacy loader puts the protected-mode part at 4 MiB, exits boot services, fills E820 and
    /// efi_info and enters code32_start. The setup moves the part to its plan's address and carries
    /// efi_info into the UEFI extension; the fixture checks both, the command line and the initrd.
    @Test func ovmfLegacyKernelLoaderBootsANoEFIImageItPlacedElsewhere() throws {
        let dir = try TemporaryDirectory()
        var spec = PackFixture.Spec(name: "c", bits64: true, virtualBase: 0xFFFF_8000_0010_0000, expectedCmdline: "ovmf-legacy c",
                                    ramMB: 256, paging: 3, initrdSize: 8192, checkFault: true)
        spec.expectUEFI = true
        spec.uefiFromLoader = true
        spec.expectRelocated = true
        let image = try pack(spec, dir: dir, extra: ["--no-efi", "--cmdline", "not this one"])
        #expect(Array(try contentsOf(image).prefix(2)) != Array("MZ".utf8), "a --no-efi image is no PE")
        let initrd = try PackFixture.initrd(in: dir, size: 8192)
        let boot = try OVMF.boot(kernel: image, append: spec.expectedCmdline, initrd: initrd, memory: "256M", in: dir)
        #expect(boot.debugExit == 0x10, "OVMF legacy -kernel did not pass:\n\(boot.serial)\(boot.result.stderr)")
        #expect(boot.serial.contains("PASS") && !boot.serial.contains("FAIL"), "\(boot.serial)")
        for line in UEFILoaderTests.loaderUEFILines + ["ok the loader put the image elsewhere", "loaded at 0x0000000000400000",
                                                       "ok initrd bytes", "cmdline \"ovmf-legacy c\""] {
            #expect(boot.serial.contains(line), "no \"\(line)\" in\n\(boot.serial)")
        }
    }

    /// The move's hard case: the plan's address lies just above where the loader put the part,
    /// inside it, so the copy must run backwards. A 3 MiB bss puts the kernel's end (and the
    /// plan's address, clear of it) a few pages above 4 MiB, where OVMF's legacy loader puts the
    /// part. (Down, as in the test above, the first page goes first and the rest follows.)
    @Test func ovmfLegacyKernelLoaderPartMovesUpOverItself() throws {
        let dir = try TemporaryDirectory()
        var spec = PackFixture.Spec(name: "c", bits64: true, virtualBase: 0xFFFF_8000_0010_0000, expectedCmdline: "up",
                                    ramMB: 256, paging: 3)
        spec.expectUEFI = true
        spec.uefiFromLoader = true
        spec.expectRelocated = true
        spec.bssSize = 0x2F_A000  // the kernel ends a page above 4 MiB, inside the ~6 KiB part loaded there
        let image = try pack(spec, dir: dir, extra: ["--no-efi"])
        let h = try SetupHeader(decoding: try contentsOf(image), path: image)
        let boot = try OVMF.boot(kernel: image, append: "up", memory: "256M", in: dir)
        #expect(boot.debugExit == 0x10, "OVMF legacy -kernel did not pass:\n\(boot.serial)\(boot.result.stderr)")
        #expect(boot.serial.contains("PASS") && !boot.serial.contains("FAIL"), "\(boot.serial)")
        // "  loaded at 0x...., runs at 0x....": the copy's destination overlaps its source, above it.
        let words = boot.serial.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\n" })
        let i = words.firstIndex(of: "loaded").flatMap { $0 + 5 < words.count && words[$0 + 3] == "runs" ? $0 : nil }
        let at = i.flatMap { UInt64(words[$0 + 2].dropFirst(2), radix: 16) }
        let runs = i.flatMap { UInt64(words[$0 + 5].dropFirst(2), radix: 16) }
        let size = UInt64(h.syssize) * 16
        #expect(at != nil && runs != nil && runs! > at! && runs! < at! + size,
                "loaded at \(at.map { hex($0) } ?? "?"), runs at \(runs.map { hex($0) } ?? "?"), part \(hex(size)):\n\(boot.serial)")
    }
}
