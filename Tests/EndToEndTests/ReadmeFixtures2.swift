import Foundation
import Testing
import TestSupport

/// Fixtures for the README's UEFI, own-stubs, inspect, Go, Xen and Debian vmlinux blocks.
extension ReadmeTests {
    static func prepare2(_ fixture: String, in dir: TemporaryDirectory) throws -> String? {
        let build = dir.file("build")
        switch fixture {
        case "own-stubs":
            // build/kernel.elf (PackOwnStubsTests' kernel) and own32.bin, a setup never run: pack
            // refuses the options before it.
            try FileManager.default.createDirectory(atPath: build, withIntermediateDirectories: true)
            let kernel = try PackFixture.build(PackOwnStubsTests.kernelSpec, in: dir)
            try FileManager.default.copyItem(atPath: kernel, toPath: dir.file("build/kernel.elf"))
            try dir.write("own32.bin", "\u{F4}")
            return dir.path
        case "packed-inspect":
            // InspectFixtures' kernel as build/kernel.elf, packed into build/kernel.img (--no-efi,
            // the image the boot-image excerpt decodes), and a 4 KiB build/initrd.img.
            _ = try prepare("inspect-kernel", in: dir)
            let r = try kimage(["pack", "--kernel", dir.file("build/kernel.elf"), "--no-efi", "-o", dir.file("build/kernel.img")])
            #expect(r.status == 0, "\(r.stderr)")
            return dir.path
        case "packed-efi":
            // The same kernel packed with the EFI stub, and an initrd, for `kimage esp --initrd`.
            _ = try prepare("inspect-kernel", in: dir)
            let r = try kimage(["pack", "--kernel", dir.file("build/kernel.elf"), "-o", dir.file("build/kernel.img")])
            #expect(r.status == 0, "\(r.stderr)")
            let initrd = try PackFixture.initrd(in: dir, size: 4096)
            try FileManager.default.moveItem(atPath: initrd, toPath: dir.file("build/initrd.img"))
            return dir.path
        case "mb2efi":
            // MultibootEFITests' multiboot2 kernel built to expect UEFI (mb2efi.elf), and copies of
            // OVMF's code and variable store, as the README's qemu command names them.
            let elf = try MultibootEFIFixture.multiboot2(.init(uefi: true, cmdline: "mb2 on uefi", ramMB: 256), in: dir)
            #expect(elf == dir.file("mb2efi.elf"))
            try OVMF.requireFirmware()
            for name in ["OVMF_CODE.fd", "OVMF_VARS.fd"] {
                try FileManager.default.copyItem(atPath: "/usr/share/OVMF/" + name, toPath: dir.file(name))
            }
            return dir.path
        case "hello-image":
            // examples/hello built and packed (build/kernel.img), as `make` there builds it.
            let hello = try prepare("example-hello", in: dir)
            try mustRun("make", ["--no-print-directory", "build/kernel.img", "KIMAGE=\(Paths.kimage)"], cwd: hello, timeout: 300)
            return hello
        case "debian-kernel":
            // boot/vmlinuz-RELEASE from Debian's linux-image package: the .deb InspectCommandTests
            // keeps in .build/test-cache/debian-kernel, else one apt-get download (into a scratch
            // directory, so a download running in that test at the same time is never read half-written).
            let cache = Paths.packageRoot + "/.build/test-cache/debian-kernel"
            func cached() -> String? {
                let debs = (try? FileManager.default.contentsOfDirectory(atPath: cache)) ?? []
                return debs.filter { $0.hasPrefix("linux-image-") && $0.hasSuffix(".deb") }.sorted().last.map { cache + "/" + $0 }
            }
            var deb = cached()
            var download: TemporaryDirectory?
            if deb == nil {
                let depends = try run("apt-cache", ["depends", "linux-image-amd64"]).stdout
                guard let package = depends.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) })
                    .first(where: { $0.hasPrefix("Depends: linux-image-") })?.dropFirst("Depends: ".count) else {
                    throw TestSetupError("apt-cache depends linux-image-amd64 names no linux-image package: run apt-get update")
                }
                let scratch = try TemporaryDirectory("kimage-readme-deb")
                download = scratch
                let r = try run("apt-get", ["download", String(package)], cwd: scratch.path, timeout: 600)
                guard r.status == 0, let name = try FileManager.default.contentsOfDirectory(atPath: scratch.path).first(where: { $0.hasSuffix(".deb") }) else {
                    throw TestSetupError("apt-get download \(package) failed (status \(r.status)); the README's Debian kernel block needs it (or a .deb in \(cache)):\n\(r.stdout)\(r.stderr)")
                }
                try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
                if cached() == nil { try? FileManager.default.moveItem(atPath: scratch.file(name), toPath: cache + "/" + name) }
                deb = FileManager.default.fileExists(atPath: scratch.file(name)) ? scratch.file(name) : cached()
            }
            defer { _ = download }
            // Only boot/ out of the package: the modules would cost seconds of writing.
            try FileManager.default.createDirectory(atPath: dir.file("package"), withIntermediateDirectories: true)
            try mustRun("/bin/bash", ["-o", "pipefail", "-c", "dpkg-deb --fsys-tarfile \"$0\" | tar -x -C \"$1\" --wildcards './boot/vmlinuz-*'",
                                      deb!, dir.file("package")])
            let boot = try FileManager.default.contentsOfDirectory(atPath: dir.file("package/boot"))
            guard let vmlinuz = boot.first(where: { $0.hasPrefix("vmlinuz-") }) else {
                throw TestSetupError("\(deb!) has no boot/vmlinuz-*: \(boot)")
            }
            try FileManager.default.createDirectory(atPath: dir.file("boot"), withIntermediateDirectories: true)
            try FileManager.default.moveItem(atPath: dir.file("package/boot/" + vmlinuz), toPath: dir.file("boot/" + vmlinuz))
            try FileManager.default.removeItem(atPath: dir.file("package"))
            return dir.path
        case "gokernel":
            // A copy of examples/gokernel (what `kimage link --go .` builds), with build/.
            let copy = try GoKernelTests.copyOfExample()
            try mustRun("cp", ["-R", copy.path, dir.file("gokernel")])
            try FileManager.default.createDirectory(atPath: dir.file("gokernel/build"), withIntermediateDirectories: true)
            return dir.file("gokernel")
        case "gokernel-broken":
            // The copy with a Go file that does not compile and a build/junk.o that is no object.
            let tree = try prepare2("gokernel", in: dir)!
            try dir.write("gokernel/broken.go", "package main\n\nfunc broken() { undefinedThing() }\n")
            try dir.write("gokernel/build/junk.o", "not an object\n")
            return tree
        case "gokernel-header":
            // The examples/gokernel copy with kimage_redirects.h (NUM_REDIRECTS for rt0's #include,
            // which the example's Makefile writes into build/) beside rt0_amd64.s, for a plain go build.
            let tree = try prepare2("gokernel", in: dir)!
            let r = try kimage(["count", "--go", tree + "/boot", "--format", "go-asm", "-o", tree + "/kimage_redirects.h"])
            #expect(r.status == 0, "\(r.stderr)")
            return tree
        case "xen":
            // Debian's Xen hypervisor from scripts/fetch-multiboot-kernels' cache (fetched once,
            // renamed into place, so a reader never sees half a file) as xen, and RealMultibootKernelTests'
            // 8 KiB module as dom0.
            let cache = Paths.packageRoot + "/.build/multiboot-kernels"
            let r = try run(Paths.packageRoot + "/scripts/fetch-multiboot-kernels", [cache], timeout: 300)
            guard r.status == 0 else {
                throw TestSetupError("scripts/fetch-multiboot-kernels failed (a Debian package mirror is needed): \(r.stderr)")
            }
            try FileManager.default.copyItem(atPath: cache + "/xen", toPath: dir.file("xen"))
            let module = try PackFixture.initrd(in: dir, size: 8192)
            try FileManager.default.moveItem(atPath: module, toPath: dir.file("dom0"))
            return dir.path
        case "debian-vmlinux":
            // scripts/fetch-vmlinux and .build/vmlinux/vmlinux as in the repository: the script
            // links to the package's, the vmlinux to LinuxHandoffBootTests' cache (filled once by the
            // script, which renames its download into place), so the block's fetch reuses it.
            let cache = Paths.packageRoot + "/.build/vmlinux"
            let r = try run(Paths.packageRoot + "/scripts/fetch-vmlinux", [cache], timeout: 300)
            guard r.status == 0 else {
                throw TestSetupError("scripts/fetch-vmlinux failed (a Debian package mirror is needed): \(r.stderr)")
            }
            try FileManager.default.createDirectory(atPath: dir.file("scripts"), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: dir.file(".build/vmlinux"), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: dir.file("scripts/fetch-vmlinux"),
                                                       withDestinationPath: Paths.packageRoot + "/scripts/fetch-vmlinux")
            try FileManager.default.createSymbolicLink(atPath: dir.file(".build/vmlinux/vmlinux"), withDestinationPath: cache + "/vmlinux")
            return dir.path
        default:
            return nil
        }
    }
}
