import Testing
import Foundation
import KImageKit
import TestSupport

/// Fixture kernels for `kimage redirect`, assembled at test time with GNU as from Go-style quoted
/// symbol names, linked with ld, and read back with readelf and objdump.
struct RedirectFixture {
    let dir: TemporaryDirectory
    let kernel: String
    let bits32: Bool

    static let goPanic = "example.com/kern/a%2eb.Panic"
    static let goReserve = "example.com/kern/mm.(*Frame).Reserve"

    /// What a test adds to the kernel (Tests/Fixtures/redirect/kernel.s names each).
    enum Extra: String {
        /// kern.far: a function symbol of .text whose value lies 1 MiB past .text's end.
        case farDestination = ".LFAR"
        /// kern.nobits: a function in an executable NOBITS section.
        case executableNoBits = ".LXBSS"
        /// Data symbols to serve as tables: main.redirects, main.odd, main.inbss, main.unloaded.
        case tableSymbols = ".LTABLE_SYMBOLS"
    }

    /// Builds the kernel Tests/Fixtures/redirect/kernel.s (+ other.s): `slots` table entries in
    /// `.goredirectstbl` (nil: no table section), text at `textAddress`, an `extra` part.
    init(bits32: Bool = false, slots: Int? = 2, textAddress: UInt64 = 0x100000, tableNoBits: Bool = false,
         tableBytes: Int? = nil, extra: Extra? = nil) throws {
        dir = try TemporaryDirectory("kimage-redirect")
        self.bits32 = bits32
        let word = bits32 ? 4 : 8
        var defines: [String] = []
        if let slots { defines.append(".LTABLE_BYTES=\(tableBytes ?? slots * 2 * word)") }
        if tableNoBits { defines.append(".LTABLE_NOBITS=1") }
        if let extra { defines.append(extra.rawValue + "=1") }
        let main = try Toolchain.gas(fixture: "redirect/kernel.s", in: dir, name: "kernel", bits32: bits32, defines: defines)
        let other = try Toolchain.gas(fixture: "redirect/other.s", in: dir, name: "other", bits32: bits32)
        kernel = try Toolchain.ld([main, other], script: nil, in: dir, output: "kernel.elf",
                                  emulation: bits32 ? "elf_i386" : "elf_x86_64",
                                  extra: ["-Ttext=\(hex(textAddress))", "-e", "_start"])
        // Only the kernel stays: the tests compare the directory before and after a run.
        for name in try dir.contents() where name != "kernel.elf" {
            try FileManager.default.removeItem(atPath: dir.file(name))
        }
    }

    func manifest(_ lines: String, name: String = "redirects.txt") throws -> String {
        try dir.write(name, lines)
    }

    /// Symbol values as readelf sees them.
    func symbols() throws -> [String: UInt64] {
        let out = try mustRun("readelf", ["-sW", kernel]).stdout
        var result: [String: UInt64] = [:]
        for line in out.split(separator: "\n") {
            let cols = line.split(separator: " ", omittingEmptySubsequences: true)
            guard cols.count >= 8, cols[0].hasSuffix(":"), let value = UInt64(cols[1], radix: 16) else { continue }
            result[cols[7...].joined(separator: " ")] = value
        }
        return result
    }

    /// The section's bytes as `readelf -x` dumps them.
    func sectionBytes(_ section: String = ".goredirectstbl", of file: String? = nil) throws -> [UInt8] {
        let out = try mustRun("readelf", ["-x", section, file ?? kernel]).stdout
        var bytes: [UInt8] = []
        for line in out.split(separator: "\n") {
            let cols = line.split(separator: " ", omittingEmptySubsequences: true)
            guard cols.count >= 2, cols[0].hasPrefix("0x") else { continue }
            for group in cols.dropFirst().prefix(4) where group.count % 2 == 0 && group.allSatisfy(\.isHexDigit) {
                var i = group.startIndex
                while i < group.endIndex {
                    let j = group.index(i, offsetBy: 2)
                    bytes.append(UInt8(group[i..<j], radix: 16)!)
                    i = j
                }
            }
        }
        return bytes
    }

