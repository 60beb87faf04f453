import Foundation
import Testing
import KImageKit
import TestSupport

/// Emitted tables on an emulated CPU: a multiboot ELF32 kernel (QEMU -kernel loads it directly)
/// includes the tables, enables paging in the mode under test (long mode for 4level/5level),
/// reads and writes through a higher-half alias of a data page, then writes to a read-only
/// alias with CR0.WP=1: its #PF handler reports the error code and CR2 on COM1 and exits
/// through isa-debug-exit with 0x21. Any other ending (no fault: 0x13, a failed check: 0x31,
/// a triple fault: no exit value) fails the test.
@Suite struct PagingBootTests {
    struct Case: Sendable, CustomStringConvertible {
        let mode: String
        let format: String
        let high: UInt64
        let readOnly: UInt64
        /// A recursive top-level slot (nil in PAE, which has none).
        let slot: Int?
        var description: String { "\(mode) via \(format)" }
    }

    static let cases: [Case] = [
        Case(mode: "32", format: "bin", high: 0xC000_0000, readOnly: 0xC010_0000, slot: 1023),
        Case(mode: "pae", format: "bin", high: 0xC000_0000, readOnly: 0xC010_0000, slot: nil),
        Case(mode: "pae", format: "nasm", high: 0xC000_0000, readOnly: 0xC010_0000, slot: nil),
        Case(mode: "4level", format: "bin", high: 0xFFFF_8000_0030_0000, readOnly: 0xFFFF_8000_0040_0000, slot: 511),
        Case(mode: "4level", format: "nasm", high: 0xFFFF_FFFF_8000_0000, readOnly: 0xFFFF_FFFF_8010_0000, slot: 510),
        Case(mode: "5level", format: "bin", high: 0xFF00_0000_0030_0000, readOnly: 0xFFFF_8000_0040_0000, slot: 510),
    ]

    static let modeNumber = ["32": 1, "pae": 2, "4level": 3, "5level": 4]

    @Test(arguments: cases)
    func bootsAndFaults(c: Case) throws {
        let dir = try TemporaryDirectory()
        var mapArgs = ["--mode", c.mode, "--identity", "0+4M",
                       "--map", "\(hex(c.high))=0x300000+8K:rw", "--map", "\(hex(c.readOnly))=0x300000+4K:r",
                       "--base", "0x200000"]
        var defines: [String] = []
        if let slot = c.slot {
            // The top table seen through its own slot: slot at every level of the address.
            let mode = try PagingMode(parsing: c.mode)
            var va: UInt64 = 0
            for d in 0..<mode.levels { va |= UInt64(slot) << UInt64(mode.shift(atDepth: d)) }
            mapArgs += ["--recursive", String(slot)]
            defines += ["SELF=\(hex(mode.canonicalize(va)))", "SLOT=\(slot)"]
        }
        let tablesFile = dir.file(c.format == "bin" ? "tables.bin" : "tables.inc")
        let r = try kimage(["pagetables"] + mapArgs + ["--format", c.format, "-o", tablesFile])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try Toolchain.nasm(fixture: "paging/kernel.asm", in: dir, name: "kernel", format: "elf32",
                                     defines: ["MODE=\(Self.modeNumber[c.mode]!)", "HIGH=\(hex(c.high))", "HIGH_RO=\(hex(c.readOnly))",
                                               "TABLES=\"\(tablesFile)\""]
                                     + (c.format == "nasm" ? ["NASM_TABLES"] : []) + defines)
        let kernel = try Toolchain.ld([obj], scriptFixture: "paging/kernel.ld", in: dir, output: "kernel.elf", emulation: "elf_i386")
        let extra = c.mode == "5level" ? ["-cpu", "qemu64,+la57"] : []
        let boot = try QEMU.boot(kernel: kernel, extra: extra, timeout: 30)
        let digits = c.mode == "32" || c.mode == "pae" ? 8 : 16
        let cr2 = String(c.readOnly, radix: 16, uppercase: true)
        let cr2Padded = String(repeating: "0", count: digits - cr2.count) + cr2
        let serial = String(boot.serial.prefix(400))
        #expect(boot.serial.contains("paging on\n"), "\(serial)")
        #expect(boot.serial.contains("high read ok\n"), "\(serial)")
        #expect(boot.serial.contains("high write ok\n"), "\(serial)")
        if c.slot != nil {
            #expect(boot.serial.contains("recursive ok\n"), "\(serial)")
        }
        // Error code 3: P (a present page) | W (a write), supervisor.
        #expect(boot.serial.contains("#PF err=00000003 cr2=\(cr2Padded)\n"), "\(serial)")
        #expect(!boot.serial.contains("no fault"))
        #expect(boot.debugExit == 0x21, "exit \(String(describing: boot.debugExit)), serial: \(serial)")
    }
}
