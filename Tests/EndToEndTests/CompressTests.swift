import Foundation
import Testing
import KImageKit
import TestSupport

/// `kimage pack --compress lz4`: the segments travel as LZ4 blocks the setup decodes
/// (templates/boot/lz4.inc). The Go kernel (megabytes of runtime) boots from them under QEMU
/// -kernel, GRUB's BIOS `linux` and OVMF from an ESP; a damaged block halts the setup with a
/// message naming the segment instead of running what it decodes to.
@Suite(.serialized) struct CompressTests {
    static let append = "console=ttyS0 go-internal"

    /// The Go example's kernel, packed both ways; returns (uncompressed, compressed) image paths.
    static func goImages(_ dir: TemporaryDirectory) throws -> (plain: String, lz4: String, report: String) {
        _ = try mustRun("make", ["KIMAGE=\(Paths.kimage)", "build/kernel.elf"], cwd: dir.path, timeout: 600)
        let elf = dir.file("build/kernel.elf")
        let plain = dir.file("plain.img"), lz4 = dir.file("lz4.img")
        let a = try kimage(["pack", "--kernel", elf, "-o", plain])
        #expect(a.status == 0, "\(a.stderr)")
        let b = try kimage(["pack", "--kernel", elf, "--compress", "lz4", "-o", lz4])
        #expect(b.status == 0, "\(b.stderr)")
        return (plain, lz4, b.stdout)
    }

    @Test func goKernelBootsFromLZ4BlocksUnderQEMUGRUBAndOVMF() throws {
        let dir = try GoKernelTests.copyOfExample()
        let (plain, lz4, report) = try Self.goImages(dir)
        #expect(report.contains("note: payload compressed with LZ4: "), "\(report)")
        #expect(report.contains("LZ4 block"), "\(report)")
        let plainSize = try contentsOf(plain).count, lz4Size = try contentsOf(lz4).count
        #expect(lz4Size < plainSize * 3 / 4, "\(lz4Size) bytes compressed, \(plainSize) not")
        let inspect = try kimage(["inspect", lz4])
        #expect(inspect.stdout.contains("decompress LZ4 block of "), "\(inspect.stdout)")

        GoKernelTests.expectPassed(try QEMU.boot(kernel: lz4, append: Self.append, timeout: 30))

        let iso = try GRUBBoot.iso(image: lz4, command: "linux", append: Self.append, initrd: nil, dir: dir)
        let grub = try QEMU.boot(arguments: ["-cdrom", iso, "-serial", "stdio", "-display", "none", "-monitor", "none",
                                             "-no-reboot", "-m", "128M", "-device", "isa-debug-exit,iobase=0xf4,iosize=4"])
        GoKernelTests.expectPassed(grub)

        let esp = dir.file("esp.img")
        let r = try kimage(["esp", "-o", esp, lz4, "--cmdline", Self.append])
        #expect(r.status == 0, "\(r.stderr)")
        GoKernelTests.expectPassed(try OVMF.boot(esp: esp, in: dir))
    }

    /// A packed fixture, its bytes, and where its plan and protected-mode part start.
    static func packedFixture(_ dir: TemporaryDirectory) throws -> (image: String, bytes: [UInt8], plan: LoadPlan, planAt: Int, pmStart: Int) {
        let spec = PackFixture.Spec(name: "z", bits64: true, virtualBase: 0xFFFF_8000_0010_0000,
                                    expectedCmdline: "console=ttyS0 z", paging: 3)
        let elf = try PackFixture.build(spec, in: dir)
        let image = dir.file("z.img")
        let r = try kimage(["pack", "--kernel", elf, "--compress", "lz4", "--cmdline", "console=ttyS0 z", "-o", image])
        #expect(r.status == 0, "\(r.stderr)")
        let bytes = try contentsOf(image)
        let pmStart = (Int(bytes[0x1F1]) + 1) * 512
        let magic = Array("KPLN".utf8)
        let planAt = try #require((pmStart..<bytes.count - 4).first { Array(bytes[$0..<$0 + 4]) == magic })
        let plan = try #require(bytes.withUnsafeBytes { LoadPlan(decoding: $0, at: planAt) })
        return (image, bytes, plan, planAt, pmStart)
    }

    static func expectHaltsNaming(_ image: String, _ segment: String) throws {
        let boot = try QEMU.boot(kernel: image, append: "console=ttyS0 z", timeout: 6)
        #expect(boot.serial.contains("kimage setup: the LZ4 block of \(segment) ("), "\(boot.serial)")
        #expect(boot.serial.contains(") is corrupt; the image is damaged: pack it again"), "\(boot.serial)")
        #expect(!boot.serial.contains("PASS") && boot.debugExit == nil, "the kernel ran:\n\(boot.serial)")
    }