    /// Little-endian words of the table, as the boot code reads them.
    func tableWords(of file: String? = nil) throws -> [UInt64] {
        let b = try sectionBytes(of: file)
        let w = bits32 ? 4 : 8
        return stride(from: 0, to: b.count, by: w).map { at in
            (0..<w).reversed().reduce(UInt64(0)) { ($0 << 8) | UInt64(b[at + $1]) }
        }
    }
}

/// Runs kimage expecting failure: exit 1, `kimage: error:` with `fragments`, every file in the
/// fixture directory byte-for-byte unchanged and nothing added (no output, no temporary).
@discardableResult
func expectRedirectFailure(_ fixture: RedirectFixture, _ args: [String], _ fragments: [String],
                           sourceLocation: SourceLocation = #_sourceLocation) throws -> CommandResult {
    let before = try allFiles(fixture.dir)
    let contents = try before.map { try contentsOf(fixture.dir.file($0)) }
    let r = try kimage(args, cwd: fixture.dir.path)
    #expect(r.status == 1, "status \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
    #expect(r.stderr.hasPrefix("kimage: error: "), "\(r.stderr)", sourceLocation: sourceLocation)
    for f in fragments {
        #expect(r.stderr.contains(f), "missing \(f) in: \(r.stderr)", sourceLocation: sourceLocation)
    }
    #expect(r.stdout.isEmpty, "\(r.stdout)", sourceLocation: sourceLocation)
    #expect(try allFiles(fixture.dir) == before, sourceLocation: sourceLocation)
    for (name, bytes) in zip(before, contents) {
        #expect(try contentsOf(fixture.dir.file(name)) == bytes, "\(name) changed", sourceLocation: sourceLocation)
    }
    return r
}

/// Every file below `dir` (relative paths, sorted), hidden ones included.
func allFiles(_ dir: TemporaryDirectory) throws -> [String] {
    try FileManager.default.subpathsOfDirectory(atPath: dir.path).filter { sub in
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: dir.file(sub), isDirectory: &isDir) && !isDir.boolValue
    }.sorted()
}

@Suite struct RedirectTests {
    @Test func destinationOutsideTheSectionItNamesIsRefused() throws {
        // A function symbol of .text whose value lies 1 MiB past .text's end.
        let f = try RedirectFixture(extra: .farDestination)
        _ = try f.manifest("runtime.throw kern.far\nruntime.sysReserve \(RedirectFixture.goReserve)\n")
        try expectRedirectFailure(f, ["redirect", "kernel.elf", "--manifest", "redirects.txt"],
                                  ["kern.far (the redirect's destination, from redirects.txt:1) is at 0x", "outside .text (0x100000-0x"])
    }

