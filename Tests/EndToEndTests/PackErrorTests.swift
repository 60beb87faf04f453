import Foundation
import Testing
import KImageKit
import TestSupport

/// Every `kimage pack` refusal: message, exit status 1, inputs untouched, no output or temporary left.
@Suite struct PackErrorTests {
    static let good64 = PackFixture.Spec(name: "good", bits64: true, virtualBase: 0xFFFF_8000_0010_0000, expectedCmdline: "", paging: 3)

    /// Builds the tiny ELF32 kernel pack-errors/kernel.asm with the linker script pack-errors/`script`.
    func kernel(_ dir: TemporaryDirectory, script: String, extra: [String] = []) throws -> String {
        let obj = try Toolchain.nasm(fixture: "pack-errors/kernel.asm", in: dir, name: "k", format: "elf32")
        return try Toolchain.ld([obj], scriptFixture: "pack-errors/" + script, in: dir, output: "k.elf", emulation: "elf_i386",
                                extra: extra)
    }

    /// Runs pack, expects a failure with every `needles` in the message and nothing left behind.
    func expectRefusal(_ arguments: [String], dir: TemporaryDirectory, inputs: [String], status: Int32 = 1,
                       _ needles: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = try inputs.map { try contentsOf($0) }
        let listing = try dir.contents()
        let r = try kimage(["pack"] + arguments)
        #expect(r.status == status, "status \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
        if status == 1 {
            #expect(r.stderr.hasPrefix("kimage: error: "), "\(r.stderr)", sourceLocation: sourceLocation)
        }
        for n in needles {
            #expect(r.stderr.contains(n), "missing \"\(n)\" in: \(r.stderr)", sourceLocation: sourceLocation)
        }
        #expect(r.stdout.isEmpty, sourceLocation: sourceLocation)
        #expect(try inputs.map { try contentsOf($0) } == before, "an input changed", sourceLocation: sourceLocation)
        #expect(try dir.contents() == listing, "output or temporary left behind", sourceLocation: sourceLocation)
    }

    @Test func segmentBelow1MiB() throws {
        let dir = try TemporaryDirectory()
        let k = try kernel(dir, script: "below-1mib.ld")
        try expectRefusal(["--kernel", k, "-o", dir.file("k.img")], dir: dir, inputs: [k],
                          ["segment 0", "physical 0x80000", "below 1 MiB", "AT()"])
    }

    @Test func headersSegmentBelow1MiBFromLinkingWithTtext() throws {
        let dir = try TemporaryDirectory()
        let obj = try Toolchain.nasm(fixture: "minimal/jmp.asm", in: dir, name: "k")
        let k = try Toolchain.ld([obj], script: nil, in: dir, output: "k.elf", extra: ["-z", "max-page-size=4096", "-Ttext=0x100000"])
        try expectRefusal(["--kernel", k, "-o", dir.file("k.img")], dir: dir, inputs: [k],
                          ["segment 0 is at physical 0xff000..", "below 1 MiB", "ELF and program headers", "-Ttext"])
    }

    @Test func overlappingSegments() throws {
        let dir = try TemporaryDirectory()
        let k = try kernel(dir, script: "overlapping.ld", extra: ["--no-check-sections"])
        try expectRefusal(["--kernel", k, "-o", dir.file("k.img")], dir: dir, inputs: [k],
                          ["segments 0 (physical 0x100000..", "overlap", "linker script"])
    }

    @Test func entryOutsideEveryExecutableSegment() throws {
        let dir = try TemporaryDirectory()
        let k = try kernel(dir, script: "entry-in-data.ld")
        try expectRefusal(["--kernel", k, "-o", dir.file("k.img")], dir: dir, inputs: [k],
                          ["entry point 0x101000", "no executable PT_LOAD", "segment 0 0x100000..", "ENTRY()"])
    }

    @Test func payloadThatCannotBeMovedClear() throws {
        let dir = try TemporaryDirectory()
        let k = try kernel(dir, script: "huge-bss.ld")
        try expectRefusal(["--kernel", k, "-o", dir.file("k.img")], dir: dir, inputs: [k],
                          ["overlaps where loaders put the image", "beyond 4 GiB", "link the kernel lower"])
    }

