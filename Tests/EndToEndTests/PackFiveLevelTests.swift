import Foundation
import Testing
import KImageKit
import TestSupport

/// `kimage pack --five-level`: an ELF64 kernel linked where only 57-bit addresses reach, packed
/// with 5-level tables, booted under QEMU with and without LA57; the refusals; inspect's view.
@Suite struct PackFiveLevelTests {
    /// PML5[256]: bits 63:47 are not all equal, so 4-level paging cannot map it.
    static let la57Base: UInt64 = 0xFF00_0000_0010_0000
    /// The last page of the 57-bit low half (PML5[255], PML4[511], ...): above 4-level's reach too.
    static let lowHalfTop: UInt64 = 0x00FF_FFFF_FFFF_F000
    static let initrdSize = 8192

    static func spec(_ name: String, checkLA57: Bool = true) -> PackFixture.Spec {
        var spec = PackFixture.Spec(name: name, bits64: true, virtualBase: la57Base, expectedCmdline: "la57 " + name,
                                    paging: 4, initrdSize: initrdSize, checkFault: true)
        spec.mappedVirtual = lowHalfTop
        spec.mappedPhysical = 0x7000
        if checkLA57 { spec.expectLA57 = true }
        return spec
    }

    static let mapArgument = "--map=0x00FFFFFFFFFFF000=0x7000+4K:rw"

    /// Builds and packs a 5-level fixture; returns the image's path.
    func packedImage(_ spec: PackFixture.Spec, dir: TemporaryDirectory, extra: [String] = []) throws -> String {
        let elf = try PackFixture.build(spec, in: dir)
        let image = dir.file(spec.name + ".img")
        let r = try kimage(["pack", "--kernel", elf, "--five-level", Self.mapArgument, "-o", image] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("long mode, 5-level paging, entry 0xff00000000100000"), "\(r.stdout)")
        return image
    }

    @Test(arguments: [["-cpu", "max"], ["-cpu", "qemu64,+la57"]])
    func fiveLevelKernelBootsWithLA57AndReachesA57BitAddress(cpu: [String]) throws {
        let dir = try TemporaryDirectory()
        let spec = Self.spec("la57")
        let image = try packedImage(spec, dir: dir)
        let rd = try PackFixture.initrd(in: dir, size: Self.initrdSize)
        let boot = try QEMU.boot(kernel: image, append: spec.expectedCmdline, initrd: rd, extra: cpu)
        #expect(boot.debugExit == 0x10, "did not pass:\n\(boot.serial)\(boot.result.stderr)")
        #expect(boot.serial.contains("PASS") && !boot.serial.contains("FAIL"), "\(boot.serial)")
        // The fixture read CR4 (bit 12 = LA57), runs at its PML5[256] vaddr, read the boot
        // info's paging mode (4 = KIMAGE_PAGING_5LEVEL) and the --map page at the low half's top.
        #expect(boot.serial.contains("ok CR4.LA57 is set"), "\(boot.serial)")
        #expect(boot.serial.contains("  rip 0xff000000001"), "\(boot.serial)")
        #expect(boot.serial.contains("ok paging mode"), "\(boot.serial)")
        #expect(boot.serial.contains("ok --map mapping reaches its physical page"), "\(boot.serial)")
        #expect(boot.serial.contains("ok writing read-only .text faults"), "\(boot.serial)")
    }

    @Test func fourLevelKernelStillRunsWithLA57ClearOnAnLA57CPU() throws {
        // Without the flag nothing changes, even where the CPU could do 5-level paging.
        let dir = try TemporaryDirectory()
        var spec = PackFixture.Spec(name: "la48", bits64: true, virtualBase: 0xFFFF_8000_0010_0000, expectedCmdline: "la48", paging: 3)
        spec.expectLA57 = false
        let elf = try PackFixture.build(spec, in: dir)
        let image = dir.file("la48.img")
        #expect(try kimage(["pack", "--kernel", elf, "-o", image]).status == 0)
        let boot = try QEMU.boot(kernel: image, append: "la48", extra: ["-cpu", "max"])
        #expect(boot.debugExit == 0x10, "\(boot.serial)")
        #expect(boot.serial.contains("ok CR4.LA57 is clear"), "\(boot.serial)")
    }

