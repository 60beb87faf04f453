import Foundation
import Testing
import KImageKit
import TestSupport

/// `kimage pagetables` run as users run it: outputs, refusals, and every source emitter
/// assembled or compiled and compared byte for byte with the bin blob.
@Suite struct PagingCLITests {
    static let gopher = ["--mode", "4level", "--identity", "0+8M", "--higher-half", "0xFFFF_8000_0000_0000+8M",
                         "--page-size", "2M", "--recursive", "511"]

    @Test func binWritesBlobAndPrintsCR3() throws {
        let dir = try TemporaryDirectory()
        let r = try kimage(["pagetables"] + Self.gopher + ["--base", "0x100000", "--format", "bin", "-o", dir.file("t.bin")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.isEmpty, "the status line goes to stderr")
        #expect(r.stderr.contains("CR3 0x100000"))
        let blob = try contentsOf(dir.file("t.bin"))
        #expect(blob.count == 3 * 4096)
        #expect(blob.loadLE(UInt64.self, at: 0) == 0x10_1003)
        #expect(blob.loadLE(UInt64.self, at: 256 * 8) == 0x10_1003)
        #expect(blob.loadLE(UInt64.self, at: 511 * 8) == 0x10_0003)
        #expect(try PageTableWalker.walk(bytes: blob, mode: .fourLevel, base: 0x100000).count == 2)
        #expect(try dir.contents() == ["t.bin"])
    }

    @Test func summaryAndJSON() throws {
        let r = try kimage(["pagetables"] + Self.gopher + ["--base", "0x100000"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("0xffff800000000000-0xffff800000800000   0x000000000000-0x000000800000  2M    rwx"))
        #expect(r.stdout.contains("3 tables, 12288 bytes (12 KiB): 1 PML4, 1 PDPT, 1 PD"))
        let j = try kimage(["pagetables"] + Self.gopher + ["--base", "0x100000", "--format", "json"])
        #expect(j.status == 0)
        let obj = try JSONSerialization.jsonObject(with: Data(j.stdoutBytes)) as? [String: Any]
        #expect(obj?["cr3"] as? String == "0x100000")
        #expect(obj?["tableCount"] as? Int == 3)
        #expect((obj?["mappings"] as? [Any])?.count == 2)
        let m32 = try kimage(["pagetables", "--mode", "32", "--identity", "0+4M:rw"])
        #expect(m32.stdout.contains("mode 32 has no NX bit: ranges mapped without x are still executable"))
    }

    @Test func symbolPrefix() throws {
        let r = try kimage(["pagetables", "--mode", "pae", "--identity", "0+2M", "--format", "nasm", "--symbol-prefix", "early_pt"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("early_pt_0:"))
        #expect(r.stdout.contains("early_pt_cr3 equ early_pt_0 - early_pt_link_offset"))
        #expect(!r.stdout.contains("kimage_pt"))
        let c = try kimage(["pagetables", "--mode", "pae", "--identity", "0+2M", "--format", "c", "--base", "1M", "--symbol-prefix", "early_pt"])
        #expect(c.stdout.contains("#define EARLY_PT_CR3 0x100000ULL"))
        let bad = try kimage(["pagetables", "--mode", "pae", "--identity", "0+2M", "--format", "nasm", "--symbol-prefix", "9x"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("is not an identifier"))
    }

    @Test func identicalMappingsMerge() throws {
        let dir = try TemporaryDirectory()
        let one = try kimage(["pagetables", "--mode", "pae", "--identity", "0+6M:rw", "--base", "1M", "--format", "bin", "-o", dir.file("a")])
        let two = try kimage(["pagetables", "--mode", "pae", "--identity", "0+6M:rw", "--identity", "0+6M:rw",
                              "--map", "0x200000=0x200000+2M:rw", "--base", "1M", "--format", "bin", "-o", dir.file("b")])
        #expect(one.status == 0 && two.status == 0)
        #expect(try contentsOf(dir.file("a")) == contentsOf(dir.file("b")))
    }

    @Test func fromELF() throws {
        let dir = try TemporaryDirectory()
        let obj = try Toolchain.nasm(fixture: "from-elf/higher-half.asm", in: dir, name: "k", format: "elf64")
        let elf = try Toolchain.ld([obj], scriptFixture: "from-elf/higher-half.ld", in: dir, output: "k.elf")
        let r = try kimage(["pagetables", "--mode", "4level", "--from-elf", elf, "--base", "0x200000", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj2 = try JSONSerialization.jsonObject(with: Data(r.stdoutBytes)) as? [String: Any]
        let maps = obj2?["mappings"] as? [[String: Any]] ?? []
        #expect(maps.count == 2)
        #expect(maps.first?["virtual"] as? String == "0xffffffff80100000")
        #expect(maps.first?["physical"] as? String == "0x100000")
        #expect((maps.first?["flags"] as? [String: Any])?["executable"] as? Bool == true)
        #expect((maps.first?["flags"] as? [String: Any])?["writable"] as? Bool == false)
        #expect((maps.last?["flags"] as? [String: Any])?["writable"] as? Bool == true)
        #expect((maps.last?["flags"] as? [String: Any])?["executable"] as? Bool == false)
    }

    /// Two segments sharing a 4 KiB page: the page gets both rights, as pack maps it (this was
    /// refused with "disagrees (flags r-x versus rw-)").
    @Test func fromELFAcceptsSegmentsSharingAPage() throws {
        let dir = try TemporaryDirectory()
        let obj = try Toolchain.nasm(fixture: "from-elf/shared-page.asm", in: dir, name: "k", format: "elf64")
        let elf = try Toolchain.ld([obj], scriptFixture: "from-elf/shared-page.ld", in: dir, output: "k.elf",
                                   extra: ["-z", "max-page-size=4096"])
        let r = try kimage(["pagetables", "--mode", "4level", "--from-elf", elf, "--base", "0x200000", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj2 = try JSONSerialization.jsonObject(with: Data(r.stdoutBytes)) as? [String: Any]
        let maps = obj2?["mappings"] as? [[String: Any]] ?? []
        #expect(maps.count == 2, "\(r.stdout)")
        #expect(maps.first?["virtual"] as? String == "0xffffffff80100000")
        #expect(maps.first?["size"] as? String == "0x1000")
        #expect(maps.last?["virtual"] as? String == "0xffffffff80101000")
        #expect((maps.last?["flags"] as? [String: Any])?["writable"] as? Bool == true)
        #expect((maps.last?["flags"] as? [String: Any])?["executable"] as? Bool == true, "the shared page keeps .text executable")
    }

    /// Every refusal: exit 64 or 1, the message, the existing output untouched, no temporary left.
    @Test(arguments: [
        (["--mode", "4level", "--identity", "0+8M", "--map", "0x200000=0x1000000+4K"], "disagrees (one maps it to physical 0x200000, the other to 0x1000000)"),
        (["--mode", "4level", "--identity", "0+8M", "--identity", "0x1000+4K:rw"], "disagrees (flags rwx versus rw-)"),
        (["--mode", "4level", "--map", "0x0000800000000000=0+4K"], "non-canonical address 0x800000000000"),
        (["--mode", "4level", "--map", "0x00007FFFFFFFF000=0+8K"], "non-canonical address 0x800000000000"),
        (["--mode", "5level", "--map", "0x0100000000000000=0+4K"], "bits 63:56 must all equal bit 56"),
        (["--mode", "32", "--map", "0x1000=0xFFFFF000+8K"], "beyond the 32-bit physical reach of mode 32; use pae"),
        (["--mode", "4level", "--map", "0x1000=0x10000000000000+4K"], "beyond the 52-bit physical reach"),
        (["--mode", "pae", "--identity", "0xFFFFF000+8K"], "beyond 4 GiB of virtual address space"),
        (["--mode", "4level", "--identity", "0x1800+4K"], "virtual start 0x1800 is not a multiple of 4 KiB"),
        (["--mode", "4level", "--map", "0x1000=0x1800+4K"], "physical start 0x1800 is not a multiple of 4 KiB"),
        (["--mode", "4level", "--identity", "0x1000+100"], "size 0x64 is not a multiple of 4 KiB"),
        (["--mode", "4level", "--identity", "0x1000+0"], "has size 0"),
        (["--mode", "4level", "--map", "0xFFFFFFFFFFFFF000=0+8K"], "runs past the end of the 64-bit address space"),
        (["--mode", "4level", "--recursive", "511", "--map", "0xFFFFFFFF80000000=0+2M"], "overlaps the recursive slot PML4[511], whose window 0xffffff8000000000-0x10000000000000000 shows"),
        // A range that ends at 2^64 is named with its true end, not the 0 its end wraps to.
        (["--mode", "4level", "--map", "0xFFFFFFFFFFE00000=0+2M", "--map", "0xFFFFFFFFFFF00000=0+1M"], "mapping virt 0xfffffffffff00000-0x10000000000000000 -> phys 0x00000000-0x00100000 rwx overlaps virt 0xffffffffffe00000-0x10000000000000000"),
        (["--mode", "4level", "--recursive", "512", "--identity", "0+4K"], "recursive slot 512 does not exist in mode 4level"),
        (["--mode", "pae", "--recursive", "3", "--identity", "0+4K"], "mode pae has no recursive slot"),
        (["--mode", "pae", "--page-size", "1G", "--identity", "0+4K"], "mode pae has no 1G pages"),
        (["--mode", "4level", "--page-size", "4M", "--identity", "0+4K"], "mode 4level has no 4M pages"),
        (["--mode", "4level", "--page-size", "3M", "--identity", "0+4K"], "The value '3M' is invalid for '--page-size <SIZE>'. Please provide one of '4K', '2M', '4M' or '1G'."),
        (["--mode", "3level", "--identity", "0+4K"], "The value '3level' is invalid for '--mode <mode>'. Please provide one of '32', 'pae', '4level' or '5level'."),
        (["--mode", "4level", "--identity", "0+4Q"], "`4Q` is not a number"),
        (["--mode", "4level", "--identity", "1000_0000+4K"], "`1000_0000` is ambiguous"),
        (["--mode", "4level", "--identity", "0+4K:rwz"], "flags `rwz` are invalid"),
        (["--mode", "4level", "--map", "0+4K"], "--map `0+4K` is malformed; expected VIRT=PHYS+SIZE[:FLAGS]"),
        (["--mode", "4level", "--identity", "0+4K", "--base", "0x1800"], "base 0x1800 is not 4 KiB-aligned"),
        (["--mode", "pae", "--identity", "0+4K", "--base", "0x100000000"], "CR3 must hold the PDPT below 4 GiB"),
        (["--mode", "32", "--identity", "0+4K", "--base", "0xFFFFF000"], "end at 0x100001000, beyond 0x100000000"),
    ] as [([String], String)])
    func refusals(arguments: [String], message: String) throws {
        let dir = try TemporaryDirectory()
        let out = try dir.write("out.bin", "previous contents")
        var args = ["pagetables"] + arguments
        if !arguments.contains("--base") { args += ["--base", "0x100000"] }
        let r = try kimage(args + ["--format", "bin", "-o", out])
        // What one option's value alone rules out is a usage error; the rest fails the work.
        let usage = ["does not exist in mode", "has no recursive slot", "has no 1G pages", "has no 4M pages", "is invalid for",
                     "is not a number", "is ambiguous", "are invalid", "is malformed"].contains { message.contains($0) }
        #expect(r.status == (usage ? 64 : 1), "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.hasPrefix("kimage: error: "))
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "previous contents")
        #expect(try dir.contents() == ["out.bin"])
    }

    @Test func misalignedELFSegmentIsRefused() throws {
        let dir = try TemporaryDirectory()
        let obj = try Toolchain.nasm(fixture: "minimal/hlt.asm", in: dir, name: "k", format: "elf64")
        let elf = try Toolchain.ld([obj], scriptFixture: "from-elf/misaligned.ld", in: dir, output: "k.elf")
        let before = try contentsOf(elf)
        let r = try kimage(["pagetables", "--mode", "4level", "--from-elf", elf, "--base", "1M", "--format", "bin", "-o", dir.file("t.bin")])
        #expect(r.status == 1)
        #expect(r.stderr.contains("p_vaddr 0x400000 and p_paddr 0x100800 at different offsets within a 4 KiB page"), "\(r.stderr)")
        #expect(try contentsOf(elf) == before)
        #expect(!FileManager.default.fileExists(atPath: dir.file("t.bin")))
        #expect(try dir.contents().filter { $0.contains("kimage-tmp") }.isEmpty)
    }

    @Test func elfWithoutLoadSegmentsIsRefused() throws {
        let dir = try TemporaryDirectory()
        let obj = try Toolchain.nasm(fixture: "minimal/hlt.asm", in: dir, name: "k", format: "elf64")
        let before = try contentsOf(obj)
        let r = try kimage(["pagetables", "--mode", "4level", "--from-elf", obj, "--base", "1M", "--format", "bin", "-o", dir.file("t.bin")])
        #expect(r.status == 1)
        #expect(r.stderr.contains("has no PT_LOAD segment with memory size; expected a linked kernel"), "\(r.stderr)")
        #expect(try contentsOf(obj) == before)
        #expect(try dir.contents() == ["k.o"])
    }

    @Test func usageErrors() throws {
        let dir = try TemporaryDirectory()
        let noOutput = try kimage(["pagetables", "--mode", "4level", "--identity", "0+4K", "--base", "0", "--format", "bin"])
        #expect(noOutput.status == 64)
        #expect(noOutput.stderr.contains("--format bin writes binary: give -o FILE"))
        let noBase = try kimage(["pagetables", "--mode", "4level", "--identity", "0+4K", "--format", "c", "-o", dir.file("t.c")])
        #expect(noBase.status == 64)
        #expect(noBase.stderr.contains("give --base PHYS"))
        let nothing = try kimage(["pagetables", "--mode", "4level"])
        #expect(nothing.status == 64)
        #expect(try dir.contents().isEmpty)
    }
}
