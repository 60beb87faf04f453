import Testing
import Foundation
import KImageKit
import TestSupport

/// The file system fails under kimage: a read-only directory, a full disk, a directory where the
/// output should go, an input rewritten while kimage reads it, kimage killed mid-write. In every
/// case the original is byte for byte intact and no temporary is left (a killed run's is removed
/// by the next run). Tests run as root, which ignores permissions, so the read-only directory and
/// the full disk are real mounts inside a private mount namespace (`unshare -m`); where
/// namespaces are not allowed, an unprivileged user (setpriv) and a file size limit stand in.
@Suite(.serialized) struct FaultTests {
    /// Whether this machine lets the tests make private mounts.
    /// KIMAGE_TEST_NO_NAMESPACES=1 forces the fallbacks (to test them where namespaces work).
    static let namespaces: Bool = {
        if ProcessInfo.processInfo.environment["KIMAGE_TEST_NO_NAMESPACES"] == "1" { return false }
        return (try? run("unshare", ["-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt && umount /mnt"]))?.status == 0
    }()

    /// Runs `script` under sh in a private mount namespace (mounts vanish when it ends).
    func inNamespace(_ script: String) throws -> CommandResult {
        try run("unshare", ["-m", "sh", "-c", script], timeout: 120)
    }

    func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    func kernelDir(bits32: Bool = false, padding: Int = 0) throws -> (TemporaryDirectory, String, String) {
        let dir = try TemporaryDirectory("kimage-fault")
        let kernel = try RobustnessFixture.kernel(in: dir, bits32: bits32, padding: padding)
        let manifest = try dir.write("redirects.txt", RobustnessFixture.manifest)
        return (dir, kernel, manifest)
    }

    // MARK: Read-only directory

    @Test func aReadOnlyDirectoryLeavesTheKernelAsItWas() throws {
        let (dir, kernel, manifest) = try kernelDir()
        let before = try contentsOf(kernel)
        let listing = try dir.contents()
        let bin = quote(Paths.kimage)
        let redirect = "\(bin) redirect \(quote(kernel)) --manifest \(quote(manifest)) --patch"
        let pack = "\(bin) pack --kernel \(quote(kernel)) -o \(quote(dir.file("kernel.img")))"
        var results: [CommandResult] = []
        if Self.namespaces {
            let mount = "mount --bind \(quote(dir.path)) \(quote(dir.path)) && mount -o remount,bind,ro \(quote(dir.path))"
            results.append(try inNamespace("\(mount) && exec \(redirect)"))
            results.append(try inNamespace("\(mount) && exec \(pack)"))
        } else {
            // Root ignores modes: run kimage as nobody in a directory nobody may not write.
            #expect(chmod(dir.path, 0o555) == 0)
            defer { chmod(dir.path, 0o755) }
            let asNobody = ["--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-c"]
            results.append(try run("setpriv", asNobody + ["exec \(redirect)"]))
            results.append(try run("setpriv", asNobody + ["exec \(pack)"]))
        }
        for r in results {
            #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
            #expect(r.stderr.contains("kimage: error: cannot create a temporary file in \(dir.path): "), "\(r.stderr)")
            #expect(r.stderr.contains(Self.namespaces ? "Read-only file system" : "Permission denied"), "\(r.stderr)")
        }
        #expect(try contentsOf(kernel) == before)
        #expect(try dir.contents() == listing)
    }

    // MARK: Disk full

