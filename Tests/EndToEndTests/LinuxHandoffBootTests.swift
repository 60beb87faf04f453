import Foundation
import Testing
import KImageKit
import TestSupport

/// The Linux 64-bit handoff: fixture (d), laid out like a vmlinux, checks boot_params the way
/// Linux's startup code reads it under QEMU -kernel, GRUB linux and GRUB linux16; a real Debian
/// vmlinux boots to its root-mount panic; what the handoff cannot take is refused.
@Suite struct LinuxHandoffBootTests {
    static let initrdSize = 5000

    func packVmlinux(_ dir: TemporaryDirectory, cmdline: String, ramMB: Int = 128, initrd: Bool = true) throws -> (elf: String, image: String, stdout: String) {
        let elf = try LinuxFixture.vmlinux(in: dir, cmdline: cmdline, ramMB: ramMB, initrdSize: initrd ? Self.initrdSize : nil)
        let image = dir.file("vmlinux.img")
        let r = try kimage(["pack", "--kernel", elf, "-o", image])
        #expect(r.status == 0, "\(r.stderr)")
        return (elf, image, r.stdout)
    }

    @Test func fixtureDBootsUnderQEMUKernelWithTheLinuxContract() throws {
        let dir = try TemporaryDirectory()
        let (_, image, stdout) = try packVmlinux(dir, cmdline: "linux-d root=/dev/null")
        #expect(stdout.contains("handoff linux: a Linux vmlinux (ELF64 x86-64 with a \"Linux\" ELF note (type 0x100) and e_entry at the physical address of segment 0 (phys_startup_64))"), "\(stdout)")
        #expect(stdout.contains("long mode, 4-level paging, entry 0x1000000"), "\(stdout)")
        // boot_params lives in memory only, above the kernel: the plan zeroes it and copies its head.
        let at = try #require(stdout.split(separator: "\n").first { $0.hasPrefix("boot_params (rsi) at ") }?.split(separator: " ")[3].dropLast(), "\(stdout)")
        let physical = try #require(UInt64(at.dropFirst(2), radix: 16))
        #expect(physical >= 0x100_0000 && stdout.contains("(memory)     6144        \(hex(physical, digits: 8))          boot_params + command line"), "\(stdout)")
        let inspected = try kimage(["inspect", image])
        #expect(inspected.stdout.contains("with rsi = boot_params at \(hex(physical, digits: 8))") && !inspected.stdout.contains("warning"), "\(inspected.stdout)")
        let initrd = try PackFixture.initrd(in: dir, size: Self.initrdSize)
        let boot = try QEMU.boot(kernel: image, append: "linux-d root=/dev/null", initrd: initrd)
        #expect(boot.debugExit == 0x10, "\(boot.serial)")
        for line in ["ok CS is __BOOT_CS 0x10", "ok DS, ES, SS are __BOOT_DS 0x18", "ok sentinel is 0", "ok e820_table matches -m",
                     "ok ramdisk_image/size hold the initrd", "ok percpu segment (p_vaddr 0) loaded at its p_paddr",
                     "type_of_loader 0x00000000000000b0"] {
            #expect(boot.serial.contains(line), "missing \(line):\n\(boot.serial)")
        }
    }

    @Test(arguments: ["linux", "linux16"])
    func fixtureDBootsUnderGRUB(command: String) throws {
        let dir = try TemporaryDirectory()
        let (_, image, _) = try packVmlinux(dir, cmdline: "grub-linux-d")
        let initrd = try PackFixture.initrd(in: dir, size: Self.initrdSize)
        let boot = try GRUBBoot.boot(image: image, command: command, append: "grub-linux-d", initrd: initrd, dir: dir)
        #expect(boot.debugExit == 0x10, "GRUB \(command):\n\(boot.serial)")
        #expect(boot.serial.contains("cmdline \"BOOT_IMAGE=/boot/kernel.img grub-linux-d\""), "\(boot.serial)")
        #expect(boot.serial.contains("ok ramdisk_image/size hold the initrd"), "\(boot.serial)")
    }

