import Foundation
import Testing
import KImageKit
import TestSupport

/// The loader matrix under UEFI (OVMF, TCG): the boots UEFIBootTests does not already make. Each
/// boot costs seconds, so each cell is proven once, by the fixture that adds the most:
///
/// | loader                         | a: ELF32 identity | b: ELF32 higher half | c/d: ELF64 | examples/hello |
/// |--------------------------------|-------------------|----------------------|------------|----------------|
/// | OVMF, ESP \EFI\BOOT\BOOTX64.EFI | UEFIBootTests (startup.nsh) | here        | UEFIBootTests (c, signed, loader) | here |
/// | OVMF -kernel + -initrd         | UEFIInitrdTests   | UEFIBootTests (no initrd) | here (c) | here        |
/// | GRUB EFI `linux` + initrd      | here              | here                 | here (c)   | here           |
/// | GRUB EFI `linuxefi` + initrd   | here              | here                 | EFIHandoverTests (c) | here |
/// | systemd-boot + initrd          |                   | UEFIInitrdTests      | here (d, loader) |          |
/// | iPXE EFI over TFTP + initrd    | here              |                      |            |                |
///
/// An initrd from the ESP (`kimage esp --initrd`) is UEFIInitrdTests' too.
///
/// QEMU -kernel and GRUB BIOS `linux`/`linux16` are PackEndToEndTests'. The suite runs its
/// boots in parallel (Swift Testing's default); each boot has its own directory and variable store.
@Suite struct UEFILoaderTests {
    static let initrdSize = 8192