    @Test func paeWithAnELF64Kernel() throws {
        let dir = try TemporaryDirectory()
        let k = try PackFixture.build(Self.good64, in: dir)
        try expectRefusal(["--kernel", k, "--pae", "-o", dir.file("k.img")], dir: dir, inputs: [k],
                          ["--pae", "is ELF64", "drop --pae"])
    }

    @Test(arguments: ["2.15", "2.14", "2.02", "banana"])
    func unsupportedProtocol(version: String) throws {
        let dir = try TemporaryDirectory()
        let k = try PackFixture.build(Self.good64, in: dir)
        try expectRefusal(["--kernel", k, "--protocol", version, "-o", dir.file("k.img")], dir: dir, inputs: [k], status: 64,
                          ["'\(version)' is invalid for '--protocol <protocol>'", "'2.11', '2.12' or '2.13'"])
    }

    @Test func commandLineLongerThanCmdlineSize() throws {
        let dir = try TemporaryDirectory()
        let k = try PackFixture.build(Self.good64, in: dir)
        try expectRefusal(["--kernel", k, "--cmdline", String(repeating: "x", count: 3000), "-o", dir.file("k.img")],
                          dir: dir, inputs: [k], ["--cmdline is 3000 bytes", "at most 2047"])
    }

    @Test func badRecursiveSlotAndMapSpec() throws {
        let dir = try TemporaryDirectory()
        let k = try PackFixture.build(Self.good64, in: dir)
        try expectRefusal(["--kernel", k, "--recursive", "top", "-o", dir.file("k.img")], dir: dir, inputs: [k], status: 64,
                          ["--recursive"])
        try expectRefusal(["--kernel", k, "--recursive", "600", "-o", dir.file("k.img")], dir: dir, inputs: [k],
                          ["600"])
        try expectRefusal(["--kernel", k, "--recursive", "1024", "-o", dir.file("k.img")], dir: dir, inputs: [k], status: 64,
                          ["--recursive 1024 is no table slot"])
        try expectRefusal(["--kernel", k, "--map", "0x1000+4K", "-o", dir.file("k.img")], dir: dir, inputs: [k], status: 64,
                          ["--map", "VIRT=PHYS+SIZE"])
        // A --map on top of the kernel's own mapping: the builder's conflict, nothing written.
        try expectRefusal(["--kernel", k, "--map", "0xFFFF800000100000=0x5000000+4K", "-o", dir.file("k.img")],
                          dir: dir, inputs: [k], ["0xffff800000100000"])
    }

    @Test func missingKernelAndNotAnELF() throws {
        let dir = try TemporaryDirectory()
        try expectRefusal(["--kernel", dir.file("nope.elf"), "-o", dir.file("k.img")], dir: dir, inputs: [], ["nope.elf"])
        let text = try dir.write("notes.txt", "not an ELF file at all")
        try expectRefusal(["--kernel", text, "-o", dir.file("k.img")], dir: dir, inputs: [text], ["notes.txt"])
        let k = try PackFixture.build(Self.good64, in: dir)
        try expectRefusal(["--kernel", k, "--loader", text, "-o", dir.file("k.img")], dir: dir, inputs: [k, text], ["notes.txt"])
    }

    @Test func anExistingImageSurvivesAFailedRun() throws {
        let dir = try TemporaryDirectory()
        let image = try dir.write("k.img", "previous image")
        let k = try kernel(dir, script: "below-1mib.ld")
        try expectRefusal(["--kernel", k, "-o", image, "--depfile", dir.file("k.d")], dir: dir, inputs: [k, image], ["below 1 MiB"])
    }

    @Test func usageErrorsExit64() throws {
        let dir = try TemporaryDirectory()
        let k = try PackFixture.build(Self.good64, in: dir)
        try expectRefusal(["--kernel", k], dir: dir, inputs: [k], status: 64, ["-o"])
        try expectRefusal(["-o", dir.file("k.img")], dir: dir, inputs: [], status: 64, ["--kernel"])
    }
}