    @Test func aFullDiskLeavesTheKernelAndTheImageAsTheyWere() throws {
        let (dir, kernel, manifest) = try kernelDir()
        let bin = quote(Paths.kimage)
        // An image from before, which the failed pack must not touch.
        #expect(try kimage(["pack", "--kernel", kernel, "-o", dir.file("kernel.img")]).status == 0)
        let image = try contentsOf(dir.file("kernel.img"))
        let before = try contentsOf(kernel)
        let listing = try dir.contents()
        let redirect = "\(bin) redirect \(quote(kernel)) --manifest \(quote(manifest)) --patch"
        let pack = "\(bin) pack --kernel \(quote(kernel)) -o \(quote(dir.file("kernel.img")))"
        let expectedError: String
        var results: [CommandResult] = []
        if Self.namespaces {
            // A tmpfs over the directory, holding copies, filled up; the checks run inside.
            let d = quote(dir.path)
            let staging = try TemporaryDirectory("kimage-fault-staging")
            for name in listing { try FileManager.default.copyItem(atPath: dir.file(name), toPath: staging.file(name)) }
            let setup = "mount -t tmpfs -o size=1m tmpfs \(d) && cp -p \(quote(staging.path))/* \(d)/ && "
                + "(dd if=/dev/zero of=\(d)/fill bs=4096 2>/dev/null; true) && "
            let report = "; echo \"status=$?\"; cmp \(quote(staging.file("kernel.elf"))) \(d)/kernel.elf && cmp \(quote(staging.file("kernel.img"))) \(d)/kernel.img && echo intact; ls -A \(d)"
            for command in [redirect, pack] {
                let r = try inNamespace(setup + command + report)
                #expect(r.stdout.contains("status=1"), "\(r.stdout)\(r.stderr)")
                #expect(r.stdout.contains("intact"), "\(r.stdout)\(r.stderr)")
                let left = r.stdout.split(separator: "\n").drop { !$0.hasPrefix("intact") }.dropFirst().map(String.init).sorted()
                #expect(left == (listing + ["fill"]).sorted(), "\(r.stdout)")
                results.append(r)
            }
            expectedError = "No space left on device"
        } else {
            // No namespaces: a file size limit makes the same write fail (EFBIG).
            let limit = "trap '' XFSZ; ulimit -f 4; exec "
            results.append(try run("bash", ["-c", limit + redirect]))
            results.append(try run("bash", ["-c", limit + pack]))
            expectedError = "File too large"
            #expect(try dir.contents() == listing)
        }
        for r in results {
            #expect(r.stderr.contains("kimage: error: cannot write ") && r.stderr.contains(expectedError), "\(r.stderr)")
            #expect(r.stderr.contains("nothing was changed"), "\(r.stderr)")
        }
        #expect(try contentsOf(kernel) == before)
        #expect(try contentsOf(dir.file("kernel.img")) == image)
    }

    // MARK: Output is a directory

    @Test func anOutputThatIsADirectoryIsRefused() throws {
        let (dir, kernel, manifest) = try kernelDir()
        try FileManager.default.createDirectory(atPath: dir.file("out"), withIntermediateDirectories: true)
        let before = try contentsOf(kernel)
        let listing = try dir.contents()
        let runs = [
            ["pack", "--kernel", kernel, "-o", dir.file("out")],
            ["redirect", kernel, "--manifest", manifest, "-o", dir.file("out")],
            ["pagetables", "--mode", "4level", "--identity", "0+2M", "--base", "0x100000", "--format", "bin", "-o", dir.file("out")],
            ["pack", "--kernel", kernel, "-o", dir.file("out") + "/"],
        ]
        for args in runs {
            let r = try kimage(args)
            #expect(r.status == 1, "\(args): \(r.stdout)\(r.stderr)")
            #expect(r.stderr.contains("kimage: error: \(dir.file("out"))") && r.stderr.contains("is a directory; expected a file"), "\(args): \(r.stderr)")
        }
        #expect(try contentsOf(kernel) == before)
        #expect(try dir.contents() == listing)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.file("out")).isEmpty)
    }

    // MARK: Input changing while kimage reads it