    @Test(arguments: [false, true])
    func fillsTheTableSortedBySourceName(bits32: Bool) throws {
        let f = try RedirectFixture(bits32: bits32)
        let m = try f.manifest("""
            # src dst
            runtime.throw \(RedirectFixture.goPanic)
            runtime.sysReserve \(RedirectFixture.goReserve)
            """)
        let r = try kimage(["redirect", f.kernel, "--manifest", m])
        #expect(r.status == 0, "\(r.stderr)")
        let sym = try f.symbols()
        let d = bits32 ? 8 : 16
        #expect(r.stdout == """
            runtime.sysReserve \(hex(sym["runtime.sysReserve"]!, digits: d)) -> \(RedirectFixture.goReserve) \(hex(sym[RedirectFixture.goReserve]!, digits: d))
            runtime.throw \(hex(sym["runtime.throw"]!, digits: d)) -> \(RedirectFixture.goPanic) \(hex(sym[RedirectFixture.goPanic]!, digits: d))

            """)
        // "runtime.sysReserve" < "runtime.throw" byte-wise, whatever the manifest order.
        #expect(try f.tableWords() == [sym["runtime.sysReserve"]!, sym[RedirectFixture.goReserve]!,
                                       sym["runtime.throw"]!, sym[RedirectFixture.goPanic]!])
        #expect(try f.sectionBytes().count == (bits32 ? 16 : 32))
        // A second run gives the same bytes.
        let first = try contentsOf(f.kernel)
        #expect(try kimage(["redirect", f.kernel, "--manifest", m]).status == 0)
        #expect(try contentsOf(f.kernel) == first)
        #expect(try f.dir.contents() == ["kernel.elf", "redirects.txt"])
    }

    @Test func goTreeAnnotationsWithAnEscapedPackageName() throws {
        let f = try RedirectFixture()
        try f.dir.write("src/go.mod", "module example.com/kern\n")
        try f.dir.write("src/a.b/panic.go", "package ab\n\n// Panic replaces runtime.throw.\n//\n//go:redirect-from runtime.throw\n//go:nosplit\nfunc Panic(s string) {}\n")
        try f.dir.write("src/mm/frame.go", "package mm\n\ntype Frame uintptr\n\n//go:redirect-from runtime.sysReserve\nfunc (f *Frame) Reserve() {}\n")
        try f.dir.write("src/mm/frame_windows.go", "package mm\n\n//go:redirect-from runtime.small\nfunc windowsOnly() {}\n")
        let count = try kimage(["count", "--go", "src"], cwd: f.dir.path)
        #expect(count.stdout == "2\n")
        let r = try kimage(["redirect", "kernel.elf", "--go", "src", "--json"], cwd: f.dir.path)
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let items = json["redirects"] as! [[String: Any]]
        #expect(items.map { $0["dst"] as! String } == [RedirectFixture.goReserve, RedirectFixture.goPanic])
        #expect(items.map { $0["file"] as! String } == ["src/mm/frame.go", "src/a.b/panic.go"])
        #expect(json["slots"] as? Int == 2 && json["patched"] as? Bool == false && json["output"] as? String == "kernel.elf")
        let sym = try f.symbols()
        #expect(try f.tableWords() == [sym["runtime.sysReserve"]!, sym[RedirectFixture.goReserve]!,
                                       sym["runtime.throw"]!, sym[RedirectFixture.goPanic]!])
    }

    @Test func patchWritesJmpRipTrampolinesInELF64() throws {
        let f = try RedirectFixture()
        let m = try f.manifest("runtime.throw \(RedirectFixture.goPanic)\nruntime.sysReserve \(RedirectFixture.goReserve)\n")
        let r = try kimage(["redirect", f.kernel, "--manifest", m, "--patch"])
        #expect(r.status == 0, "\(r.stderr)")
        let sym = try f.symbols()
        let dump = try mustRun("objdump", ["-d", "--no-show-raw-insn", f.kernel]).stdout
        let throwAt = String(sym["runtime.throw"]!, radix: 16)
        let line = dump.split(separator: "\n").first { $0.hasPrefix("  \(throwAt):") }
        #expect(line?.contains("jmp    *0x0(%rip)") == true, "\(dump)")
        // The 8 bytes after the jmp are the destination, read back through objdump -s.
        let text = try mustRun("objdump", ["-s", "-j", ".text", "--start-address=\(sym["runtime.throw"]! + 6)",
                                           "--stop-address=\(sym["runtime.throw"]! + 14)", f.kernel]).stdout
        let dst = sym[RedirectFixture.goPanic]!
        let le = (0..<8).map { String(format: "%02x", UInt8(truncatingIfNeeded: dst >> (8 * UInt64($0)))) }.joined()
        #expect(text.replacingOccurrences(of: " ", with: "").contains(le), "\(text)")
        // The table is filled too, and a second run changes nothing.
        #expect(try f.tableWords().count == 4)
        let first = try contentsOf(f.kernel)
        #expect(try kimage(["redirect", f.kernel, "--manifest", m, "--patch"]).status == 0)
        #expect(try contentsOf(f.kernel) == first)
        let elf = try ELFFile(path: f.kernel)
        let off = elf.fileOffset(ofVirtualAddress: sym["runtime.throw"]!, length: 14)!
        #expect(Trampoline.isInstalled(in: elf.fileBytes(at: off, count: 14)!, at: sym["runtime.throw"]!, to: dst, elfClass: .elf64))
    }

    @Test func patchWritesRelativeJmpsInELF32() throws {
        let f = try RedirectFixture(bits32: true)
        let m = try f.manifest("runtime.throw \(RedirectFixture.goPanic)\nruntime.sysReserve \(RedirectFixture.goReserve)\n")
        let r = try kimage(["redirect", f.kernel, "--manifest", m, "--patch"])
        #expect(r.status == 0, "\(r.stderr)")
        let sym = try f.symbols()
        let dump = try mustRun("objdump", ["-d", "--no-show-raw-insn", f.kernel]).stdout
        for (src, dst) in [("runtime.throw", RedirectFixture.goPanic), ("runtime.sysReserve", RedirectFixture.goReserve)] {
            let at = String(sym[src]!, radix: 16)
            let line = dump.split(separator: "\n").first { $0.hasPrefix("  \(at):") }
            #expect(line?.contains("jmp    \(String(sym[dst]!, radix: 16)) <\(dst)>") == true, "\(line ?? "")\n\(dump)")
        }
    }

    @Test func outputFileLeavesTheInputAndDryRunWritesNothing() throws {
        let f = try RedirectFixture()
        chmod(f.kernel, 0o751)
        let m = try f.manifest("runtime.throw \(RedirectFixture.goPanic)\nruntime.sysReserve \(RedirectFixture.goReserve)\n")
        let original = try contentsOf(f.kernel)
        let dry = try kimage(["redirect", f.kernel, "--manifest", m, "--dry-run", "--patch"])
        #expect(dry.status == 0 && dry.stdout.contains("runtime.throw 0x"))
        #expect(try contentsOf(f.kernel) == original && (try f.dir.contents()) == ["kernel.elf", "redirects.txt"])
        let out = f.dir.file("patched.elf")
        #expect(try kimage(["redirect", f.kernel, "--manifest", m, "-o", out]).status == 0)
        #expect(try contentsOf(f.kernel) == original)
        #expect(try f.tableWords(of: out).count == 4 && (try f.tableWords(of: out)).allSatisfy { $0 != 0 })
        // In place keeps the mode.
        #expect(try kimage(["redirect", f.kernel, "--manifest", m]).status == 0)
        let mode = try FileManager.default.attributesOfItem(atPath: f.kernel)[.posixPermissions] as? Int
        #expect(mode == 0o751)
        #expect(try contentsOf(f.kernel) == contentsOf(out))
    }

    @Test func allowSpareZeroFillsTheRest() throws {
        let f = try RedirectFixture(slots: 4)
        let m = try f.manifest("runtime.throw \(RedirectFixture.goPanic)\n")
        let r = try kimage(["redirect", f.kernel, "--manifest", m, "--allow-spare"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("3 spare slots") && r.stderr.contains("stop at the first zero entry"))
        let sym = try f.symbols()
        #expect(try f.tableWords() == [sym["runtime.throw"]!, sym[RedirectFixture.goPanic]!, 0, 0, 0, 0, 0, 0])
    }

    @Test func addressZeroIsAnAddress() throws {
        let f = try RedirectFixture(slots: 1, textAddress: 0)
        let sym = try f.symbols()
        #expect(sym["_start"] == 0)
        let m = try f.manifest("runtime.throw _start\n")
        let r = try kimage(["redirect", f.kernel, "--manifest", m])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try f.tableWords() == [sym["runtime.throw"]!, 0])
    }

    // MARK: One test per error; each proves the inputs unchanged and nothing left behind.

    @Test func missingNameSuggestsTheClosest() throws {
        let f = try RedirectFixture()
        let m = try f.manifest("runtime.throww \(RedirectFixture.goPanic)\nruntime.sysReserve \(RedirectFixture.goReserve)\n")
        try expectRedirectFailure(f, ["redirect", "kernel.elf", "--manifest", "redirects.txt"],
                                  ["has no symbol runtime.throww", "redirects.txt:1", "closest names in the kernel: runtime.throw"])
        _ = m
    }

    @Test func nameDefinedTwiceListsBoth() throws {
        let f = try RedirectFixture()
        _ = try f.manifest("dupf \(RedirectFixture.goPanic)\nruntime.sysReserve \(RedirectFixture.goReserve)\n")
        try expectRedirectFailure(f, ["redirect", "kernel.elf", "--manifest", "redirects.txt", "-o", "out.elf"],
                                  ["defines dupf", "2 times", "LOCAL", "redirects.txt:1"])
    }

    @Test func sourceMustBeAFunction() throws {
        let f = try RedirectFixture()
        _ = try f.manifest("runtime.object \(RedirectFixture.goPanic)\nruntime.notype \(RedirectFixture.goReserve)\n")
        try expectRedirectFailure(f, ["redirect", "kernel.elf", "--manifest", "redirects.txt"],
                                  ["2 redirects are wrong", "runtime.notype (the redirect's source, from redirects.txt:2) is NOTYPE",
                                   "runtime.object (the redirect's source, from redirects.txt:1) is OBJECT", "not a function (STT_FUNC)"])
    }

    @Test func destinationMustBeInAnExecutableSection() throws {
        let f = try RedirectFixture()
        _ = try f.manifest("runtime.throw kern.dataFunc\nruntime.sysReserve \(RedirectFixture.goReserve)\n")
        try expectRedirectFailure(f, ["redirect", "kernel.elf", "--manifest", "redirects.txt"],
                                  ["kern.dataFunc (the redirect's destination, from redirects.txt:1) is in .data, which is not an executable section"])
    }

    @Test(arguments: [false, true])
    func sourceShorterThanItsTrampolineNamesTheNextFunction(bits32: Bool) throws {
        let f = try RedirectFixture(bits32: bits32)
        _ = try f.manifest("runtime.small \(RedirectFixture.goPanic)\nruntime.sysReserve \(RedirectFixture.goReserve)\n")
        // A 4-byte function is too short for the 5-byte jmp rel32 and the 14-byte jmp [rip+0] alike.
        let size = bits32 ? 5 : 14
        try expectRedirectFailure(f, ["redirect", "kernel.elf", "--manifest", "redirects.txt", "--patch"],
                                  ["runtime.small", "is 4 bytes long", "\(size)-byte trampoline would overwrite the start of runtime.after",
                                   "st_size >= \(size)"])
    }

    @Test func redirectToItself() throws {
        let f = try RedirectFixture()
        _ = try f.manifest("runtime.alias runtime.aliased\nruntime.sysReserve \(RedirectFixture.goReserve)\n")
        try expectRedirectFailure(f, ["redirect", "kernel.elf", "--manifest", "redirects.txt"],
                                  ["redirects.txt:1: runtime.alias and runtime.aliased are both at", "jump to itself"])
    }

    @Test func overlappingTrampolines() throws {
        let f = try RedirectFixture()
        _ = try f.manifest("runtime.alias runtime.throw\nruntime.aliased \(RedirectFixture.goReserve)\n")
        try expectRedirectFailure(f, ["redirect", "kernel.elf", "--manifest", "redirects.txt"],
                                  ["14-byte trampolines at runtime.alias", "and runtime.aliased", "overlap"])
    }

    @Test func sameSourceTwiceNamesBothLines() throws {
        let f = try RedirectFixture()
        _ = try f.manifest("runtime.throw \(RedirectFixture.goPanic)\n\nruntime.throw \(RedirectFixture.goReserve)\n")
        try expectRedirectFailure(f, ["redirect", "kernel.elf", "--manifest", "redirects.txt"],
                                  ["runtime.throw is redirected twice", "redirects.txt:1", "redirects.txt:3"])
    }

    @Test func malformedManifestLine() throws {
        let f = try RedirectFixture()
        _ = try f.manifest("runtime.throw\n")
        try expectRedirectFailure(f, ["redirect", "kernel.elf", "--manifest", "redirects.txt"],
                                  ["redirects.txt:1: expected `SRC DST`", "found 1 word"])
    }

    @Test func malformedGoDirective() throws {
        let f = try RedirectFixture()
        try f.dir.write("src/go.mod", "module example.com/kern\n")
        try f.dir.write("src/k/k.go", "package k\n\n//go:redirect-from runtime.throw\nvar x int\n")
        try expectRedirectFailure(f, ["redirect", "kernel.elf", "--go", "src"],
                                  ["src/k/k.go:3: //go:redirect-from is not in the doc comment of a top-level function"])
        try expectRedirectFailure(f, ["count", "--go", "src"], ["src/k/k.go:3:"])
    }

    @Test func patchedSourceWithoutFileBytes() throws {
        // An executable NOBITS section: the function has an address and a size but nothing in
        // the file, so there is nowhere to write its trampoline. Without --patch it is fine.
        let f = try RedirectFixture(extra: .executableNoBits)
        _ = try f.manifest("kern.nobits \(RedirectFixture.goPanic)\nruntime.sysReserve \(RedirectFixture.goReserve)\n")
        let sections = try mustRun("readelf", ["-SW", f.kernel]).stdout
        #expect(sections.contains(".xbss") && sections.split(separator: "\n").contains { $0.contains(".xbss") && $0.contains("NOBITS") }, "\(sections)")
        try expectRedirectFailure(f, ["redirect", "kernel.elf", "--manifest", "redirects.txt", "--patch"],
                                  ["kernel.elf: kern.nobits at 0x", "has no bytes in the file to patch", "--patch needs the function's code in the file"])
        let r = try kimage(["redirect", "kernel.elf", "--manifest", "redirects.txt", "--dry-run"], cwd: f.dir.path)
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test func tableSectionMissing() throws {
        let f = try RedirectFixture(slots: nil)
        _ = try f.manifest("runtime.throw \(RedirectFixture.goPanic)\n")
        try expectRedirectFailure(f, ["redirect", "kernel.elf", "--manifest", "redirects.txt"],
                                  ["kernel.elf has no section .goredirectstbl", "--section NAME"])
    }

    @Test func tableSectionWithoutFileBytes() throws {
        let f = try RedirectFixture(slots: 1, tableNoBits: true)
        _ = try f.manifest("runtime.throw \(RedirectFixture.goPanic)\n")
        try expectRedirectFailure(f, ["redirect", "kernel.elf", "--manifest", "redirects.txt"],
                                  [".goredirectstbl is NOBITS"])
    }

    @Test func tableSectionNotAWholeNumberOfEntries() throws {
        let f = try RedirectFixture(tableBytes: 20)
        _ = try f.manifest("runtime.throw \(RedirectFixture.goPanic)\n")
        try expectRedirectFailure(f, ["redirect", "kernel.elf", "--manifest", "redirects.txt"],
                                  [".goredirectstbl is 20 bytes, not a whole number of 16-byte entries"])
    }

    @Test func tooFewSlotsGivesTheNumberToRebuildWith() throws {
        let f = try RedirectFixture(slots: 1)
        _ = try f.manifest("runtime.throw \(RedirectFixture.goPanic)\nruntime.sysReserve \(RedirectFixture.goReserve)\n")
        try expectRedirectFailure(f, ["redirect", "kernel.elf", "--manifest", "redirects.txt", "--allow-spare"],
                                  ["room for 1 redirect but 2 were found", "NUM_REDIRECTS=2"])
    }

    @Test func tooManySlotsWithoutAllowSpare() throws {
        let f = try RedirectFixture(slots: 3)
        _ = try f.manifest("runtime.throw \(RedirectFixture.goPanic)\n")
        try expectRedirectFailure(f, ["redirect", "kernel.elf", "--manifest", "redirects.txt"],
                                  ["room for 3 redirects but 1 were found", "NUM_REDIRECTS=1", "--allow-spare"])
    }

    @Test func unwritableOutputLeavesEverythingAsItWas() throws {
        let f = try RedirectFixture()
        _ = try f.manifest("runtime.throw \(RedirectFixture.goPanic)\nruntime.sysReserve \(RedirectFixture.goReserve)\n")
        try expectRedirectFailure(f, ["redirect", "kernel.elf", "--manifest", "redirects.txt", "-o", "missing/out.elf"],
                                  ["cannot create a temporary file in missing"])
    }

    @Test func strippedKernel() throws {
        let f = try RedirectFixture()
        try mustRun("strip", ["-s", f.kernel])
        _ = try f.manifest("runtime.throw \(RedirectFixture.goPanic)\nruntime.sysReserve \(RedirectFixture.goReserve)\n")
        try expectRedirectFailure(f, ["redirect", "kernel.elf", "--manifest", "redirects.txt"],
                                  ["the symbol table was stripped", "link without -s"])
    }

    @Test func notAnELF() throws {
        let f = try RedirectFixture()
        _ = try f.manifest("runtime.throw \(RedirectFixture.goPanic)\n")
        try expectRedirectFailure(f, ["redirect", "redirects.txt", "--manifest", "redirects.txt"], ["is not an ELF file"])
    }

    @Test func missingSourcesIsAUsageError() throws {
        let f = try RedirectFixture()
        let before = try contentsOf(f.kernel)
        let r = try kimage(["redirect", f.kernel])
        #expect(r.status == 64 && r.stderr.contains("--go DIR or --manifest FILE"))
        let bad = try kimage(["count", "--go", ".", "--goos", "linus"])
        #expect(bad.status == 64 && bad.stderr.contains("unknown --goos linus"))
        #expect(try contentsOf(f.kernel) == before)
    }
}

@Suite struct CountTests {
    @Test func formatsAndDepfile() throws {
        let dir = try TemporaryDirectory("kimage-count")
        try dir.write("src/go.mod", "module example.com/kern\n")
        try dir.write("src/a.b/a.go", "package ab\n\n//go:redirect-from runtime.throw\nfunc Panic() {}\n")
        try dir.write("src/mm/m.go", "package mm\n\n//go:redirect-from runtime.sysReserve\nfunc (f *Frame) Reserve() {}\n")
        try dir.write("src/mm/m_test.go", "package mm\n\n//go:redirect-from runtime.testonly\nfunc T() {}\n")
        try dir.write("extra.txt", "# asm side\nrt0.a kern.b\n")
        let base = ["count", "--go", "src", "--manifest", "extra.txt"]
        let expected: [(String, String)] = [("plain", "3"), ("nasm", "%define NUM_REDIRECTS 3"), ("gas", ".set NUM_REDIRECTS, 3"),
                                            ("ld", "NUM_REDIRECTS = 3;"), ("c", "#define NUM_REDIRECTS 3")]
        for (format, text) in expected {
            let r = try kimage(base + ["--format", format], cwd: dir.path)
            #expect(r.status == 0 && r.stdout == text + "\n", "\(format): \(r.stdout)\(r.stderr)")
        }
        #expect(try kimage(base, cwd: dir.path).stdout == "3\n")
        let json = try kimage(base + ["--format", "json", "--depfile", "build/rt0.d", "--target", "build/rt0.o"], cwd: dir.path)
        try FileManager.default.createDirectory(atPath: dir.file("build"), withIntermediateDirectories: true)
        let json2 = try kimage(base + ["--format", "json", "--depfile", "build/rt0.d", "--target", "build/rt0.o"], cwd: dir.path)
        #expect(json.status == 1 && json.stderr.contains("build"), "a missing directory is an error: \(json.stderr)")
        #expect(json2.status == 0, "\(json2.stderr)")
        let doc = try JSONSerialization.jsonObject(with: Data(json2.stdout.utf8)) as! [String: Any]
        #expect(doc["count"] as? Int == 3)
        let items = doc["redirects"] as! [[String: Any]]
        #expect(items.map { "\($0["src"]!) \($0["dst"]!) \($0["file"]!):\($0["line"]!)" } == [
            "rt0.a kern.b extra.txt:2",
            "runtime.sysReserve example.com/kern/mm.(*Frame).Reserve src/mm/m.go:3",
            "runtime.throw example.com/kern/a%2eb.Panic src/a.b/a.go:3",
        ])
        let dep = try String(contentsOfFile: dir.file("build/rt0.d"), encoding: .utf8)
        #expect(dep.hasPrefix("build/rt0.o: \\\n  src/a.b/a.go \\\n  src/mm/m.go \\\n  src/go.mod \\\n  extra.txt\n"), "\(dep)")
        #expect(!dep.contains("m_test.go"))
        // make reads it: touching an annotated file makes the target out of date.
        try dir.write("Makefile", "build/rt0.o:\n\t@echo rebuilt > build/rt0.o\n-include build/rt0.d\n")
        #expect(try mustRun("make", ["-s"], cwd: dir.path).status == 0)
        #expect(try mustRun("make", ["-q"], cwd: dir.path).status == 0)
        Thread.sleep(forTimeInterval: 1.1)
        try dir.write("src/mm/m.go", "package mm\n")
        #expect(try run("make", ["-q"], cwd: dir.path).status == 1)
    }

    @Test func countErrorsLeaveNoDepfile() throws {
        let dir = try TemporaryDirectory("kimage-count")
        try dir.write("a.txt", "x y\n")
        try dir.write("b.txt", "x z\n")
        let r = try kimage(["count", "--manifest", "a.txt", "--manifest", "b.txt", "--depfile", "rt0.d", "--target", "rt0.o"], cwd: dir.path)
        #expect(r.status == 1 && r.stderr.contains("x is redirected twice: to y at a.txt:1 and to z at b.txt:1"))
        #expect(try dir.contents() == ["a.txt", "b.txt"])
        let usage = try kimage(["count", "--manifest", "a.txt", "--depfile", "rt0.d"], cwd: dir.path)
        #expect(usage.status == 64)
    }
}
