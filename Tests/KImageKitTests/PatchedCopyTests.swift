import Testing
import Foundation
@testable import KImageKit
import TestSupport

/// PatchedCopy (redirect's output): the unchanged bytes made kernel-side, each path giving the
/// bytes the old write-everything path gives, and a change to the original between kimage's read
/// and the copy refused with the target left as it was.
@Suite struct PatchedCopyTests {
    static let size = 1024 * 1024 + 123
    static let patches = [BytePatch(offset: 0, bytes: [0xAA, 0xBB]), BytePatch(offset: 4096 * 7 + 5, bytes: Array(repeating: 0x11, count: 8000)),
                          BytePatch(offset: UInt64(size - 3), bytes: [1, 2, 3])]

    /// A file of `size` pseudo-random bytes in `dir`.
    func original(in dir: String) throws -> (String, [UInt8]) {
        // xorshift: bytes no two runs share, cheap in a debug build.
        var x = UInt64(UInt32.random(in: 1...UInt32.max))
        let bytes = (0..<Self.size).map { _ -> UInt8 in
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            return UInt8(truncatingIfNeeded: x)
        }
        let path = dir + "/kernel.elf"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (path, bytes)
    }

    func expected(_ bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        for p in Self.patches { out.replaceSubrange(Int(p.offset)..<Int(p.offset) + p.bytes.count, with: p.bytes) }
        return out
    }

    /// Writes `path` + patches to `output` with at most `allowed`; the method used.
    func copy(_ path: String, to output: String, allowed: PatchedCopy.Method, beforeCopy: () throws -> Void = {}) throws -> PatchedCopy.Method {
        let file = try FileBytes(path: path)
        var method: PatchedCopy.Method?
        try OutputFile.write(to: output) { (sink: inout FileSink) throws in
            method = try PatchedCopy.write(file, patches: Self.patches, into: &sink, allowed: allowed, beforeCopy: beforeCopy)
        }
        return try #require(method)
    }

    /// /tmp (ext4 here) and /dev/shm (tmpfs): copy_file_range works within each; neither can clone
    /// (FICLONE needs btrfs, XFS or another reflink file system, which this machine does not have,
    /// so the clone path itself is not run here: it is asked for and refused, and the copy follows).
    static func directories() throws -> [TemporaryDirectory] {
        var dirs = [try TemporaryDirectory("kimage-patched-copy")]
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: "/dev/shm", isDirectory: &isDir), isDir.boolValue {
            let url = URL(fileURLWithPath: "/dev/shm/kimage-patched-copy-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            dirs.append(TemporaryDirectory(adopting: url.path))
        } else if ProcessInfo.processInfo.environment["CI"] == "true" {
            throw TestSetupError("/dev/shm is missing: the tmpfs half of PatchedCopyTests cannot run")
        }
        return dirs
    }

    /// redirect reads a kernel in part (ELFFile(symbolsOf:)): every path gives the bytes a whole
    /// read gives, the write path reading the rest first.
    @Test func aPartlyReadOriginalGivesTheSameBytesOnEveryPath() throws {
        let dir = try TemporaryDirectory("kimage-patched-copy")
        let (path, bytes) = try original(in: dir.path)
        let want = expected(bytes)
        for allowed in [PatchedCopy.Method.clone, .copyRange, .write] {
            let file = try FileBytes(partOf: path)
            try file.load(offset: 0, count: 4096)
            #expect(file.bytes[Self.size - 1] == 0, "the rest is not read yet")
            let out = dir.path + "/out-\(allowed.rawValue).elf"
            var used: PatchedCopy.Method?
            try OutputFile.write(to: out) { (sink: inout FileSink) throws in
                used = try PatchedCopy.write(file, patches: Self.patches, into: &sink, allowed: allowed)
            }
            #expect(try contentsOf(out) == want, "\(allowed)")
            #expect(used == (allowed == .write ? .write : .copyRange))
            #expect(try contentsOf(path) == bytes)
        }
    }

