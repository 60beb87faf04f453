import Foundation
import Testing
import KImageKit
import TestSupport

/// `kimage pack` end to end: fixture kernels built now, packed, booted under QEMU -kernel.
@Suite struct PackEndToEndTests {
    static let initrdSize = 8192

    /// Packs `spec`'s kernel and boots it; returns the serial output after checking it passed.
    @discardableResult
    func packAndBoot(_ spec: PackFixture.Spec, dir: TemporaryDirectory, extra: [String] = [], append: String?,
                     initrd: Bool = true, system: String = "qemu-system-x86_64") throws -> QEMU.Boot {
        let elf = try PackFixture.build(spec, in: dir)
        let image = dir.file(spec.name + ".img")
        let r = try kimage(["pack", "--kernel", elf, "-o", image] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        let rd = initrd ? try PackFixture.initrd(in: dir, size: Self.initrdSize) : nil
        let boot = try QEMU.boot(kernel: image, append: append, initrd: rd, memory: "\(spec.ramMB)M", system: system)
        #expect(boot.debugExit == 0x10, "fixture \(spec.name) did not pass:\n\(boot.serial)\(boot.result.stderr)")
        #expect(boot.serial.contains("PASS") && !boot.serial.contains("FAIL"), "\(boot.serial)")
        return boot
    }

    @Test func elf64HigherHalfOverlappingTheImageBootsUnderQEMU() throws {
        // gopher-os: linked at 0xFFFF800000100000, loaded at 1 MiB, on top of the image.
        let dir = try TemporaryDirectory()
        let spec = PackFixture.Spec(name: "c", bits64: true, virtualBase: 0xFFFF_8000_0010_0000, expectedCmdline: "console=ttyS0 c-fixture",
                                    paging: 3, initrdSize: Self.initrdSize, checkFault: true)
        let boot = try packAndBoot(spec, dir: dir, extra: ["--cmdline", "not this one"], append: "console=ttyS0 c-fixture")
        #expect(boot.serial.contains("ok writing read-only .text faults"))
        let file = try mustRun("file", [dir.file("c.img")])
        #expect(file.stdout.contains("Linux kernel x86 boot executable"), "\(file.stdout)")
    }

    @Test func packCommandLineIsUsedWhenTheLoaderGivesNone() throws {
        let dir = try TemporaryDirectory()
        let spec = PackFixture.Spec(name: "c-default", bits64: true, virtualBase: 0xFFFF_8000_0010_0000,
                                    expectedCmdline: "from kimage pack", paging: 3)
        try packAndBoot(spec, dir: dir, extra: ["--cmdline", "from kimage pack"], append: nil, initrd: false)
    }

    @Test func setupSaysWhenTheCPULacksLongModeInsteadOfTripleFaulting() throws {
        let dir = try TemporaryDirectory()
        let spec = PackFixture.Spec(name: "nolm", bits64: true, virtualBase: 0xFFFF_8000_0010_0000, expectedCmdline: "", paging: 3)
        let elf = try PackFixture.build(spec, in: dir)
        let image = dir.file("nolm.img")
        #expect(try kimage(["pack", "--kernel", elf, "-o", image]).status == 0)
        let boot = try QEMU.boot(kernel: image, extra: ["-cpu", "qemu64,-lm"], timeout: 5)
        #expect(boot.serial.contains("kimage setup: this CPU has no long mode; an ELF64 kernel needs an x86-64 CPU"), "\(boot.serial)")
        #expect(!boot.serial.contains("kimage fixture"))
    }

    @Test func jsonReportsTheLayout() throws {
        let dir = try TemporaryDirectory()
        let spec = PackFixture.Spec(name: "j", bits64: true, virtualBase: 0xFFFF_8000_0010_0000, expectedCmdline: "", paging: 3)
        let elf = try PackFixture.build(spec, in: dir)
        let image = dir.file("j.img")
        let r = try kimage(["pack", "--kernel", elf, "-o", image, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
        #expect(report["image"] as? String == image && report["inputs"] as? [String] == [elf])
        // Addresses and sizes are hex strings, as in every --json.
        #expect(report["imageSize"] as? String == hex(try contentsOf(image).count))
        #expect(report["entry"] as? String == "0xffff800000100000")
        #expect(report["movedTo"] is String && report["cr3"] as? String != "0x0")
        let parts = try #require(report["parts"] as? [[String: Any]])
        #expect(parts.compactMap { $0["name"] as? String }.starts(with: ["boot sector", "16-bit setup", "32-bit setup", "load plan",
                                                                           "boot info template", "EFI stub"]))
        #expect(parts.compactMap { $0["name"] as? String }.suffix(2) == ["boot info", "page tables"])
        #expect(report["efiEntry"] is String)
        // Only the plan writes the boot info and the tables: they have no file offset.
        #expect(parts.dropLast(2).allSatisfy { ($0["fileOffset"] as? String)?.hasPrefix("0x") == true })
        #expect(parts.suffix(2).allSatisfy { $0["fileOffset"] is NSNull })
    }

    @Test func embedELFCarriesTheWholeKernelELF() throws {
        let dir = try TemporaryDirectory()
        var spec = PackFixture.Spec(name: "embed", bits64: true, virtualBase: 0xFFFF_8000_0010_0000, expectedCmdline: "embed",
                                    paging: 3)
        spec.embeddedELFSize = 1
        let boot = try packAndBoot(spec, dir: dir, extra: ["--embed-elf"], append: "embed", initrd: false)
        let size = try contentsOf(dir.file("embed.elf")).count
        #expect(boot.serial.contains("ok embedded kernel ELF"))
        #expect(boot.serial.contains("kernel ELF bytes " + String(format: "0x%016llx", size)), "\(boot.serial)")
    }