    /// Another process truncates and rewrites the kernel while kimage reads it: each run either
    /// succeeds or fails with a message, never a signal, never a temporary.
    @Test func anInputRewrittenDuringTheReadIsAnErrorOrAGoodRead() throws {
        let (dir, kernel, manifest) = try kernelDir(padding: 24 << 20)
        let full = try contentsOf(kernel)
        let stop = ManagedAtomicFlag()
        let writer = Thread {
            // Truncate to a third, then restore, as a build writing the file would.
            while !stop.isSet {
                let fd = open(kernel, O_WRONLY)
                if fd >= 0 {
                    ftruncate(fd, off_t(full.count / 3))
                    usleep(2_000)
                    full.withUnsafeBytes { _ = pwrite(fd, $0.baseAddress!, full.count, 0) }
                    close(fd)
                }
                usleep(3_000)
            }
            stop.finish()
        }
        writer.start()
        var statuses: [Int32: Int] = [:]
        for i in 0..<12 {
            let args = i % 2 == 0
                ? ["redirect", kernel, "--manifest", manifest, "--dry-run"]
                : ["pack", "--kernel", kernel, "-o", dir.file("kernel.img")]
            let r = try kimage(args, timeout: 120)
            statuses[r.status, default: 0] += 1
            #expect(!r.timedOut)
            #expect(r.status == 0 || r.status == 1, "\(args): status \(r.status): \(r.stderr)")
            if r.status == 1 { #expect(r.stderr.contains("kimage: error: "), "\(r.stderr)") }
            #expect(try dir.contents().allSatisfy { !$0.contains(OutputFile.temporaryMarker) })
        }
        stop.set()
        stop.waitFinished()
        #expect(try contentsOf(kernel) == full)
        #expect(statuses.keys.allSatisfy { $0 == 0 || $0 == 1 })
    }

    // MARK: Killed mid-write

    /// Starts `args`, kills it with SIGKILL as soon as its temporary appears in `dir`; returns
    /// the temporary's name, or nil when the run finished before it could be caught.
    func killMidWrite(_ args: [String], in dir: TemporaryDirectory) throws -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Paths.kimage)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        var caught: String?
        while p.isRunning && caught == nil {
            if let t = try dir.contents().first(where: { $0.contains(OutputFile.temporaryMarker) }) {
                kill(p.processIdentifier, SIGKILL)
                caught = t
            } else {
                usleep(500)
            }
        }
        p.waitUntilExit()
        guard let caught, p.terminationReason == .uncaughtSignal, p.terminationStatus == SIGKILL else { return nil }
        #expect(caught.hasSuffix(OutputFile.temporaryMarker + String(p.processIdentifier)))
        return caught
    }

    @Test func aRedirectKilledMidWriteLeavesTheKernelAndTheNextRunCleansUp() throws {
        let (dir, kernel, manifest) = try kernelDir(padding: 96 << 20)
        let before = try contentsOf(kernel)
        var temporary: String?
        for _ in 0..<3 where temporary == nil {
            temporary = try killMidWrite(["redirect", kernel, "--manifest", manifest, "--patch"], in: dir)
        }
        let leftover = try #require(temporary, "kimage finished three times before it could be killed mid-write")
        #expect(leftover.hasPrefix(".kernel.elf" + OutputFile.temporaryMarker))
        #expect(try contentsOf(kernel) == before)
        #expect(try dir.contents() == [leftover, "kernel.elf", "redirects.txt"].sorted())
        // The next run recognises the dead process's temporary by name and removes it.
        let r = try kimage(["redirect", kernel, "--manifest", manifest, "--patch"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try dir.contents() == ["kernel.elf", "redirects.txt"])
        #expect(try contentsOf(kernel) != before)
    }

    @Test func aPackKilledMidWriteLeavesTheOldImageAndTheNextRunCleansUp() throws {
        let (dir, kernel, _) = try kernelDir(padding: 96 << 20)
        let image = dir.file("kernel.img")
        #expect(try kimage(["pack", "--kernel", kernel, "-o", image, "--cmdline", "old"]).status == 0)
        let old = try contentsOf(image)
        var temporary: String?
        for _ in 0..<3 where temporary == nil {
            temporary = try killMidWrite(["pack", "--kernel", kernel, "-o", image, "--cmdline", "new"], in: dir)
        }
        let leftover = try #require(temporary, "kimage finished three times before it could be killed mid-write")
        #expect(leftover.hasPrefix(".kernel.img" + OutputFile.temporaryMarker))
        #expect(try contentsOf(image) == old)
        let r = try kimage(["pack", "--kernel", kernel, "-o", image, "--cmdline", "new"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try dir.contents() == ["kernel.elf", "kernel.img", "redirects.txt"])
        #expect(try contentsOf(image) != old)
    }
}

/// A stop flag shared with the writer thread.
final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSCondition()
    private var flag = false
    private var done = false
    var isSet: Bool { lock.withLock { flag } }
    func set() { lock.withLock { flag = true } }
    func finish() { lock.withLock { done = true; lock.broadcast() } }
    func waitFinished() { lock.withLock { while !done { lock.wait() } } }
}
