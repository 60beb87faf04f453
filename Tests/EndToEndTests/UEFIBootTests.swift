import Foundation
import Testing
import KImageKit
import TestSupport

/// Every kimage image is also a PE32+ EFI application: the tools that read PE files read it, and
/// OVMF starts it from an ESP (`kimage esp`) and through its own -kernel loader. Each OVMF boot
/// costs seconds under TCG, so each test checks several things at once.
@Suite struct UEFIBootTests {
    func pack(_ spec: PackFixture.Spec, dir: TemporaryDirectory, extra: [String] = []) throws -> String {
        let elf = try PackFixture.build(spec, in: dir)
        let image = dir.file(spec.name + ".img")
        let r = try kimage(["pack", "--kernel", elf, "-o", image] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        return image
    }

    func expectPass(_ boot: QEMU.Boot, _ what: String) {
        #expect(boot.debugExit == 0x10, "\(what) did not pass:\n\(boot.serial)\(boot.result.stderr)")
        #expect(boot.serial.contains("PASS") && !boot.serial.contains("FAIL"), "\(boot.serial)")
    }

    /// sbsign with a throwaway key; sbverify checks the signature; inspect shows the table.
    func sign(_ image: String, dir: TemporaryDirectory) throws -> String {
        let key = dir.file("db.key"), cert = dir.file("db.crt"), signed = dir.file("signed.efi")
        try mustRun(requireTool("openssl"), ["req", "-new", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                                             "-subj", "/CN=kimage test/", "-days", "1"])
        try mustRun(requireTool("sbsign"), ["--key", key, "--cert", cert, "--output", signed, image])
        let verify = try run(requireTool("sbverify"), ["--cert", cert, signed])
        #expect(verify.status == 0 && (verify.stdout + verify.stderr).contains("Signature verification OK"), "\(verify.stdout)\(verify.stderr)")
        let inspect = try kimage(["inspect", signed])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(inspect.stdout.contains("data directory 4 Certificate: file offset \(hex(UInt64(try contentsOf(image).count)))"),
                "\(inspect.stdout)")
        #expect(inspect.stdout.contains("PE signature (certificate table)"))
        return signed
    }

    @Test func fileObjdumpAndSbverifyReadThePEHeaderAndNoEFILeavesItOut() throws {
        let dir = try TemporaryDirectory()
        let spec = PackFixture.Spec(name: "pe", bits64: true, virtualBase: 0xFFFF_8000_0010_0000, expectedCmdline: "", paging: 3)
        let image = try pack(spec, dir: dir)
        let file = try mustRun(requireTool("file"), ["-k", image]).stdout
        #expect(file.contains("Linux kernel x86 boot executable"), "\(file)")
        #expect(file.contains("PE32+ executable (EFI application) x86-64"), "\(file)")
        let objdump = try mustRun(requireTool("objdump"), ["-x", image]).stdout
        #expect(objdump.contains("file format pei-x86-64"), "\(objdump)")
        #expect(objdump.contains("(EFI application)"))
        let report = try #require(try kimage(["pack", "--kernel", dir.file("pe.elf"), "-o", dir.file("pe2.img"), "--json"]).stdout
            .data(using: .utf8).flatMap { try JSONSerialization.jsonObject(with: $0) as? [String: Any] })
        let entry = try #require((report["efiEntry"] as? String).flatMap { Int($0.dropFirst(2), radix: 16) })
        #expect(objdump.contains(String(format: "start address 0x%016llx", entry)), "the entry point is the EFI stub's: \(objdump)")
        for name in [".text", ".data"] { #expect(objdump.contains(name), "section \(name)") }
        let sbverify = try run(requireTool("sbverify"), ["--list", image])
        #expect(sbverify.stdout.contains("No signature table present") || sbverify.stderr.contains("No signature table present"),
                "sbverify parsed the headers: \(sbverify.stdout)\(sbverify.stderr)")

        let inspect = try kimage(["inspect", image])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        for text in ["PE32+ view (e_lfanew 0x40", "Subsystem               0xa           EFI application",
                     "AddressOfEntryPoint     \(hex(UInt64(entry)))", "the kimage EFI stub", ".text     0x00001000",
                     "EFI stub at file offset", "allocates before anything else: "] {
            #expect(inspect.stdout.contains(text), "\(text):\n\(inspect.stdout)")
        }
        #expect(!inspect.stdout.contains("warning"), "\(inspect.stdout)")

        let plain = dir.file("plain.img")
        #expect(try kimage(["pack", "--kernel", dir.file("pe.elf"), "-o", plain, "--no-efi"]).status == 0)
        let plainFile = try mustRun(requireTool("file"), ["-k", plain]).stdout
        #expect(plainFile.contains("Linux kernel x86 boot executable") && !plainFile.contains("PE32+"), "\(plainFile)")
        let bytes = try contentsOf(plain)
        #expect(bytes[0] != 0x4D || bytes[1] != 0x5A, "no MZ with --no-efi")
        #expect(bytes.count < (try contentsOf(image)).count, "no EFI stub, no 512-byte padding")
        #expect(try !kimage(["inspect", plain]).stdout.contains("PE32+ view"))
    }

