import Testing
import Foundation
import KImageKit
import TestSupport

/// Damaged copies of fixture kernels (seeded, so every run sees the same ones) through the built
/// kimage: every run ends with exit status 0 or 1, never a signal; every failure says why on
/// stderr; the damaged input is never changed and nothing but the requested output is left.
@Suite struct MutationTests {
    /// What went wrong with one run, for one readable failure list.
    struct Finding: CustomStringConvertible, Sendable {
        let mutant: String
        let command: String
        let problem: String
        var description: String { "\(mutant): `kimage \(command)`: \(problem)" }
    }

    /// Runs kimage on `inputs` (already written) and checks the invariants; returns findings.
    static func check(_ arguments: [String], input: String, original: [UInt8], dir: String,
                      allowed: Set<String>, inputs: Set<String>, mutant: String) -> [Finding] {
        var findings: [Finding] = []
        let command = arguments.joined(separator: " ").replacingOccurrences(of: dir + "/", with: "")
        func note(_ p: String) { findings.append(Finding(mutant: mutant, command: command, problem: p)) }
        guard let r = try? kimage(arguments, timeout: 60) else {
            note("could not run kimage")
            return findings
        }
        if r.timedOut { note("timed out") }
        if r.status != 0 && r.status != 1 {
            note("exit status \(r.status) (a signal or a usage error), stderr: \(r.stderr.prefix(300))")
        }
        if r.status == 1 && !r.stderr.contains("kimage: error: ") {
            note("failed without a message, stderr: \(r.stderr.prefix(300))")
        }
        if (try? contentsOf(input)) != original { note("the input changed") }
        let left = Set((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
        let unexpected = left.subtracting(allowed)
        if !unexpected.isEmpty { note("left behind \(unexpected.sorted())") }
        // A failed run writes nothing; a successful one only what it was asked to.
        let outputs = allowed.subtracting(inputs)
        if r.status != 0 {
            for name in left.intersection(outputs) { note("failed but wrote \(name)") }
        }
        for name in outputs { try? FileManager.default.removeItem(atPath: dir + "/" + name) }
        return findings
    }

    /// `count` mutants of `original`, each in its own directory, through every command in
    /// `commands` (KERNEL stands for the mutant's path, DIR for its directory).
    static func run(original: [UInt8], count: Int, seed: UInt64, name: String, extraFiles: [String: String] = [:],
                    commands: [[String]], writingCommands: Int = 0, hotOffsets: [Int]) throws -> (findings: [Finding], failures: Int, successes: Int) {
        let mutants = Mutator.mutants(of: original, count: count, seed: seed, hotOffsets: hotOffsets)
        let root = try TemporaryDirectory("kimage-mutation")
        let tally = Tally()
        // Four at a time: each run is a process start; the machine has few cores.
        let batches = 4
        DispatchQueue.concurrentPerform(iterations: batches) { batch in
            for n in stride(from: batch, to: mutants.count, by: batches) {
                let dir = root.file("m\(n)")
                let input = dir + "/" + name
                do {
                    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                    try Data(mutants[n]).write(to: URL(fileURLWithPath: input))
                    for (file, text) in extraFiles { try text.write(toFile: dir + "/" + file, atomically: false, encoding: .utf8) }
                } catch {
                    tally.add([Finding(mutant: "#\(n)", command: "-", problem: "setup: \(error)")])
                    continue
                }
                let allowedBase = Set([name] + extraFiles.keys)
                for (c, command) in commands.enumerated() {
                    // The last `writingCommands` commands run on every fifth mutant only.
                    if c >= commands.count - writingCommands && n % 5 != 0 { continue }
                    let args = command.map { $0.replacingOccurrences(of: "KERNEL", with: input).replacingOccurrences(of: "DIR", with: dir) }
                    let outputs = Set(args.filter { $0.hasPrefix(dir + "/") && $0 != input }.map { String($0.dropFirst(dir.count + 1)) })
                    let f = check(args, input: input, original: mutants[n], dir: dir,
                                  allowed: allowedBase.union(outputs), inputs: allowedBase, mutant: "#\(n) (\(mutants[n].count) bytes)")
                    tally.add(f)
                }
                // Whether the mutant still reads as a kernel (for the test's own sanity check).
                let ok = (try? ELFFile(path: input)) != nil
                tally.count(readable: ok)
            }
        }
        return tally.lock.withLock { (tally.findings, tally.failures, tally.successes) }
    }

    /// Results gathered from the concurrent runs.
    final class Tally: @unchecked Sendable {
        let lock = NSLock()
        var findings: [Finding] = []
        var failures = 0, successes = 0
        func add(_ f: [Finding]) { lock.withLock { findings += f } }
        func count(readable: Bool) { lock.withLock { if readable { successes += 1 } else { failures += 1 } } }
    }

    /// Every mutant goes through the first four; every fifth also through a writing redirect
    /// (a failed write must leave no output and no temporary).
    static let kernelCommands: [[String]] = [
        ["inspect", "KERNEL"],
        ["redirect", "KERNEL", "--manifest", "DIR/redirects.txt", "--dry-run", "--allow-spare"],
        ["pack", "--kernel", "KERNEL", "-o", "DIR/kernel.img"],
        ["pagetables", "--mode", "4level", "--from-elf", "KERNEL", "--format", "summary"],
        ["redirect", "KERNEL", "--manifest", "DIR/redirects.txt", "--patch", "-o", "DIR/redirected.bin"],
    ]

    @Test(arguments: [false, true]) func damagedKernelsNeverCrashKimage(bits32: Bool) throws {
        let dir = try TemporaryDirectory("kimage-mutation-src")
        let kernel = try RobustnessFixture.kernel(in: dir, bits32: bits32)
        let original = try contentsOf(kernel)
        // The undamaged kernel passes: the mutants test damage, not the fixture.
        let redirected = try kimage(["redirect", kernel, "--manifest", try dir.write("redirects.txt", RobustnessFixture.manifest), "--dry-run"])
        #expect(redirected.status == 0, "\(redirected.stderr)")
        let packed = try kimage(["pack", "--kernel", kernel, "-o", dir.file("k.img")])
        #expect(packed.status == 0, "\(packed.stderr)")

        let result = try Self.run(original: original, count: 64, seed: bits32 ? 32 : 64, name: "kernel.elf",
                                  extraFiles: ["redirects.txt": RobustnessFixture.manifest],
                                  commands: Self.kernelCommands, writingCommands: 1, hotOffsets: ELFHeaderTables(path: kernel).hotOffsets)
        #expect(result.findings.isEmpty, "\(result.findings.count) findings:\n\(result.findings.prefix(20).map(\.description).joined(separator: "\n"))")
        // The mutants must reach past the ELF header check, or the test proves little.
        #expect(result.successes >= 10, "only \(result.successes) mutants still read as ELF")
        #expect(result.failures >= 10, "only \(result.failures) mutants were refused")
    }

    /// Images from `pack` and table blobs from `pagetables`, damaged, through `inspect` (text and
    /// JSON), which must decode what it can and warn, or refuse with a message.
    @Test func damagedImagesAndTableBlobsNeverCrashInspect() throws {
        let dir = try TemporaryDirectory("kimage-mutation-src")
        let kernel = try RobustnessFixture.kernel(in: dir)
        let image = dir.file("kernel.img")
        let packed = try kimage(["pack", "--kernel", kernel, "-o", image])
        #expect(packed.status == 0, "\(packed.stderr)")
        let imageBytes = try contentsOf(image)
        let header = Array(stride(from: 0x1F1, to: 0x26C, by: 2)) + [0x1FE, 0x202, 0x206, 0x211, 0x214, 0x248, 0x24C, 0x260]
        let images = try Self.run(original: imageBytes, count: 60, seed: 0x1A6, name: "kernel.img",
                                  commands: [["inspect", "KERNEL"], ["inspect", "KERNEL", "--json"]], hotOffsets: header)
        #expect(images.findings.isEmpty, "\(images.findings.prefix(20).map(\.description).joined(separator: "\n"))")

        let blob = dir.file("tables.bin")
        let built = try kimage(["pagetables", "--mode", "4level", "--identity", "0+8M", "--higher-half", "0xFFFF800000000000+4M",
                                "--recursive", "511", "--page-size", "4K", "--base", "0x100000", "--format", "bin", "-o", blob])
        #expect(built.status == 0, "\(built.stderr)")
        let blobs = try Self.run(original: try contentsOf(blob), count: 40, seed: 0xB10B, name: "tables.bin",
                                 commands: [["inspect", "KERNEL", "--mode", "4level", "--base", "0x100000"],
                                            ["inspect", "KERNEL", "--mode", "4level", "--base", "0x100000", "--json"]],
                                 hotOffsets: [0, 8, 0x1000, 0x1FF8, 0x2000, 0x3000])
        #expect(blobs.findings.isEmpty, "\(blobs.findings.prefix(20).map(\.description).joined(separator: "\n"))")
    }

    @Test func damagedGoSourcesAndManifestsNeverCrashKimage() throws {
        let go = """
            //go:build linux && amd64

            package kernel

            // Panic replaces the runtime's.
            //go:redirect-from runtime.throw
            func Panic(s string) {}

            /* //go:redirect-from runtime.notADirective */
            var s = "//go:redirect-from runtime.inAString"

            //go:redirect-from runtime.sysReserve
            func (f *Frame) Reserve(n uintptr) uintptr { return 0 }

            """
        let goResult = try Self.run(original: Array(go.utf8), count: 60, seed: 7, name: "kernel.go",
                                    extraFiles: ["go.mod": "module example.com/kern\n"],
                                    commands: [["count", "--go", "DIR"]], hotOffsets: [])
        #expect(goResult.findings.isEmpty, "\(goResult.findings.prefix(20).map(\.description).joined(separator: "\n"))")
        let manifest = "# redirects\nruntime.throw kern.Panic\n\truntime.other   kern.Other  # trailing\r\n\n"
        let mResult = try Self.run(original: Array(manifest.utf8), count: 40, seed: 9, name: "redirects.txt",
                                   commands: [["count", "--manifest", "KERNEL"]], hotOffsets: [])
        #expect(mResult.findings.isEmpty, "\(mResult.findings.prefix(20).map(\.description).joined(separator: "\n"))")
    }
}