    /// The write path reads the rest of a partly read original: when the file changed since it
    /// was opened, that is refused and no output appears.
    @Test func aPartlyReadOriginalThatChangedIsRefusedOnTheWritePath() throws {
        let dir = try TemporaryDirectory("kimage-patched-copy")
        let (path, bytes) = try original(in: dir.path)
        let file = try FileBytes(partOf: path)
        try file.load(offset: 0, count: 4096)
        // Appended through the same inode: the descriptor the partial read keeps sees it.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([1, 2, 3]))
        try handle.close()
        let out = dir.path + "/out.elf"
        #expect(throws: FileError.self) {
            try OutputFile.write(to: out) { (sink: inout FileSink) throws in
                _ = try PatchedCopy.write(file, patches: Self.patches, into: &sink, allowed: .write)
            }
        }
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(try contentsOf(path) == bytes + [1, 2, 3], "the original is left as the test wrote it")
    }

    @Test func everyPathGivesTheSameBytesInPlaceAndBeside() throws {
        for dir in try Self.directories() {
            let (path, bytes) = try original(in: dir.path)
            let want = expected(bytes)
            for allowed in [PatchedCopy.Method.clone, .copyRange, .write] {
                // Beside the original (-o), then over it (in place), from a fresh original each time.
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                let beside = dir.path + "/out-\(allowed.rawValue).elf"
                let used = try copy(path, to: beside, allowed: allowed)
                #expect(try contentsOf(beside) == want, "\(allowed) beside, in \(dir.path)")
                #expect(try contentsOf(path) == bytes, "the original stays as it was")
                let inPlace = try copy(path, to: path, allowed: allowed)
                #expect(try contentsOf(path) == want, "\(allowed) in place, in \(dir.path)")
                #expect(used == inPlace)
                switch allowed {
                case .clone: #expect(used == .clone || used == .copyRange, "ext4 and tmpfs copy kernel-side")
                case .copyRange: #expect(used == .copyRange)
                case .write: #expect(used == .write)
                }
                try FileManager.default.removeItem(atPath: beside)
            }
            #expect(try dir.contents().allSatisfy { !$0.contains(OutputFile.temporaryMarker) })
        }
    }

    /// Across file systems (ext4 to tmpfs) copy_file_range says EXDEV: the write path takes over.
    @Test func anotherFileSystemFallsBackToWriting() throws {
        let dirs = try Self.directories()
        guard dirs.count == 2 else { return }
        let (path, bytes) = try original(in: dirs[0].path)
        let output = dirs[1].path + "/out.elf"
        let used = try copy(path, to: output, allowed: .clone)
        #expect(used == .write)
        #expect(try contentsOf(output) == expected(bytes))
    }

    @Test func anOriginalChangedBeforeTheCopyIsRefused() throws {
        for dir in try Self.directories() {
            for allowed in [PatchedCopy.Method.clone, .copyRange] {
                let (path, bytes) = try original(in: dir.path)
                let output = dir.path + "/out.elf"
                let previous: [UInt8] = [1, 2, 3]
                try Data(previous).write(to: URL(fileURLWithPath: output))
                var changed = bytes
                changed[100] ^= 0xFF
                do {
                    _ = try copy(path, to: output, allowed: allowed) {
                        // Same size: only the times (and the bytes) say it changed. A clock tick
                        // later: without multigrain timestamps (Linux before 6.13) a write in the
                        // tick of the read can keep the times (PatchedCopy says so).
                        usleep(20_000)
                        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
                        try h.seek(toOffset: 100)
                        try h.write(contentsOf: Data([changed[100]]))
                        try h.close()
                    }
                    Issue.record("a changed original was copied")
                } catch let e as any KImageError {
                    #expect(e.description.contains("changed after kimage read and checked it"), "\(e)")
                    #expect(e.description.contains("nothing was changed"))
                }
                #expect(try contentsOf(output) == previous, "the target stays as it was")
                #expect(try dir.contents().allSatisfy { !$0.contains(OutputFile.temporaryMarker) })
                try FileManager.default.removeItem(atPath: output)
            }
        }
    }
}