    @Test func aDamagedBlockHaltsTheSetupWithAMessageNamingTheSegment() throws {
        let dir = try TemporaryDirectory()
        let f = try Self.packedFixture(dir)
        let blocks = f.plan.steps.enumerated().compactMap { i, s -> (Int, UInt64, UInt64, UInt64)? in
            if case .decompress(let dst, let src, let packed, _, _) = s { return (i, dst, src, packed) }
            return nil
        }
        let (index, dst, src, packed) = try #require(blocks.first, "no LZ4 step in \(f.plan.steps)")
        let names = f.plan.steps.compactMap { s -> String? in
            if case .needRAM(let d, _, let part) = s, d == dst { return part }
            return nil
        }
        let segment = try #require(names.first)
        // The intact image boots.
        let ok = try QEMU.boot(kernel: f.image, append: "console=ttyS0 z", timeout: 30)
        #expect(ok.debugExit == 0x10 && ok.serial.contains("PASS"), "\(ok.serial)")

        // One flipped byte in the middle of the block (a literal, most likely): the check fails.
        var flipped = f.bytes
        flipped[f.pmStart + Int(src + packed / 2)] ^= 0x01
        try Data(flipped).write(to: URL(fileURLWithPath: dir.file("flipped.img")))
        try Self.expectHaltsNaming(dir.file("flipped.img"), segment)

        // The check passes but the step says the block decodes to 16 bytes less than it does: the
        // decoder must stop at the destination's end rather than write past it.
        // Its slot: the steps before it take one each, an LZ4 step two (its block's size and check).
        let slot = f.plan.steps.prefix(index).reduce(0) { n, s in if case .decompress = s { n + 2 } else { n + 1 } }
        let step = f.planAt + LoadPlan.headerSize + slot * LoadStep.encodedSize
        var short = f.bytes
        let length = try #require(short.loadLE(UInt32.self, at: step + 0x0C))
        withUnsafeBytes(of: (length - 16).littleEndian) { short.replaceSubrange(step + 0x0C..<step + 0x10, with: $0) }
        try Data(short).write(to: URL(fileURLWithPath: dir.file("short.img")))
        try Self.expectHaltsNaming(dir.file("short.img"), segment)

        // The block cut 5 bytes short (its check made to match): the decoder must not read on.
        var cut = f.bytes
        let start = f.pmStart + Int(src)
        let sum = LZ4Block.checksum(Array(cut[start..<start + Int(packed) - 5]))
        withUnsafeBytes(of: UInt32(packed - 5).littleEndian) { cut.replaceSubrange(step + 0x18..<step + 0x1C, with: $0) }   // STEP_LZ4_PACKED
        withUnsafeBytes(of: sum.littleEndian) { cut.replaceSubrange(step + 0x1C..<step + 0x20, with: $0) }               // STEP_LZ4_CHECK
        try Data(cut).write(to: URL(fileURLWithPath: dir.file("cut.img")))
        try Self.expectHaltsNaming(dir.file("cut.img"), segment)
    }

    @Test func aSegmentThatDoesNotShrinkStaysACopyAndSaysSo() throws {
        let dir = try TemporaryDirectory()
        var state: UInt64 = 5
        let noise = (0..<8192).map { _ -> UInt8 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(state >> 56)
        }
        let noiseFile = dir.file("noise.bin")
        try Data(noise).write(to: URL(fileURLWithPath: noiseFile))
        let obj = try Toolchain.nasm(fixture: "compress/noise.asm", in: dir, name: "noise", defines: ["NOISE=\"\(noiseFile)\""])
        let elf = try Toolchain.ld([obj], script: nil, in: dir, output: "noise.elf", extra: ["-Ttext=0x200000", "-z", "max-page-size=4096"])
        let before = try contentsOf(elf)
        let r = try kimage(["pack", "--kernel", elf, "--compress", "lz4", "-o", dir.file("noise.img"), "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try kimage(["pack", "--kernel", elf, "--compress", "lz4", "-o", dir.file("noise.img")]).stdout
        #expect(text.contains("does not shrink under LZ4: stored uncompressed, copied by the setup"), "\(text)")
        #expect(text.contains("LZ4 block") && text.contains(" source"), "one segment compressed, one copied:\n\(text)")
        #expect(try contentsOf(elf) == before)
    }

    @Test func anOwnSetup32CannotDecompressSoTheFlagIsRefused() throws {
        let dir = try TemporaryDirectory()
        let obj = try Toolchain.nasm(fixture: "minimal/hlt.asm", in: dir, name: "k")
        let elf = try Toolchain.ld([obj], script: nil, in: dir, output: "k.elf", extra: ["-Ttext=0x200000"])
        let setup32 = try dir.write("setup32.bin", String(repeating: "\u{90}", count: 64))
        let r = try kimage(["pack", "--kernel", elf, "--setup32", setup32, "--compress", "lz4", "-o", dir.file("k.img")])
        #expect(r.status == 1, "\(r.stdout)")
        #expect(r.stderr.contains("--compress lz4"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("k.img")))
        let bad = try kimage(["pack", "--kernel", elf, "--compress", "zstd", "-o", dir.file("k.img")])
        #expect(bad.status == 64 && bad.stderr.contains("lz4"), "\(bad.stderr)")
    }
}
