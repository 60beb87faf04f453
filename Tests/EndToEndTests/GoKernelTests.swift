import Foundation
import Testing
import TestSupport

/// examples/gokernel, a real Go kernel built with the installed Go toolchain (a missing `go`
/// fails these tests, never skips them), redirected and packed by kimage, booted under QEMU.
@Suite(.serialized) struct GoKernelTests {
    /// A copy of examples/gokernel (without build products) in a scratch directory.
    static func copyOfExample() throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory("kimage-gokernel")
        let source = Paths.packageRoot + "/examples/gokernel"
        for name in try FileManager.default.subpathsOfDirectory(atPath: source) {
            if name == "build" || name.hasPrefix("build/") || name == "kimage_redirects.h" { continue }
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: source + "/" + name, isDirectory: &isDir)
            if isDir.boolValue {
                try FileManager.default.createDirectory(atPath: dir.file(name), withIntermediateDirectories: true)
            } else {
                try FileManager.default.copyItem(atPath: source + "/" + name, toPath: dir.file(name))
            }
        }
        return dir
    }

    /// `go tool nm` (the referee for Go's names): name -> address, text and data symbols.
    static func goNM(_ elf: String) throws -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        for line in try mustRun("go", ["tool", "nm", elf]).stdout.split(separator: "\n") {
            let cols = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            guard cols.count == 3, let v = UInt64(cols[0], radix: 16) else { continue }
            out[String(cols[2])] = v
        }
        return out
    }

    /// The `SRC 0x... -> DST 0x...` lines kimage redirect printed, each checked against go tool nm.
    static func expectNamesMatchGoNM(_ output: String, _ elf: String, expected: Int) throws {
        let nm = try goNM(elf)
        let lines = output.split(separator: "\n").filter { $0.contains(" -> ") && $0.contains(" 0x") }
        #expect(lines.count == expected, "\(output)")
        for line in lines {
            let w = line.split(separator: " ")
            #expect(w.count == 5, "\(line)")
            guard w.count == 5 else { continue }
            #expect(nm[String(w[0])] == UInt64(w[1].dropFirst(2), radix: 16), "\(w[0]) in go tool nm: \(nm[String(w[0])].map { String($0, radix: 16) } ?? "missing")")
            #expect(nm[String(w[3])] == UInt64(w[4].dropFirst(2), radix: 16), "\(w[3]) in go tool nm: \(nm[String(w[3])].map { String($0, radix: 16) } ?? "missing")")
        }
    }

    static func expectPassed(_ boot: QEMU.Boot) {
        #expect(boot.debugExit == 0x10, "\(boot.serial)\(boot.result.stderr)")
        #expect(boot.serial.contains("ok runtime.nanotime -> boot.Nanotime (installed at boot from main.redirects)"), "\(boot.serial)")
        #expect(boot.serial.contains("ok runtime.fastrand -> patched.Fastrand (written by kimage redirect --patch)"), "\(boot.serial)")
        #expect(boot.serial.contains("ok boot info magic KIMG") && boot.serial.contains("PASS") && !boot.serial.contains("FAIL"), "\(boot.serial)")
    }

    @Test func goLinkedKernelBootsWithBothRedirects() throws {
        let dir = try Self.copyOfExample()
        let make = try mustRun("make", ["KIMAGE=\(Paths.kimage)", "build/kernel.img"], cwd: dir.path, timeout: 600)
        let elf = dir.file("build/kernel.elf")
        try Self.expectNamesMatchGoNM(make.stdout, elf, expected: 2)
        #expect(make.stdout.contains("runtime.nanotime 0x") && make.stdout.contains("-> example.org/gokernel/boot.Nanotime 0x"), "\(make.stdout)")
        // The build-time jump is in the file, the boot-time one only in the table.
        let nm = try Self.goNM(elf)
        let dump = try mustRun("objdump", ["-d", "--no-show-raw-insn", "--start-address=\(nm["runtime.fastrand"]!)",
                                           "--stop-address=\(nm["runtime.fastrand"]! + 6)", elf]).stdout
        #expect(dump.contains("jmp    *0x0(%rip)"), "\(dump)")
        let table = try mustRun("objdump", ["-s", "--start-address=\(nm["main.redirects"]!)", "--stop-address=\(nm["main.redirects"]! + 16)", elf]).stdout
        let le = { (v: UInt64) in (0..<8).map { String(format: "%02x", UInt8(truncatingIfNeeded: v >> (8 * UInt64($0)))) }.joined() }
        #expect(table.replacingOccurrences(of: " ", with: "").contains(le(nm["runtime.nanotime"]!) + le(nm["example.org/gokernel/boot.Nanotime"]!)), "\(table)")
        let boot = try QEMU.boot(kernel: dir.file("build/kernel.img"), append: "console=ttyS0 go-internal", timeout: 30)
        Self.expectPassed(boot)
        #expect(boot.serial.contains("command line: console=ttyS0 go-internal"), "\(boot.serial)")
    }
}