    @Test func espFromKimageEspBootsAnELF64KernelUnderOVMFWithTheUEFIFields() throws {
        // gopher-os style: linked at 0xFFFF800000100000 on top of where loaders put the image,
        // so the plan moves the image first; the loader ELF rides along.
        let dir = try TemporaryDirectory()
        let loader = try PackFixture.loader(in: dir)
        var spec = PackFixture.Spec(name: "c", bits64: true, virtualBase: 0xFFFF_8000_0010_0000,
                                    expectedCmdline: "packed for uefi", ramMB: 256, paging: 3,
                                    loaderSize: try contentsOf(loader).count, checkFault: true)
        spec.expectUEFI = true
        let unsigned = try pack(spec, dir: dir, extra: ["--cmdline", "packed for uefi", "--loader", loader])
        // Signed as for Secure Boot (sbsign appends the certificate table): it still boots.
        let image = try sign(unsigned, dir: dir)
        let esp = dir.file("esp.img")
        let r = try kimage(["esp", "-o", esp, image])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\\EFI\\BOOT\\BOOTX64.EFI"))
        let fsck = try mustRun(requireTool("fsck.fat"), ["-n", esp])
        #expect(fsck.status == 0, "\(fsck.stdout)")
        let boot = try OVMF.boot(esp: esp, memory: "256M", in: dir)
        expectPass(boot, "fixture c from BOOTX64.EFI")
        #expect(boot.serial.contains("BdsDxe: starting Boot0001"), "the firmware started the disk's BOOTX64.EFI")
        for line in ["ok booted by UEFI", "ok ACPI RSDP", "ok GOP framebuffer", "ok EFI memory map", "ok E820 covers the RAM",
                     "ok loader ELF", "ok writing read-only .text faults"] {
            #expect(boot.serial.contains(line), "\(line):\n\(boot.serial)")
        }
    }

    @Test func ovmfKernelLoaderPassesAppendAsLoadOptionsToAnELF32HigherHalfKernel() throws {
        // OVMF -kernel tries the file as a PE first: LoadOptions = -append.
        let dir = try TemporaryDirectory()
        var spec = PackFixture.Spec(name: "b", bits64: false, virtualBase: 0xC010_0000, expectedCmdline: "from ovmf -append",
                                    ramMB: 256, paging: 1)
        spec.expectUEFI = true
        let image = try pack(spec, dir: dir, extra: ["--cmdline", "not this one"])
        let boot = try OVMF.boot(kernel: image, append: "from ovmf -append", memory: "256M", in: dir)
        expectPass(boot, "fixture b under OVMF -kernel")
        #expect(boot.serial.contains("cmdline \"from ovmf -append\""), "\(boot.serial)")
    }

    @Test func espCommandLineReachesAnELF32IdentityKernelThroughStartupNsh() throws {
        let dir = try TemporaryDirectory()
        var spec = PackFixture.Spec(name: "a", bits64: false, virtualBase: 0x10_0000, expectedCmdline: "console=ttyS0 from-esp",
                                    ramMB: 256, paging: 0)
        spec.expectUEFI = true
        let image = try pack(spec, dir: dir)
        let esp = dir.file("esp.img")
        let r = try kimage(["esp", "-o", esp, image, "--cmdline", "console=ttyS0 from-esp", "--size", "40M"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try contentsOf(esp).count == 40 << 20)
        _ = try mustRun(requireTool("fsck.fat"), ["-n", esp])
        let boot = try OVMF.boot(esp: esp, memory: "256M", in: dir)
        expectPass(boot, "fixture a from startup.nsh")
        // The shell passes its whole line; the stub drops the image's own path.
        #expect(boot.serial.contains("cmdline \"console=ttyS0 from-esp\""), "\(boot.serial)")
    }

    @Test func aKernelBeyondRAMIsNamedOnTheConsoleAndTheFirmwareGetsAnError() throws {
        let dir = try TemporaryDirectory()
        var spec = PackFixture.Spec(name: "high", bits64: false, virtualBase: 0x1000_0000, expectedCmdline: "", paging: 0)
        spec.physicalBase = 0x1000_0000
        let image = try pack(spec, dir: dir)
        let esp = dir.file("esp.img")
        #expect(try kimage(["esp", "-o", esp, image]).status == 0)
        // 128 MiB: the kernel's 256 MiB is not RAM. The firmware falls through to its shell,
        // which waits for input: the boot ends by timeout.
        let boot = try OVMF.boot(esp: esp, memory: "128M", in: dir, timeout: 25)
        #expect(boot.serial.contains("kimage EFI stub: cannot allocate 0x10000000..0x"), "\(boot.serial)")
        #expect(boot.serial.contains("that memory is taken or is not RAM"))
        #expect(boot.serial.contains("failed to start Boot0001"), "the firmware got an error back: \(boot.serial)")
        #expect(!boot.serial.contains("kimage fixture"))
    }

    @Test func espRefusesAnImageWithoutPEHeaderAndWritesNothing() throws {
        let dir = try TemporaryDirectory()
        let spec = PackFixture.Spec(name: "n", bits64: true, virtualBase: 0xFFFF_8000_0010_0000, expectedCmdline: "", paging: 3)
        let image = try pack(spec, dir: dir, extra: ["--no-efi"])
        let before = try contentsOf(image)
        let esp = dir.file("esp.img")
        let r = try kimage(["esp", "-o", esp, image])
        #expect(r.status == 1)
        #expect(r.stderr.contains("is not an x86-64 EFI application: it has no \"MZ\""), "\(r.stderr)")
        #expect(r.stderr.contains("pack it again without --no-efi"))
        #expect(!FileManager.default.fileExists(atPath: esp))
        #expect(try contentsOf(image) == before)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains("kimage-tmp") }
        #expect(leftovers.isEmpty, "\(leftovers)")
        let bad = try kimage(["esp", "-o", esp, image, "--size", "12Q"])
        #expect(bad.status == 1 && bad.stderr.contains("--size 12Q is not a size"), "\(bad.stderr)")
    }
}
