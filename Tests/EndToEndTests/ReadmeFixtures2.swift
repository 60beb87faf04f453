import Foundation
import Testing
import TestSupport

/// Fixtures for the README's UEFI, own-stubs and inspect blocks.
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
        case "hello-image":
            // examples/hello built and packed (build/kernel.img), as `make` there builds it.
            let hello = try prepare("example-hello", in: dir)
            try mustRun("make", ["--no-print-directory", "build/kernel.img", "KIMAGE=\(Paths.kimage)"], cwd: hello, timeout: 300)
            return hello
        default:
            return nil
        }
    }
}
