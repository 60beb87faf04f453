import Testing
import Foundation
import KImageKit
import TestSupport

/// `kimage redirect` makes its output kernel-side (FICLONE, else copy_file_range, see
/// PatchedCopy); KIMAGE_COPY_METHOD forces the slower paths so each runs here. Every path must
/// give the old write-everything path's bytes, in place and with -o, and keep the file's mode.
@Suite struct RedirectCopyTests {
    static let methods = ["clone", "copy-range", "write"]

    @discardableResult
    func redirect(_ f: RedirectFixture, _ extra: [String], method: String) throws -> CommandResult {
        let m = try f.manifest("runtime.throw \(RedirectFixture.goPanic)\nruntime.sysReserve \(RedirectFixture.goReserve)\n")
        let r = try run(Paths.kimage, ["redirect", f.kernel, "--manifest", m, "--patch"] + extra,
                        environment: [PatchedCopy.methodVariable: method])
        #expect(r.status == 0, "\(method): \(r.stderr)")
        return r
    }

    @Test func everyCopyMethodWritesTheSameKernelInPlace() throws {
        var outputs: [String: [UInt8]] = [:]
        for method in Self.methods {
            let f = try RedirectFixture()
            let original = try contentsOf(f.kernel)
            #expect(chmod(f.kernel, 0o751) == 0)
            try redirect(f, [], method: method)
            let out = try contentsOf(f.kernel)
            #expect(out != original, "\(method): the table was filled")
            #expect(out.count == original.count)
            outputs[method] = out
            var st = stat()
            #expect(stat(f.kernel, &st) == 0 && st.st_mode & 0o7777 == 0o751, "\(method): the mode is kept")
            #expect(try allFiles(f.dir) == ["kernel.elf", "redirects.txt"], "\(method): no temporary left")
        }
        #expect(outputs["clone"] == outputs["write"])
        #expect(outputs["copy-range"] == outputs["write"])
    }

    @Test func everyCopyMethodWritesTheSameKernelWithOutput() throws {
        var outputs: [String: [UInt8]] = [:]
        for method in Self.methods {
            let f = try RedirectFixture()
            let original = try contentsOf(f.kernel)
            try redirect(f, ["-o", f.dir.file("out.elf")], method: method)
            #expect(try contentsOf(f.kernel) == original, "\(method): the input stays as it was")
            outputs[method] = try contentsOf(f.dir.file("out.elf"))
        }
        #expect(outputs["clone"] == outputs["write"])
        #expect(outputs["copy-range"] == outputs["write"])
        #expect(outputs["write"] != nil && outputs["write"]!.count > 0)
    }

    /// -o on another file system (tmpfs): copy_file_range refuses with EXDEV, the write path runs.
    @Test func anOutputOnAnotherFileSystemIsWritten() throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: "/dev/shm", isDirectory: &isDir), isDir.boolValue else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { throw TestSetupError("/dev/shm is missing") }
            return
        }
        let shm = "/dev/shm/kimage-redirect-copy-\(UUID().uuidString).elf"
        defer { unlink(shm) }
        let f = try RedirectFixture()
        try redirect(f, ["-o", shm], method: "clone")
        let beside = f.dir.file("beside.elf")
        try redirect(f, ["-o", beside], method: "write")
        #expect(try contentsOf(shm) == contentsOf(beside))
    }
}
