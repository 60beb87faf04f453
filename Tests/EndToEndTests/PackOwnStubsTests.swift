import Foundation
import Testing
import KImageKit
import TestSupport

/// Jinue-style own stubs: `--bootsector`, `--setup16`, `--setup32`.
@Suite struct PackOwnStubsTests {
    static let kernelSpec = PackFixture.Spec(name: "k", bits64: true, virtualBase: 0xFFFF_8000_0010_0000, expectedCmdline: "", paging: 3)

    /// Assembles the flat-binary stub fixture own-stubs/`name`.asm.
    func assemble(_ name: String, in dir: TemporaryDirectory) throws -> String {
        try Toolchain.nasm(fixture: "own-stubs/\(name).asm", in: dir, name: name, format: "bin",
                           includes: [Paths.templates + "/include"])
    }

    @Test func ownSetup32FindsThePartTableAndBothELFsUnderQEMU() throws {
        let dir = try TemporaryDirectory()
        let kernel = try PackFixture.build(Self.kernelSpec, in: dir)
        let loader = try PackFixture.loader(in: dir)
        let setup32 = try assemble("setup32", in: dir)
        let image = dir.file("own.img")
        let r = try kimage(["pack", "--kernel", kernel, "--loader", loader, "--setup32", setup32, "-o", image,
                            "--depfile", dir.file("own.d")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("own 32-bit setup"), "\(r.stdout)")
        let bytes = try contentsOf(image)
        let h = try SetupHeader(decoding: bytes)
        #expect(Int(h.syssize) * 16 == bytes.count - h.realModeSize)
        // inspect reads the part table back, where the setup finds it.
        let kernelSize = try contentsOf(kernel).count
        let shown = try kimage(["inspect", image])
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("kimage part table (file offset "), "\(shown.stdout)")
        #expect(shown.stdout.contains("kernel ELF: \(HumanSize.text(UInt64(kernelSize))) at part offset "), "\(shown.stdout)")
        #expect(shown.stdout.contains("loader ELF: "), "\(shown.stdout)")
        #expect(!shown.stdout.contains("warning"), "\(shown.stdout)")
        let boot = try QEMU.boot(kernel: image)
        #expect(boot.debugExit == 0x10, "\(boot.serial)")
        #expect(boot.serial.contains("part table, kernel ELF and loader ELF found"))
        #expect(String(decoding: try contentsOf(dir.file("own.d")), as: UTF8.self) == "\(image): \(kernel) \(loader) \(setup32)\n")
    }

    @Test func ownBootSectorAndSetup16GetSetupSectsAndSyssize() throws {
        let dir = try TemporaryDirectory()
        let kernel = try PackFixture.build(Self.kernelSpec, in: dir)
        let setup16 = try assemble("setup16", in: dir)
        let bootsector = try assemble("bootsector", in: dir)
        let image = dir.file("own16.img")
        let r = try kimage(["pack", "--kernel", kernel, "--bootsector", bootsector, "--setup16", setup16, "-o", image])
        #expect(r.status == 0, "\(r.stderr)")
        let bytes = try contentsOf(image)
        let h = try SetupHeader(decoding: bytes)
        #expect(h.setupSects == 4 && h.version == 0x020C)
        #expect(Int(h.syssize) * 16 == bytes.count - h.realModeSize)
        let boot = try QEMU.boot(kernel: image)
        #expect(boot.debugExit == 0x10, "\(boot.serial)")
        #expect(boot.serial.contains("own setup16 ran"))
    }

    /// A 16-bit setup header with one thing wrong.
    func setup16(_ tweak: (inout [UInt8]) -> Void) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 0x100)
        b[0] = 0xEB; b[1] = 0x66
        b.replaceSubrange(2..<6, with: Array("HdrS".utf8))
        b.storeLE(UInt16(0x020C), at: 6)
        b[0x11] = 1
        tweak(&b)
        return b
    }

    @Test func refusesStubsALoaderWouldReject() throws {
        let dir = try TemporaryDirectory()
        let kernel = try PackFixture.build(Self.kernelSpec, in: dir)
        let cases: [(String, String, [UInt8], [String])] = [
            ("--bootsector", "nosig.bin", [UInt8](repeating: 0, count: 512), ["no boot_flag 0xAA55", "\"invalid magic number\""]),
            ("--bootsector", "big.bin", [UInt8](repeating: 0, count: 600), ["600 bytes", "at most 512"]),
            ("--setup16", "nohdrs.bin", setup16 { $0.replaceSubrange(2..<6, with: [0, 0, 0, 0]) }, ["no \"HdrS\"", "old zImage", "version too old for 32-bit boot"]),
            ("--setup16", "old.bin", setup16 { $0.storeLE(UInt16(0x0202), at: 6) }, ["version 2.02", "GRUB linux", "version too old for 32-bit boot"]),
            ("--setup16", "long.bin", setup16 { $0[1] = 0x90 }, ["EB 0x90".replacingOccurrences(of: "EB ", with: "0xeb "), "\"Linux setup header too big\""]),
            ("--setup16", "low.bin", setup16 { $0[0x11] = 0 }, ["LOADED_HIGH", "\"zImage doesn't support 32-bit boot\""]),
            ("--setup16", "huge.bin", setup16 { $0 += [UInt8](repeating: 0, count: 65 * 512) }, ["sectors", "at most 64", "\"too many setup sectors\""]),
        ]
        for (option, name, bytes, needles) in cases {
            let path = dir.file(name)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let listing = try dir.contents()
            let r = try kimage(["pack", "--kernel", kernel, option, path, "-o", dir.file("k.img")])
            #expect(r.status == 1, "\(name): \(r.stderr)")
            #expect(r.stderr.hasPrefix("kimage: error: \(option) \(path): "), "\(r.stderr)")
            for n in needles { #expect(r.stderr.contains(n), "\(name): missing \(n) in \(r.stderr)") }
            #expect(try dir.contents() == listing, "\(name): output left behind")
            #expect(try contentsOf(path) == bytes)
        }
    }
}