    @Test func elf32IdentityAt1MiBBootsWithPagingOff() throws {
        let dir = try TemporaryDirectory()
        let spec = PackFixture.Spec(name: "a", bits64: false, virtualBase: 0x10_0000, expectedCmdline: "a-fixture x=1",
                                    paging: 0, initrdSize: Self.initrdSize)
        try packAndBoot(spec, dir: dir, append: "a-fixture x=1")
    }

    @Test func elf32HigherHalfJinueStyleBootsWith2LevelPaging() throws {
        let dir = try TemporaryDirectory()
        let spec = PackFixture.Spec(name: "b", bits64: false, virtualBase: 0xC010_0000, expectedCmdline: "b-fixture",
                                    paging: 1, initrdSize: Self.initrdSize)
        try packAndBoot(spec, dir: dir, append: "b-fixture", system: "qemu-system-i386")
    }

    @Test func elf32HigherHalfWithPAEBootsAndTextIsReadOnly() throws {
        let dir = try TemporaryDirectory()
        let spec = PackFixture.Spec(name: "b-pae", bits64: false, virtualBase: 0xC010_0000, expectedCmdline: "b-pae",
                                    paging: 2, initrdSize: Self.initrdSize, checkFault: true)
        try packAndBoot(spec, dir: dir, extra: ["--pae"], append: "b-pae")
    }

    @Test func elf64KernelCodeModelWithLoaderELFBoots() throws {
        // Emerald: -mcmodel=kernel at 0xFFFFFFFF80100000, with a user-space loader ELF.
        let dir = try TemporaryDirectory()
        let loader = try PackFixture.loader(in: dir)
        let loaderSize = try contentsOf(loader).count
        var spec = PackFixture.Spec(name: "d", bits64: true, virtualBase: 0xFFFF_FFFF_8010_0000, codeModel: "kernel",
                                    expectedCmdline: "d-fixture", paging: 3, initrdSize: Self.initrdSize,
                                    loaderSize: loaderSize, checkFault: true)
        spec.recursiveSlot = 510
        spec.mappedVirtual = 0xFFFF_C000_0000_0000
        spec.mappedPhysical = 0x7000
        let boot = try packAndBoot(spec, dir: dir, extra: ["--loader", loader, "--recursive", "510",
                                                           "--map", "0xFFFFC00000000000=0x7000+4K:rw"], append: "d-fixture")
        #expect(boot.serial.contains("ok recursive slot shows the PML4"))
        #expect(boot.serial.contains("ok --map mapping reaches its physical page"))
    }

    /// Boots `image` through GRUB 2 on a BIOS CD (grub-mkrescue), with `linux`/`initrd` or
    /// `linux16`/`initrd16`, serial output only.
    func bootWithGRUB(image: String, command: String, append: String, initrd: String, dir: TemporaryDirectory,
                      system: String = "qemu-system-x86_64") throws -> QEMU.Boot {
        try GRUBBoot.boot(image: image, command: command, append: append, initrd: initrd, dir: dir, system: system)
    }

    @Test(arguments: ["a", "b", "c", "d"])
    func grubLinuxAndLinux16BootTheSameImage(fixture: String) throws {
        let dir = try TemporaryDirectory()
        var extra: [String] = []
        var spec: PackFixture.Spec
        switch fixture {
        case "a":
            spec = .init(name: "a", bits64: false, virtualBase: 0x10_0000, expectedCmdline: "grub-a", paging: 0, initrdSize: Self.initrdSize)
        case "b":
            spec = .init(name: "b", bits64: false, virtualBase: 0xC010_0000, expectedCmdline: "grub-b", paging: 1, initrdSize: Self.initrdSize)
        case "c":
            spec = .init(name: "c", bits64: true, virtualBase: 0xFFFF_8000_0010_0000, expectedCmdline: "grub-c", paging: 3,
                         initrdSize: Self.initrdSize, checkFault: true)
        default:
            let loader = try PackFixture.loader(in: dir)
            extra = ["--loader", loader]
            spec = .init(name: "d", bits64: true, virtualBase: 0xFFFF_FFFF_8010_0000, codeModel: "kernel", expectedCmdline: "grub-d",
                         paging: 3, initrdSize: Self.initrdSize, loaderSize: try contentsOf(loader).count, checkFault: true)
        }
        let elf = try PackFixture.build(spec, in: dir)
        let image = dir.file("kernel.img")
        let r = try kimage(["pack", "--kernel", elf, "-o", image] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        let initrd = try PackFixture.initrd(in: dir, size: Self.initrdSize)
        for command in ["linux", "linux16"] {
            let boot = try bootWithGRUB(image: image, command: command, append: spec.expectedCmdline, initrd: initrd, dir: dir)
            #expect(boot.debugExit == 0x10, "GRUB \(command) did not boot fixture \(fixture):\n\(boot.serial)")
            // GRUB passes BOOT_IMAGE=... first: the fixture checks the user's part is in the line.
            #expect(boot.serial.contains("BOOT_IMAGE=/boot/kernel.img \(spec.expectedCmdline)"), "\(boot.serial)")
        }
    }
}