    @Test func setupSaysWhenTheCPULacksLA57AndHalts() throws {
        let dir = try TemporaryDirectory()
        let image = try packedImage(Self.spec("nola57"), dir: dir)
        let boot = try QEMU.boot(kernel: image, extra: ["-cpu", "qemu64"], timeout: 5)
        #expect(boot.serial.contains("kimage setup: this CPU has no LA57 (5-level paging); the image was packed with --five-level"),
                "\(boot.serial)")
        #expect(!boot.serial.contains("kimage fixture"), "\(boot.serial)")
        // Stopped, not reset: QEMU was still running at the timeout. (Without the check, this QEMU
        // sits on the `mov cr4` that sets LA57 without a word: the message is what the check adds.)
        #expect(boot.result.timedOut, "QEMU ended (status \(boot.result.status)) instead of halting: \(boot.serial)")
    }

    @Test func reportAndInspectShowFiveLevelAndWalkThePML5() throws {
        let dir = try TemporaryDirectory()
        let spec = Self.spec("inspect")
        let elf = try PackFixture.build(spec, in: dir)
        let image = dir.file("inspect.img")
        let r = try kimage(["pack", "--kernel", elf, "--five-level", Self.mapArgument, "-o", image, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
        #expect(report["pagingMode"] as? String == "long mode, 5-level paging")
        let cr3 = try #require((report["cr3"] as? String).flatMap { UInt64($0.dropFirst(2), radix: 16) })

        // The image's own bytes: plan and boot info say mode 4, CR4.LA57's mode.
        let bytes = try contentsOf(image)
        let parts = try #require(report["parts"] as? [[String: Any]])
        func fileOffset(_ name: String) throws -> Int {
            let part = try #require(parts.first { $0["name"] as? String == name })
            return try #require((part["fileOffset"] as? String).flatMap { Int($0.dropFirst(2), radix: 16) })
        }
        let planAt = try fileOffset("load plan")
        let bootInfoAt = try fileOffset("boot info template")
        #expect(bytes.loadLE(UInt32.self, at: planAt + 8) == 4, "load plan paging mode")
        #expect(bytes.loadLE(UInt32.self, at: bootInfoAt + 0x0C) == 4, "boot info paging mode")

        let text = try kimage(["inspect", image])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("then long mode, 5-level paging with EFER.NXE, CR3 "), "\(text.stdout)")
        #expect(text.stdout.contains("page tables, 5-level paging (PML5 > PML4 > PDPT > PD > PT)"), "\(text.stdout)")
        #expect(text.stdout.contains("reached from PML5 at \(hex(cr3))"), "\(text.stdout)")
        // The kernel's segments at their 57-bit vaddrs, the --map page, and 5-level's hole.
        #expect(text.stdout.contains(" 0xff00000000100000-0xff00000000101000 0x0000000000100000-0x0000000000101000 4K   r-x"),
                "\(text.stdout)")
        #expect(text.stdout.contains(" 0x00fffffffffff000-0x0100000000000000 0x0000000000007000-0x0000000000008000 4K   rw-"),
                "\(text.stdout)")
        #expect(text.stdout.contains("+ 0x0100000000000000 (64 PiB)"), "\(text.stdout)")
        #expect(!text.stdout.contains("warning"), "\(text.stdout)")

        let json = try kimage(["inspect", image, "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let bootImage = try #require(root["bootImage"] as? [String: Any], "\(root.keys)")
        let plan = try #require(bootImage["kimage"] as? [String: Any], "\(bootImage.keys)")
        #expect(plan["pagingMode"] as? String == "long mode, 5-level paging")
        let tables = try #require(plan["pageTables"] as? [String: Any])
        #expect(tables["mode"] as? String == "5level")
    }

    @Test func kimageTomlFiveLevelKeySelectsIt() throws {
        let dir = try TemporaryDirectory("kimage-config")
        var spec = Self.spec("toml", checkLA57: false)
        spec.mappedVirtual = nil
        let elf = try PackFixture.build(spec, in: dir)
        try dir.write("kimage.toml", "[pack]\nkernel = \"toml.elf\"\nfive-level = true\noutput = \"toml.img\"\n")
        let r = try kimage(["pack"], cwd: dir.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("long mode, 5-level paging, entry 0xff00000000100000"), "\(r.stdout)")
        #expect(FileManager.default.fileExists(atPath: dir.file("toml.img")) && elf == dir.file("toml.elf"))
    }

    // MARK: refusals

    /// Runs pack, expects exit 1 with every `needles` in the message, inputs unchanged, nothing new.
    func expectRefusal(_ arguments: [String], dir: TemporaryDirectory, inputs: [String], _ needles: [String],
                       absent: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = try inputs.map { try contentsOf($0) }
        let listing = try dir.contents()
        let r = try kimage(["pack"] + arguments)
        #expect(r.status == 1, "status \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.hasPrefix("kimage: error: "), "\(r.stderr)", sourceLocation: sourceLocation)
        for n in needles {
            #expect(r.stderr.contains(n), "missing \"\(n)\" in: \(r.stderr)", sourceLocation: sourceLocation)
        }
        for n in absent {
            #expect(!r.stderr.contains(n), "unexpected \"\(n)\" in: \(r.stderr)", sourceLocation: sourceLocation)
        }
        #expect(r.stdout.isEmpty, sourceLocation: sourceLocation)
        #expect(try inputs.map { try contentsOf($0) } == before, "an input changed", sourceLocation: sourceLocation)
        #expect(try dir.contents() == listing, "output or temporary left behind", sourceLocation: sourceLocation)
    }

    @Test func fiveLevelWithAnELF32KernelIsRefused() throws {
        let dir = try TemporaryDirectory()
        let spec = PackFixture.Spec(name: "k32", bits64: false, virtualBase: 0xC010_0000, expectedCmdline: "", paging: 1)
        let k = try PackFixture.build(spec, in: dir)
        let image = try dir.write("k.img", "previous image")
        try expectRefusal(["--kernel", k, "--five-level", "-o", image], dir: dir, inputs: [k, image],
                          ["--five-level was given but \(k) is ELF32", "expected an ELF64 x86-64 kernel for 5-level paging",
                           "drop --five-level"])
    }

    @Test(arguments: [true, false])
    func fiveLevelWithPAEIsRefused(bits64: Bool) throws {
        let dir = try TemporaryDirectory()
        let spec = bits64 ? Self.spec("pae64")
            : PackFixture.Spec(name: "pae32", bits64: false, virtualBase: 0xC010_0000, expectedCmdline: "", paging: 2)
        let k = try PackFixture.build(spec, in: dir)
        try expectRefusal(["--kernel", k, "--five-level", "--pae", "-o", dir.file("k.img"), "--depfile", dir.file("k.d")],
                          dir: dir, inputs: [k],
                          ["--five-level and --pae were both given", "expected at most one paging choice", "drop one of them"])
    }

    /// An own 32-bit setup gets no load plan, no boot info and no tables: each option carried out
    /// through them would be silently lost, so it is refused, alone or with others.
    @Test(arguments: [
        (["--five-level"], "--five-level was given"),
        (["--pae"], "--pae was given"),
        (["--map", "0xFFFF900000000000=0x200000+4K"], "--map was given"),
        (["--recursive", "510"], "--recursive was given"),
        (["--cmdline", "console=ttyS0"], "--cmdline was given"),
        (["--five-level", "--cmdline", "x"], "--five-level, --cmdline were given"),
    ])
    func optionsAnOwnSetup32WouldIgnoreAreRefused(extra: [String], found: String) throws {
        let dir = try TemporaryDirectory()
        let k = try PackFixture.build(Self.spec("own"), in: dir)
        let setup32 = try dir.write("setup32.bin", "own setup: its bytes do not matter here")
        let named = found.components(separatedBy: " w").first!
        try expectRefusal(["--kernel", k, "--setup32", setup32, "-o", dir.file("k.img")] + extra, dir: dir, inputs: [k, setup32],
                          ["\(found) with --setup32 \(setup32)", "no load plan, no boot info and no page tables",
                           "expected kimage's own 32-bit setup for \(named)", "drop --setup32"])
    }

    @Test func aVaddrOnlyCanonicalWith57BitsIsRefusedWithoutTheFlagAndSuggestsIt() throws {
        let dir = try TemporaryDirectory()
        let k = try PackFixture.build(Self.spec("no-flag"), in: dir)
        try expectRefusal(["--kernel", k, "-o", dir.file("k.img")], dir: dir, inputs: [k],
                          ["\(k): segment 0 is at virtual 0xff00000000100000..", "not canonical with 4-level paging",
                           "bits 63:47 must all equal bit 47", "expected every PT_LOAD at canonical addresses",
                           "it is canonical with 5-level paging (57-bit addresses): pack with --five-level"])
        // A --map there gets the same hint; one non-canonical even with 57 bits does not.
        let good = try PackFixture.build(PackFixture.Spec(name: "good", bits64: true, virtualBase: 0xFFFF_8000_0010_0000,
                                                          expectedCmdline: "", paging: 3), in: dir)
        try expectRefusal(["--kernel", good, Self.mapArgument, "-o", dir.file("k.img")], dir: dir, inputs: [k, good],
                          ["non-canonical address 0xfffffffffff000 in mode 4level", "kimage pack --five-level"])
        try expectRefusal(["--kernel", good, "--map", "0x8000000000000000=0x7000+4K", "-o", dir.file("k.img")], dir: dir, inputs: [k, good],
                          ["non-canonical address 0x8000000000000000 in mode 4level", "move or shorten it"], absent: ["--five-level"])
    }

    @Test func aVaddrNonCanonicalEvenWith57BitsIsRefusedWithTheFlag() throws {
        let dir = try TemporaryDirectory()
        var spec = Self.spec("beyond57")
        spec.virtualBase = 0xF000_0000_0010_0000
        let k = try PackFixture.build(spec, in: dir)
        try expectRefusal(["--kernel", k, "--five-level", "-o", dir.file("k.img")], dir: dir, inputs: [k],
                          ["\(k): segment 0 is at virtual 0xf000000000100000..", "not canonical with 5-level paging",
                           "bits 63:56 must all equal bit 56", "link the kernel at a canonical address"], absent: ["--five-level"])
        // Without the flag: not canonical with either, so no --five-level hint.
        try expectRefusal(["--kernel", k, "-o", dir.file("k.img")], dir: dir, inputs: [k],
                          ["not canonical with 4-level paging", "link the kernel at a canonical address"], absent: ["--five-level"])
    }
}