    @Test func theCmdlineDefaultIsUsedWhenTheLoaderGivesNone() throws {
        let dir = try TemporaryDirectory()
        let elf = try LinuxFixture.vmlinux(in: dir, cmdline: "from-pack", ramMB: 256, initrdSize: nil)
        let image = dir.file("vmlinux.img")
        let r = try kimage(["pack", "--kernel", elf, "--handoff", "linux", "--cmdline", "from-pack", "-o", image])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("handoff linux: --handoff linux; a Linux vmlinux"), "\(r.stdout)")
        let boot = try QEMU.boot(kernel: image, memory: "256M")
        #expect(boot.debugExit == 0x10, "\(boot.serial)")
        #expect(boot.serial.contains("cmdline \"from-pack\""), "\(boot.serial)")
    }

    @Test func whatTheLinuxHandoffCannotTakeIsRefused() throws {
        let dir = try TemporaryDirectory()
        let vmlinux = try LinuxFixture.vmlinux(in: dir, cmdline: "", ramMB: 128, initrdSize: nil)
        let kimageStyle = try PackFixture.build(.init(name: "k32", bits64: false, virtualBase: 0x10_0000, expectedCmdline: "", paging: 0), in: dir)
        for (arguments, input, needles) in [
            (["--kernel", vmlinux, "--five-level"], vmlinux, ["--five-level", "linux handoff enters on an identity map"]),
            (["--kernel", vmlinux, "--map", "0xFFFFC00000000000=0x7000+4K:rw"], vmlinux, ["--map", "builds its own tables"]),
            (["--kernel", kimageStyle, "--handoff", "linux"], kimageStyle, ["--handoff linux was given", "is no vmlinux", "ELF32"]),
            (["--kernel", vmlinux, "--embed-elf"], vmlinux, ["hands the kernel boot_params, not kimage's boot info", "--embed-elf", "--handoff kimage"]),
        ] {
            let before = try contentsOf(input)
            let listing = try dir.contents()
            let r = try kimage(["pack"] + arguments + ["-o", dir.file("refused.img")])
            #expect(r.status == 1, "\(arguments): \(r.stdout)")
            for n in needles { #expect(r.stderr.contains(n), "missing \"\(n)\" in: \(r.stderr)") }
            #expect(try contentsOf(input) == before)
            #expect(try dir.contents() == listing, "output or temporary left behind")
        }
    }

    /// A real vmlinux: Debian's cloud kernel, taken from its package by scripts/fetch-vmlinux
    /// (apt-get download; cached under .build/), boots through the Linux handoff to the point
    /// where it looks for a root file system, having read kimage's E820 map, command line and initrd.
    @Test func debianVmlinuxBootsToItsRootMount() throws {
        let cache = Paths.packageRoot + "/.build/vmlinux"
        let fetched = try run(Paths.packageRoot + "/scripts/fetch-vmlinux", [cache], timeout: 300)
        try #require(fetched.status == 0, "scripts/fetch-vmlinux failed (a Debian package mirror is needed): \(fetched.stderr)")
        let vmlinux = fetched.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let dir = try TemporaryDirectory()
        let image = dir.file("linux.img")
        let r = try kimage(["pack", "--kernel", vmlinux, "-o", image])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("handoff linux: a Linux vmlinux"), "\(r.stdout)")
        let initrd = try PackFixture.initrd(in: dir, size: 4096)
        let boot = try QEMU.boot(kernel: image, append: "console=ttyS0 earlyprintk=serial,ttyS0,115200 panic=-1 no_timer_check kimage-test",
                                 initrd: initrd, memory: "512M", timeout: 90)
        for line in ["Linux version ", "Command line: console=ttyS0 earlyprintk=serial,ttyS0,115200 panic=-1 no_timer_check kimage-test",
                     "BIOS-e820: [mem 0x0000000000100000-0x000000001ffdffff] usable", "RAMDISK: [mem ",
                     "Kernel panic - not syncing: VFS: Unable to mount root fs"] {
            #expect(boot.serial.contains(line), "missing \(line):\n\(boot.serial.suffix(4000))")
        }
    }
}
