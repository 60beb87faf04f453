import Foundation
import Testing
import KImageKit
import TestSupport

/// The redirect installer templates, proven by booting: a fixture kernel linked with the layout's
/// linker script, its table filled by `kimage redirect`, packed by `kimage pack`, calls every
/// redirected function and checks where it landed.
@Suite struct TemplateInstallerTests {
    enum Assembler: String, CaseIterable, Sendable { case nasm, gas }

    struct Fixture {
        let dir: TemporaryDirectory
        let elf: String
        let layout: KernelLayout
    }

    /// Builds the fixture: `count` redirects src_i -> dst_i through a manifest, a poison entry
    /// (canary_src -> canary_dst) right after the table that only a runaway loop would install,
    /// and `spare` extra zero slots. With `installer: nil` nothing installs at boot. The kernel is
    /// Tests/Fixtures/installer/kernel.asm.
    static func build(layout: KernelLayout, count: Int, installer: Assembler?, spare: Int = 0) throws -> Fixture {
        let dir = try TemporaryDirectory("kimage-installer")
        let bits64 = layout.arch == .x86_64
        let format = bits64 ? "elf64" : "elf32"
        var manifest = "# src dst\n"
        for i in 0..<count { manifest += "src_\(i) dst_\(i)\n" }
        try dir.write("redirects.txt", manifest)
        let defines = ["COUNT=\(count)"] + (bits64 ? ["BITS64"] : []) + (installer != nil ? ["INSTALLS"] : [])
        var objects = [try Toolchain.nasm(fixture: "installer/kernel.asm", in: dir, name: "fixture", format: format,
                                          defines: defines)]
        switch installer {
        case .nasm?:
            objects.append(try Toolchain.nasm(try Templates.text("rt0/kimage_redirects_\(layout.arch.rawValue).asm"),
                                              in: dir, name: "installer", format: format))
        case .gas?:
            objects.append(try Toolchain.gas(try Templates.text("rt0/kimage_redirects_\(layout.arch.rawValue).s"),
                                             in: dir, name: "installer", bits32: !bits64))
        case nil:
            break
        }
        // The poison entry goes right after the table's last slot, in a section of its own.
        let script = try layout.linkerScript().replacingOccurrences(
            of: "        __kimage_redirects_end = .;\n    } :rodata\n",
            with: "        __kimage_redirects_end = .;\n    } :rodata\n    .kimage_test_poison : { KEEP(*(.kimage_test_poison)) } :rodata\n")
        #expect(script.contains(".kimage_test_poison"))
        let scriptPath = try dir.write("kernel.ld", script)
        let counted = try kimage(["count", "--manifest", dir.file("redirects.txt"), "--format", "ld"])
        #expect(counted.succeeded, "\(counted.stderr)")
        #expect(counted.stdout == "NUM_REDIRECTS = \(count);\n")
        try dir.write("redirects.ld", "NUM_REDIRECTS = \(count + spare);\n")
        let elf = dir.file("kernel.elf")
        try mustRun("ld", ["-m", bits64 ? "elf_x86_64" : "elf_i386", "-nostdlib", "-z", "noexecstack", "-z", "max-page-size=4096",
                           "-L", dir.path, "-T", scriptPath, "-o", elf] + objects)
        return Fixture(dir: dir, elf: elf, layout: layout)
    }

    static func packAndBoot(_ fixture: Fixture) throws -> QEMU.Boot {
        let image = fixture.dir.file("kernel.img")
        let packed = try kimage(["pack", "--kernel", fixture.elf, "-o", image])
        #expect(packed.succeeded, "\(packed.stderr)")
        return try QEMU.boot(kernel: image, system: fixture.layout.arch == .x86_64 ? "qemu-system-x86_64" : "qemu-system-i386")
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let layout: KernelLayout, assembler: Assembler, count: Int
        var testDescription: String { "\(layout) \(assembler) \(count)" }
    }

    static let cases: [Case] = [KernelLayout.gopher, .jinue].flatMap { layout in
        Assembler.allCases.flatMap { assembler in [0, 1, 100].map { Case(layout: layout, assembler: assembler, count: $0) } }
    }

    @Test(arguments: cases)
    func installerWritesEveryTrampolineAtBoot(_ c: Case) throws {
        let (layout, assembler, count) = (c.layout, c.assembler, c.count)
        let fixture = try Self.build(layout: layout, count: count, installer: assembler)
        let redirected = try kimage(["redirect", fixture.elf, "--manifest", fixture.dir.file("redirects.txt")])
        #expect(redirected.succeeded, "\(redirected.stderr)")
        let boot = try Self.packAndBoot(fixture)
        #expect(boot.serial == "installer ok: \(count) redirects\n")
        #expect(boot.debugExit == 0x10)
    }

    @Test(arguments: [KernelLayout.gopher, .jinue])
    func installerStopsAtTheFirstZeroEntry(layout: KernelLayout) throws {
        let fixture = try Self.build(layout: layout, count: 1, installer: .nasm, spare: 2)
        let redirected = try kimage(["redirect", fixture.elf, "--manifest", fixture.dir.file("redirects.txt"), "--allow-spare"])
        #expect(redirected.succeeded, "\(redirected.stderr)")
        let boot = try Self.packAndBoot(fixture)
        #expect(boot.serial == "installer ok: 1 redirects\n")
        #expect(boot.debugExit == 0x10)
    }

    /// The build-time path: no installer linked, `kimage redirect --patch` writes the jumps.
    @Test(arguments: [KernelLayout.gopher, .kernel, .jinue])
    func patchedKernelNeedsNoInstaller(layout: KernelLayout) throws {
        let fixture = try Self.build(layout: layout, count: 3, installer: nil)
        let unpatched = try kimage(["redirect", fixture.elf, "--manifest", fixture.dir.file("redirects.txt"), "-o", fixture.dir.file("plain.elf")])
        #expect(unpatched.succeeded, "\(unpatched.stderr)")
        // Without --patch and without an installer, the first call lands in its own source: the
        // fixture can tell the difference.
        let plain = try Self.packAndBoot(Fixture(dir: fixture.dir, elf: fixture.dir.file("plain.elf"), layout: layout))
        #expect(plain.serial == "a call did not land in its destination\n")
        let patched = try kimage(["redirect", fixture.elf, "--manifest", fixture.dir.file("redirects.txt"), "--patch"])
        #expect(patched.succeeded, "\(patched.stderr)")
        let boot = try Self.packAndBoot(fixture)
        #expect(boot.serial == "installer ok: 3 redirects\n")
        #expect(boot.debugExit == 0x10)
    }
}
