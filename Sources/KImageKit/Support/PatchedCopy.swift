#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file read earlier, with a few byte ranges replaced, into an output's temporary, making
/// the unchanged bytes kernel-side: the temporary shares the original's blocks (FICLONE, on
/// btrfs, XFS and other reflink file systems) or the kernel copies them (copy_file_range, which
/// NFS and others offload), and only the patches go through user space (pwrite). A 14 MB kernel
/// that `redirect` changes in 8 KiB is then never written back from memory.
///
/// The bytes that land must be the ones kimage read and checked: the original's identity (device,
/// inode, size, mtime, ctime) must be what it was at the read, before and after the copy; any
/// difference is an error and the caller's temporary is discarded. (A write in the same clock tick
/// as kimage's read can keep both times on kernels without multigrain timestamps, before 6.13; an
/// edit of the kernel during its own build step is what the check is for, and that takes longer.)
package enum PatchedCopy {
    /// How the unchanged bytes were made.
    package enum Method: String, Sendable, Equatable, Comparable {
        /// The temporary shares the original's extents (ioctl FICLONE).
        case clone
        /// The kernel copied the unchanged ranges (copy_file_range).
        case copyRange = "copy-range"
        /// Every byte written from memory (write): the file system or the output allows nothing else.
        case write

        package static func < (a: Method, b: Method) -> Bool { a.order < b.order }
        private var order: Int { self == .clone ? 0 : self == .copyRange ? 1 : 2 }
    }

    /// The environment variable tests set to force a slower path on a file system that offers a
    /// faster one (`copy-range`: no FICLONE; `write`: neither), so every path runs in the tests.
    package static let methodVariable = "KIMAGE_COPY_METHOD"

    /// The fastest method a run may try: `methodVariable`, else clone.
    static var allowed: Method {
        guard let value = getenv(methodVariable) else { return .clone }
        return Method(rawValue: String(cString: value)) ?? .clone
    }

    /// Writes `file`'s bytes with `patches` (sorted, inside the file, not overlapping: checked by
    /// the caller) into `sink`, whose file must be empty. `beforeCopy` runs between the check and
    /// the copy (tests change the original there).
    static func write(_ file: FileBytes, patches: [BytePatch], into sink: inout FileSink,
                      allowed: Method = PatchedCopy.allowed, beforeCopy: () throws -> Void = {}) throws -> Method {
        if allowed < .write, let identity = file.identity, sink.bytesWritten == 0, Self.isRegular(sink.fd),
           let method = try kernelSide(file, identity: identity, patches: patches, fd: sink.fd, allowed: allowed, beforeCopy: beforeCopy) {
            return method
        }
        // Today's path: every byte from memory, in order (also a device or FIFO output). A file
        // read in part (ELFFile(symbolsOf:)) is read whole first, and must still be the file
        // whose headers and symbols were checked.
        if file.isPartial {
            try file.load(offset: 0, count: UInt64(file.count))
            try file.verifyUnchanged()
        }
        let raw = file.bytes
        var at = 0
        for p in patches {
            try sink.write(UnsafeRawBufferPointer(rebasing: raw[at..<Int(p.offset)]))
            try sink.write(p.bytes)
            at = Int(p.offset) + p.bytes.count
        }
        try sink.write(UnsafeRawBufferPointer(rebasing: raw[at..<raw.count]))
        return .write
    }

    /// The clone or copy_file_range path; nil when neither works here (the temporary is then
    /// emptied for the write path).
    private static func kernelSide(_ file: FileBytes, identity: FileIdentity, patches: [BytePatch], fd: Int32,
                                   allowed: Method, beforeCopy: () throws -> Void) throws -> Method? {
        let path = file.path
        let source = open(path, O_RDONLY | O_CLOEXEC)
        guard source >= 0 else { return nil } // unreadable now: the bytes in memory still are
        defer { close(source) }
        func checkUnchanged(_ when: String) throws {
            guard let now = FileIdentity(fd: source) else {
                throw FileError.cannotRead(path: path, reason: errnoString())
            }
            if now != identity {
                throw FileError.changedSinceRead(path: path, detail: describe(now, against: identity) + " " + when)
            }
        }
        try checkUnchanged("before the copy")
        try beforeCopy()
        var method: Method?
        if allowed <= .clone && ioctl(fd, Self.ficlone, source) == 0 {
            method = .clone
        } else if let copyRange = copyFileRangeCall {
            FileSink.reserve(fd, offset: 0, count: UInt64(file.count))
            if try copyUnchanged(patches, size: file.count, from: source, to: fd, path: path, copyRange) { method = .copyRange }
        }
        guard let method else {
            _ = ftruncate(fd, 0)
            return nil
        }
        for p in patches {
            try p.bytes.withUnsafeBytes { try pwriteAll(fd, $0, at: Int(p.offset), path: path) }
        }
        // The copy read the file as it is now: it must still be the file that was checked.
        try checkUnchanged("during the copy")
        guard let written = FileIdentity(fd: fd), written.size == Int64(file.count) else {
            throw FileError.cannotWrite(path: path, reason: "the copy is not \(file.count) bytes long")
        }
        return method
    }

    /// copy_file_range for every range between patches; false when the kernel refuses before any
    /// byte moved (another file system, an old kernel), so the write path can take over.
    private static func copyUnchanged(_ patches: [BytePatch], size: Int, from source: Int32, to fd: Int32, path: String,
                                      _ copyRange: CopyFileRangeCall) throws -> Bool {
        var gaps: [(Int, Int)] = []
        var at = 0
        for p in patches {
            if Int(p.offset) > at { gaps.append((at, Int(p.offset))) }
            at = Int(p.offset) + p.bytes.count
        }
        if at < size { gaps.append((at, size)) }
        var moved = 0
        for (start, end) in gaps {
            var inOffset = Int64(start), outOffset = Int64(start)
            while inOffset < Int64(end) {
                let n = copyRange(source, &inOffset, fd, &outOffset, end - Int(inOffset), 0)
                if n < 0 {
                    let code = errno
                    if code == EINTR { continue }
                    if moved == 0 && [EXDEV, EINVAL, ENOSYS, EOPNOTSUPP, EBADF, EPERM].contains(code) { return false }
                    throw FileError.cannotWrite(path: path, reason: errnoString(code))
                }
                // End of file before the range's end: the original shrank.
                if n == 0 { throw FileError.changedSinceRead(path: path, detail: "it ended before byte \(inOffset) during the copy") }
                moved += n
            }
        }
        return true
    }

    private static func pwriteAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw FileError.cannotWrite(path: path, reason: errnoString()) }
            if n == 0 { throw FileError.cannotWrite(path: path, reason: "the file system accepted no bytes") }
            done += n
        }
    }

    private static func isRegular(_ fd: Int32) -> Bool {
        var st = stat()
        return fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    private static func describe(_ now: FileIdentity, against then: FileIdentity) -> String {
        if now.device != then.device || now.inode != then.inode { return "another file now has its name," }
        if now.size != then.size { return "its size went from \(then.size) to \(now.size) bytes" }
        return "its modification or change time moved"
    }

    /// FICLONE, _IOW(0x94, 9, int) in <linux/fs.h>.
    private static let ficlone: UInt = 0x4004_9409
}
