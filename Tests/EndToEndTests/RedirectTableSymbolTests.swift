import Testing
import Foundation
import KImageKit
import TestSupport

/// `kimage redirect --table-symbol` (a table in a data symbol, as the Go linker leaves it), and
/// `--patch` with no table at all; `count --format go-asm|go`.
@Suite struct RedirectTableSymbolTests {
    /// The usual fixture plus data symbols to serve as tables: `main.redirects` (32 bytes in
    /// .data), one in .bss, a 24-byte one, one in a non-alloc section (outside every segment).
    static func fixture(slots: Int? = nil) throws -> RedirectFixture {
        try RedirectFixture(slots: slots, extra: .tableSymbols)
    }

    /// The 32 bytes at a symbol, as `objdump -s` dumps them.
    static func words(at symbol: String, in fixture: RedirectFixture) throws -> [UInt64] {
        let at = try #require(try fixture.symbols()[symbol])
        let out = try mustRun("objdump", ["-s", "-j", ".data", "--start-address=\(at)", "--stop-address=\(at + 32)", fixture.kernel]).stdout
        var bytes: [UInt8] = []
        for line in out.split(separator: "\n") where line.hasPrefix(" ") {
            let cols = line.split(separator: " ", omittingEmptySubsequences: true)
            for group in cols.dropFirst().prefix(4) where group.count % 2 == 0 && group.allSatisfy(\.isHexDigit) {
                var i = group.startIndex
                while i < group.endIndex {
                    let j = group.index(i, offsetBy: 2)
                    bytes.append(UInt8(group[i..<j], radix: 16)!)
                    i = j
                }
            }
        }
        return stride(from: 0, to: bytes.count, by: 8).map { o in (0..<8).reversed().reduce(UInt64(0)) { ($0 << 8) | UInt64(bytes[o + $1]) } }
    }

    @Test func fillsADataSymbolsBytes() throws {
        let f = try Self.fixture()
        let m = try f.manifest("runtime.throw \(RedirectFixture.goPanic)\nruntime.sysReserve \(RedirectFixture.goReserve)\n")
        let r = try kimage(["redirect", f.kernel, "--manifest", m, "--table-symbol", "main.redirects", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\"tableSymbol\": \"main.redirects\"") && r.stdout.contains("\"section\": null"), "\(r.stdout)")
        let sym = try f.symbols()
        #expect(try Self.words(at: "main.redirects", in: f) == [sym["runtime.sysReserve"]!, sym[RedirectFixture.goReserve]!,
                                                               sym["runtime.throw"]!, sym[RedirectFixture.goPanic]!])
        // The code is untouched: the boot-time installer writes the jumps.
        let dump = try mustRun("objdump", ["-d", "--no-show-raw-insn", f.kernel]).stdout
        #expect(!dump.contains("jmp    *0x0(%rip)"), "\(dump)")
    }

    @Test func patchWithoutAnyTableWritesOnlyTheTrampolinesAndSaysSo() throws {
        let f = try Self.fixture()
        let m = try f.manifest("runtime.throw \(RedirectFixture.goPanic)\n")
        let before = try contentsOf(f.kernel)
        let r = try kimage(["redirect", f.kernel, "--manifest", m, "--patch"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr == "kimage: note: \(f.kernel) has no .goredirectstbl section: wrote the trampolines only, no table\n")
        let after = try contentsOf(f.kernel)
        // Exactly the 14 trampoline bytes changed; main.redirects keeps its 0xee filler.
        #expect(zip(before, after).filter { $0 != $1 }.count <= 14 && before != after)
        #expect(try Self.words(at: "main.redirects", in: f).allSatisfy { $0 == 0xEEEE_EEEE_EEEE_EEEE })
        let dump = try mustRun("objdump", ["-d", "--no-show-raw-insn", f.kernel]).stdout
        #expect(dump.contains("jmp    *0x0(%rip)"), "\(dump)")
    }

    @Test func noTableAndNoPatchIsRefused() throws {
        let f = try Self.fixture()
        _ = try f.manifest("runtime.throw \(RedirectFixture.goPanic)\n")
        try expectRedirectFailure(f, ["redirect", "kernel.elf", "--manifest", "redirects.txt"],
                                  ["kernel.elf has no section .goredirectstbl", "--table-symbol NAME", "--patch alone"])
    }

    @Test func tableSymbolRefusals() throws {
        let f = try Self.fixture()
        _ = try f.manifest("runtime.throw \(RedirectFixture.goPanic)\nruntime.sysReserve \(RedirectFixture.goReserve)\n")
        let base = ["redirect", "kernel.elf", "--manifest", "redirects.txt", "--table-symbol"]
        try expectRedirectFailure(f, base + ["main.redirect"], ["kernel.elf has no symbol main.redirect for the redirect table", "(closest names in the kernel: main.redirects"])
        try expectRedirectFailure(f, base + ["main.inbss"], ["the redirect table main.inbss is", "in .bss", "NOBITS", "DATA"])
        try expectRedirectFailure(f, base + ["main.unloaded"], ["main.unloaded", "not all in the file inside one loadable segment"])
        try expectRedirectFailure(f, base + ["runtime.throw"], ["the redirect table runtime.throw is", "FUNC", "expected a data symbol"])
        try expectRedirectFailure(f, base + ["main.odd"], ["main.odd is 24 bytes, not a whole number of 16-byte entries"])
        // Slot counts as for a section.
        _ = try f.manifest("runtime.throw \(RedirectFixture.goPanic)\n")
        try expectRedirectFailure(f, base + ["main.redirects"], ["main.redirects has room for 2 redirects but 1 were found", "--allow-spare"])
        // Both options name the table: a usage error, nothing written.
        let both = try kimage(["redirect", "kernel.elf", "--manifest", "redirects.txt", "--section", ".x", "--table-symbol", "main.redirects"], cwd: f.dir.path)
        #expect(both.status == 64 && both.stderr.contains("--section and --table-symbol both name the redirect table"), "\(both.stderr)")
    }

    @Test func countPrintsWhatGoCodeNeeds() throws {
        let dir = try TemporaryDirectory("kimage-count")
        let m = try dir.write("r.txt", "a b\nc d\ne f\n")
        let asm = try kimage(["count", "--manifest", m, "--format", "go-asm"])
        #expect(asm.status == 0 && asm.stdout == "#define NUM_REDIRECTS 3\n", "\(asm.stdout)\(asm.stderr)")
        let go = try kimage(["count", "--manifest", m, "--format", "go"])
        #expect(go.status == 0 && go.stdout == "const NumRedirects = 3\n", "\(go.stdout)\(go.stderr)")
    }
}
