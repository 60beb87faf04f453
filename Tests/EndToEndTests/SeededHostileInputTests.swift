import Foundation
import Testing
import KImageKit
import TestSupport

/// Every command over seeded hostile inputs (HostileInputs), each run under `ulimit -v` and
/// `timeout`: no signal, a `kimage: error:` message on every failure, every run under its caps,
/// inputs unchanged, and nothing touched outside the work directory (a sentinel directory is
/// snapshotted). KIMAGE_HOSTILE_SEED=N replays or explores another seed; a failure names its seed.
@Suite struct SeededHostileInputTests {
    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["KIMAGE_HOSTILE_SEED"].flatMap { UInt64($0) } ?? 12
    }

    /// `in/` holds the inputs and is the working directory, `out/` takes outputs, `sentinel`
    /// lies outside and must never change.
    final class Arena {
        let root: TemporaryDirectory
        let sentinel: TemporaryDirectory
        /// Every status seen: a suite whose runs all fail (or all succeed) tests less than it says.
        var statuses = Set<Int32>()
        var input: String { root.file("in") }
        var output: String { root.file("out") }

        init() throws {
            root = try TemporaryDirectory("kimage-seeded")
            sentinel = try TemporaryDirectory("kimage-sentinel")
            try FileManager.default.createDirectory(atPath: root.file("in"), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: root.file("out"), withIntermediateDirectories: true)
            _ = try sentinel.write("keep", "a file no run may touch\n")
            // A link from the inputs to the sentinel: a run that writes through it fails the test.
            try FileManager.default.createSymbolicLink(atPath: root.file("in/elsewhere"), withDestinationPath: sentinel.path)
        }

        /// The inputs reached both the success and the failure paths.
        func expectBothOutcomes(_ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(statuses.contains(0) && statuses.contains(1), "\(what): only statuses \(statuses.sorted())", sourceLocation: sourceLocation)
        }

        func write(_ name: String, _ bytes: [UInt8]) throws {
            try Data(bytes).write(to: URL(fileURLWithPath: input + "/" + name))
        }

        /// Runs each command in `in/`; `what` and the seed name a failure.
        func check(_ commands: [[String]], what: String, seed: UInt64, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let inputs = TreeSnapshot(input), outside = TreeSnapshot(sentinel.path)
            for c in commands {
                let r = try kimageCapped(c, cwd: input, memoryMiB: 1024, seconds: 20)
                statuses.insert(r.result.status)
                let tag = "seed \(seed) (KIMAGE_HOSTILE_SEED=\(seed) to replay), \(what): \(r.summary)"
                #expect(!r.hitTimeCap, "over the time cap: \(tag)", sourceLocation: sourceLocation)
                #expect(r.endedNormally, "killed by a signal: \(tag)", sourceLocation: sourceLocation)
                #expect(r.failureIsExplained, "a failure without a message: \(tag)", sourceLocation: sourceLocation)
                let now = TreeSnapshot(input)
                #expect(now == inputs, "an input changed: \(tag)\n\(inputs)\n---\n\(now)", sourceLocation: sourceLocation)
                let left = (try? FileManager.default.contentsOfDirectory(atPath: output)) ?? []
                #expect(!left.contains { $0.contains(OutputFile.temporaryMarker) }, "a temporary was left: \(tag): \(left)", sourceLocation: sourceLocation)
            }
            #expect(TreeSnapshot(sentinel.path) == outside, "outside the work directory changed: seed \(seed), \(what)", sourceLocation: sourceLocation)
        }
    }

    static let manifest = Array("runtime.throw kern.Panic\n".utf8)

    @Test func hostileKernels() throws {
        var g = HostileInputs(seed: Self.seed)
        let a = try Arena()
        try a.write("m.txt", Self.manifest)
        for n in 0..<10 {
            try a.write("k.elf", g.elf())
            try a.check([
                ["inspect", "k.elf"], ["inspect", "k.elf", "--json"],
                ["pack", "--kernel", "k.elf", "-o", "../out/k.img"],
                ["redirect", "k.elf", "--manifest", "m.txt", "--dry-run", "--allow-spare"],
                ["redirect", "k.elf", "--manifest", "m.txt", "--allow-spare", "-o", "../out/r.elf"],
                ["redirect", "k.elf", "--manifest", "m.txt", "--patch", "-o", "../out/p.elf"],
                ["pagetables", "--mode", "4level", "--kernel", "k.elf", "--format", "summary"],
                ["pagetables", "--mode", "5level", "--kernel", "k.elf", "--format", "bin", "--base", "0x100000", "-o", "../out/t.bin"],
            ], what: "kernel \(n)", seed: Self.seed)
            // Whatever pack and redirect wrote is input to inspect in turn.
            for made in ["k.img", "r.elf", "p.elf"] where FileManager.default.fileExists(atPath: a.output + "/" + made) {
                try a.check([["inspect", "../out/" + made]], what: "kernel \(n)'s \(made)", seed: Self.seed)
            }
        }
        a.expectBothOutcomes("kernels")
    }

    @Test func hostileImages() throws {
        let a = try Arena()
        let kernel = HostileELF.elf64([.init(virtualAddress: 0x20_0000, physicalAddress: 0x20_0000, fileSize: 0x100)], entry: 0x20_0000)
        try a.write("k.elf", kernel)
        let made = try kimage(["pack", "--kernel", "k.elf", "-o", "../out/good.img"], cwd: a.input)
        guard made.status == 0 else { throw TestSetupError("pack of the base image failed: \(made.stderr)") }
        let image = try contentsOf(a.output + "/good.img")
        // The setup header, the PE header's offset and the start of the protected-mode part.
        let hot = Array(stride(from: 0x1F1, to: 0x270, by: 1)) + [0x3C, 0x40, 0x80, 0x84, 0x88]
        for (n, m) in Mutator.mutants(of: image, count: 12, seed: Self.seed, hotOffsets: hot).enumerated() {
            try a.write("i.img", m)
            try a.check([["inspect", "i.img"], ["inspect", "i.img", "--json"]], what: "image \(n)", seed: Self.seed)
        }
        a.expectBothOutcomes("images")
    }

    @Test func hostileTableBlobs() throws {
        var g = HostileInputs(seed: Self.seed &+ 1)
        let a = try Arena()
        for n in 0..<8 {
            try a.write("t.bin", g.tableBlob())
            try a.check([
                ["inspect", "t.bin", "--mode", "4level", "--base", "0"],
                ["inspect", "t.bin", "--mode", "5level", "--base", "0", "--json"],
                ["inspect", "t.bin", "--mode", "pae", "--base", "0x1000"],
                ["inspect", "t.bin", "--mode", "32", "--base", "0"],
            ], what: "table blob \(n)", seed: Self.seed)
        }
        a.expectBothOutcomes("table blobs")
    }

    @Test func hostileRedirectSources() throws {
        var g = HostileInputs(seed: Self.seed &+ 2)
        let a = try Arena()
        try a.write("k.elf", HostileELF.elf64([.init(virtualAddress: 0x20_0000, physicalAddress: 0x20_0000, fileSize: 0x100)], entry: 0x20_0000))
        for n in 0..<6 {
            try a.write("m.txt", g.manifest())
            let tree = a.input + "/go\(n)"
            try g.goTree(in: tree)
            try a.check([
                ["count", "--manifest", "m.txt"], ["count", "--manifest", "m.txt", "--format", "ld"],
                ["count", "--go", "go\(n)"], ["count", "--go", "go\(n)", "--manifest", "m.txt", "--depfile", "../out/d", "--target", "rt0.o"],
                ["redirect", "k.elf", "--go", "go\(n)", "--dry-run"],
            ], what: "manifest and Go tree \(n)", seed: Self.seed)
        }
        a.expectBothOutcomes("redirect sources")
    }

    @Test func hostileConfigurations() throws {
        var g = HostileInputs(seed: Self.seed &+ 3)
        let a = try Arena()
        try a.write("m.txt", Self.manifest)
        try a.write("k.elf", HostileELF.elf64([.init(virtualAddress: 0x20_0000, physicalAddress: 0x20_0000, fileSize: 0x100)], entry: 0x20_0000))
        for n in 0..<8 {
            try a.write("kimage.toml", Array(g.config().utf8))
            try a.check([
                ["count", "--manifest", "m.txt"],
                ["pagetables", "--mode", "4level", "--identity", "0+2M", "--format", "summary"],
                ["pack", "--kernel", "k.elf", "-o", "../out/k.img"],
            ], what: "kimage.toml \(n)", seed: Self.seed)
        }
        a.expectBothOutcomes("configurations")
    }
}