    func pack(_ spec: PackFixture.Spec, dir: TemporaryDirectory, extra: [String] = []) throws -> String {
        let elf = try PackFixture.build(spec, in: dir)
        let image = dir.file(spec.name + ".img")
        let r = try kimage(["pack", "--kernel", elf, "-o", image] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        return image
    }

    func expectPass(_ boot: QEMU.Boot, _ what: String, lines: [String] = []) {
        #expect(boot.debugExit == 0x10, "\(what) did not pass:\n\(boot.serial)\(boot.result.stderr)")
        #expect(boot.serial.contains("PASS") && !boot.serial.contains("FAIL"), "\(what):\n\(boot.serial)")
        for line in lines { #expect(boot.serial.contains(line), "\(what): no \"\(line)\" in\n\(boot.serial)") }
    }

    /// What a fixture built with expectUEFI checks and prints when the EFI stub started it.
    static let uefiLines = ["ok booted by UEFI", "ok EFI system table signature", "ok ACPI RSDP", "ok EFI memory map",
                            "ok GOP framebuffer", "ok E820 covers the RAM"]
    /// The same from a boot-protocol loader on UEFI (GRUB EFI `linux`, OVMF's legacy -kernel): its
    /// efi_info, carried over by the 32-bit setup; no framebuffer.
    static let loaderUEFILines = ["ok booted by UEFI", "ok EFI system table signature", "ok ACPI RSDP", "ok EFI memory map",
                                  "ok EFI memory map's first descriptor", "ok E820 covers the RAM"]

    /// Fixture a (ELF32 identity, no paging), b (ELF32 higher half, 32-bit paging) or c (ELF64
    /// higher half, 4-level, checks that .text is read-only), with an initrd.
    static func spec(_ fixture: String, cmdline: String) -> PackFixture.Spec {
        switch fixture {
        case "a":
            return PackFixture.Spec(name: "a", bits64: false, virtualBase: 0x10_0000, expectedCmdline: cmdline, ramMB: 256,
                                    paging: 0, initrdSize: initrdSize)
        case "b":
            return PackFixture.Spec(name: "b", bits64: false, virtualBase: 0xC010_0000, expectedCmdline: cmdline, ramMB: 256,
                                    paging: 1, initrdSize: initrdSize)
        default:
            return PackFixture.Spec(name: "c", bits64: true, virtualBase: 0xFFFF_8000_0010_0000, expectedCmdline: cmdline,
                                    ramMB: 256, paging: 3, initrdSize: initrdSize, checkFault: true)
        }
    }

    @Test func elf32HigherHalfBootsAsBOOTX64EFIWithThePackCommandLine() throws {
        let dir = try TemporaryDirectory()
        var spec = PackFixture.Spec(name: "b", bits64: false, virtualBase: 0xC010_0000, expectedCmdline: "b from pack",
                                    ramMB: 256, paging: 1)
        spec.expectUEFI = true
        let image = try pack(spec, dir: dir, extra: ["--cmdline", "b from pack"])
        let esp = dir.file("esp.img")
        #expect(try kimage(["esp", "-o", esp, image]).status == 0)
        let boot = try OVMF.boot(esp: esp, memory: "256M", in: dir)
        // The firmware's removable-media boot passes no LoadOptions: the pack-time line is used.
        expectPass(boot, "fixture b from BOOTX64.EFI",
                   lines: Self.uefiLines + ["BdsDxe: starting Boot0001", "cmdline \"b from pack\""])
    }

    /// OVMF -kernel tries the file as a PE first: LoadOptions = -append, and 2022.11 offers -initrd
    /// through LoadFile2 (QemuKernelLoaderFsDxe), adding " initrd=initrd" to the line.
    @Test func ovmfKernelLoaderStartsAnELF64KernelAsAPEWithItsInitrd() throws {
        let dir = try TemporaryDirectory()
        var spec = PackFixture.Spec(name: "c", bits64: true, virtualBase: 0xFFFF_8000_0010_0000, expectedCmdline: "ovmf-kernel c",
                                    ramMB: 256, paging: 3, initrdSize: Self.initrdSize, checkFault: true)
        spec.expectUEFI = true
        let image = try pack(spec, dir: dir, extra: ["--cmdline", "not this one"])
        let initrd = try PackFixture.initrd(in: dir, size: Self.initrdSize)
        let boot = try OVMF.boot(kernel: image, append: spec.expectedCmdline, initrd: initrd, memory: "256M", in: dir)
        expectPass(boot, "fixture c under OVMF -kernel -initrd",
                   lines: Self.uefiLines + ["ok initrd bytes", "ok writing read-only .text faults", "cmdline \"ovmf-kernel c"])
    }

    /// GRUB 2.06 EFI `linux` is GRUB's boot-protocol loader: it exits boot services itself and
    /// enters the 32-bit setup with its boot_params (E820, command line, initrd, efi_info "EL64"),
    /// and the setup carries efi_info into the UEFI extension (loader_efi.inc): the flag, the
    /// system table, GRUB's EFI memory map, the RSDP from the configuration table. No GOP: GRUB
    /// boots "blind" here.
    @Test(arguments: ["a", "b", "c"])
    func grubEFILinuxBootsTheImageWithItsInitrd(fixture: String) throws {
        let dir = try TemporaryDirectory()
        var spec = Self.spec(fixture, cmdline: "grub-efi-\(fixture)")
        spec.expectUEFI = true
        spec.uefiFromLoader = true
        let image = try pack(spec, dir: dir)
        let initrd = try PackFixture.initrd(in: dir, size: Self.initrdSize)
        let boot = try GRUBEFIBoot.boot(image: image, command: "linux", append: spec.expectedCmdline, initrd: initrd, in: dir)
        expectPass(boot, "GRUB EFI linux, fixture \(fixture)",
                   lines: Self.loaderUEFILines + ["ok initrd bytes", "BOOT_IMAGE=/kernel.img \(spec.expectedCmdline)"])
    }

    /// Debian's GRUB `linuxefi` enters the EFI handover entry (handover_offset,
    /// XLF_EFI_HANDOVER_64) with boot services up; the stub then runs as from the firmware, with
    /// GRUB's command line and initrd. ELF32 kernels here: EFIHandoverTests boots an ELF64 one.
    @Test(arguments: ["a", "b"])
    func grubEFILinuxefiEntersTheHandoverEntryWithItsInitrd(fixture: String) throws {
        let dir = try TemporaryDirectory()
        var spec = Self.spec(fixture, cmdline: "grub-linuxefi")
        spec.expectUEFI = true
        let image = try pack(spec, dir: dir)
        let header = try SetupHeader(decoding: try contentsOf(image), path: image)
        #expect(header.xloadflagNames.contains("XLF_EFI_HANDOVER_64") && header.handoverOffset != 0, "\(header.xloadflagNames)")
        let initrd = try PackFixture.initrd(in: dir, size: Self.initrdSize)
        let boot = try GRUBEFIBoot.boot(image: image, command: "linuxefi", append: spec.expectedCmdline, initrd: initrd, in: dir)
        #expect(!boot.serial.contains(GRUBEFIBoot.refused), "\(boot.serial)")
        expectPass(boot, "GRUB EFI linuxefi (handover entry), fixture \(fixture)",
                   lines: Self.uefiLines + ["ok initrd bytes", "cmdline \"BOOT_IMAGE=/kernel.img grub-linuxefi\""])
    }

    /// systemd-boot starts a Type #1 entry's `linux` as an EFI application, `options` as its LoadOptions.
    @Test func systemdBootStartsTheImageWithItsEntryOptionsAndInitrd() throws {
        let dir = try TemporaryDirectory()
        let loader = try PackFixture.loader(in: dir)
        var spec = PackFixture.Spec(name: "d", bits64: true, virtualBase: 0xFFFF_FFFF_8010_0000, codeModel: "kernel",
                                    expectedCmdline: "console=ttyS0 from-sd-boot", ramMB: 256, paging: 3,
                                    initrdSize: Self.initrdSize, loaderSize: try contentsOf(loader).count, checkFault: true)
        spec.expectUEFI = true
        let image = try pack(spec, dir: dir, extra: ["--loader", loader, "--cmdline", "not this one"])
        let initrd = try PackFixture.initrd(in: dir, size: Self.initrdSize)
        let boot = try SystemdBoot.boot(image: image, options: spec.expectedCmdline, initrd: initrd, in: dir)
        // systemd-boot 252 names the entry's initrd first, then the options.
        expectPass(boot, "systemd-boot, fixture d",
                   lines: Self.uefiLines + ["ok loader ELF", "ok initrd bytes", "cmdline \"initrd=\\initrd.bin console=ttyS0 from-sd-boot\""])
    }

    /// iPXE's EFI build fetches the initrd and the image over TFTP and starts the image as an EFI
    /// application; the stub reads initrd=initrd.bin from the volume iPXE gives the image. Its
    /// LoadOptions are the image's name and then the script's arguments ("kernel.img from-ipxe
    /// x=1", iPXE's efi_image.c); the stub drops only a first word ending in ".efi".
    @Test func iPXEChainsTheImageAndItsInitrdOverTFTP() throws {
        let dir = try TemporaryDirectory()
        var spec = PackFixture.Spec(name: "a", bits64: false, virtualBase: 0x10_0000, expectedCmdline: "from-ipxe x=1",
                                    ramMB: 256, paging: 0, initrdSize: Self.initrdSize)
        spec.expectUEFI = true
        let image = try pack(spec, dir: dir, extra: ["--cmdline", "not this one"])
        let initrd = try PackFixture.initrd(in: dir, size: Self.initrdSize)
        let boot = try IPXEBoot.boot(image: image, cmdline: spec.expectedCmdline, initrd: initrd, in: dir)
        expectPass(boot, "iPXE EFI, fixture a",
                   lines: Self.uefiLines + ["kimage test: iPXE chains tftp://10.0.2.2/kernel.img", "tftp://10.0.2.2/initrd.bin... ok",
                                            "ok initrd bytes", "initrd=initrd.bin from-ipxe x=1\"\n"])
    }

    /// examples/hello the way `make demo` boots it under UEFI: `make run-uefi` (kimage esp + OVMF).
    @Test func exampleHelloBootsUnderOVMFFromItsESP() throws {
        try OVMF.requireFirmware()
        let dir = try TemporaryDirectory("kimage-example")
        try mustRun("cp", ["-R", Paths.packageRoot + "/examples", Paths.templates, dir.path])
        try? FileManager.default.removeItem(atPath: dir.file("examples/hello/build"))
        let r = try run("make", ["run-uefi", "KIMAGE=\(Paths.kimage)"], cwd: dir.file("examples/hello"), timeout: 300)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        for line in ["\\EFI\\BOOT\\BOOTX64.EFI", "BdsDxe: starting Boot0001",
                     "command line: \"console=ttyS0\" (from kimage pack --cmdline)", "UEFI: system table 0x",
                     "UEFI: GOP framebuffer ", "loader ELF starts with 7f 45 4c 46", "hello: all checks passed\n"] {
            #expect(r.stdout.contains(line), "missing: \(line)\n\(r.stdout)")
        }
        // Usable RAM from the EFI memory map: most of -m 256M, never more.
        let usable = r.stdout.split(separator: "\n").first { $0.hasSuffix(" MiB usable") }
            .flatMap { Int($0.trimmingCharacters(in: .whitespaces).split(separator: " ")[0]) }
        let mib = try #require(usable, "\(r.stdout)")
        #expect(mib > 200 && mib <= 256, "\(mib) MiB usable with -m 256M")
    }

    /// examples/hello built by its own Makefile, started by the loaders that are not the firmware's
    /// ESP boot: OVMF -kernel (as a PE), GRUB EFI `linux` (the 32-bit setup with GRUB's efi_info)
    /// and `linuxefi` (the handover entry). Each must reach hello's own verdict on UEFI.
    @Test(arguments: ["ovmf-kernel", "linux", "linuxefi"])
    func exampleHelloBootsUnderTheOtherUEFILoaders(loader: String) throws {
        try OVMF.requireFirmware()
        let dir = try TemporaryDirectory("kimage-example")
        try mustRun("cp", ["-R", Paths.packageRoot + "/examples", Paths.templates, dir.path])
        try? FileManager.default.removeItem(atPath: dir.file("examples/hello/build"))
        let r = try run("make", ["KIMAGE=\(Paths.kimage)"], cwd: dir.file("examples/hello"), timeout: 300)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let image = dir.file("examples/hello/build/kernel.img")
        let boot = loader == "ovmf-kernel"
            ? try OVMF.boot(kernel: image, append: "console=ttyS0", memory: "256M", in: dir)
            : try GRUBEFIBoot.boot(image: image, command: loader, append: "console=ttyS0", in: dir)
        for line in ["UEFI: system table 0x", "(from the boot loader)", "hello: all checks passed\n"] {
            #expect(boot.serial.contains(line), "examples/hello under \(loader): missing \(line) in\n\(boot.serial)")
        }
    }
}
