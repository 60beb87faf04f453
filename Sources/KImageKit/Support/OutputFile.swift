#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file the safe way: into a temporary file beside the target, renamed over it only once
/// every byte is written. A failed or killed run leaves the target as it was; a killed run's
/// temporary is named `.NAME.kimage-tmp.PID` so the next run can recognise and remove it.
package enum OutputFile {
    package static let temporaryMarker = ".kimage-tmp."
    /// `-o -`: the output goes to standard output, written as it is made (no temporary to rename).
    package static let standardOutput = "-"

    /// Calls `body` with a sink on a temporary file, then renames it to `path`.
    /// `mode` defaults to the mode of the file being replaced, else 0644.
    /// A symbolic link is followed: the file it names is replaced and the link kept; a link to
    /// nothing is refused (replacing it would silently turn it into a regular file). A device or
    /// FIFO (`-o /dev/null`, `-o /dev/stdout`) is written directly: renaming over it would
    /// replace the device node; a FIFO nobody reads is refused instead of blocking forever.
    /// `durable: false` skips the fsync before the rename, for outputs a build regenerates
    /// (a boot image): syncing 100 MB was most of what `pack` spent beyond `cp`, which does not sync.
    package static func write(
        to requestedPath: String,
        mode: mode_t? = nil,
        durable: Bool = true,
        _ body: (inout FileSink) throws -> Void
    ) throws {
        try prepare(to: requestedPath, mode: mode, durable: durable, body).commit()
    }

    /// Like `write`, but stops before the rename: the caller commits once every output of the
    /// run is written, so a run with several outputs (image + depfile) replaces all or none.
    package static func prepare(
        to requestedPath: String,
        mode: mode_t? = nil,
        durable: Bool = true,
        _ body: (inout FileSink) throws -> Void
    ) throws -> PendingOutput {
        if requestedPath == standardOutput {
            var sink = FileSink(fd: 1, path: "standard output")
            try body(&sink)
            return PendingOutput(temporary: nil, path: requestedPath)
        }
        let target = try resolve(requestedPath, mode: mode)
        if target.isDevice {
            try writeDirectly(to: target.path, body)
            return PendingOutput(temporary: nil, path: target.path)
        }
        let path = target.path
        let (directory, base) = split(path)
        removeStaleTemporaries(in: directory, for: base)
        let temporary = directory + "/." + base + temporaryMarker + String(getpid())
        let fd = try createTemporary(temporary, directory: directory)
        var sink = FileSink(fd: fd, path: path)
        do {
            try body(&sink)
            try finish(fd, target: target, durable: durable)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        // The descriptor stays open (and locked) until the commit: the lock tells other runs
        // the temporary is in use.
        return PendingOutput(temporary: temporary, path: path, fd: fd)
    }

    /// Where an output really goes: a symlink is followed (the link stays, its target is
    /// replaced); an existing file's mode and owner are kept unless `mode` is given.
    struct Target {
        var path: String
        var mode: mode_t
        var owner: (uid_t, gid_t)?
        /// A character or block device, FIFO or socket: written in place, never replaced.
        var isDevice = false
    }

    static func resolve(_ requestedPath: String, mode: mode_t?) throws -> Target {
        var target = Target(path: requestedPath, mode: mode ?? 0o644)
        var st = stat()
        if lstat(requestedPath, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK {
            guard let resolved = realpath(requestedPath, nil) else {
                throw FileError.danglingLink(path: requestedPath, target: linkTarget(requestedPath))
            }
            target.path = String(cString: resolved)
            free(resolved)
        }
        guard stat(target.path, &st) == 0 else { return target }
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            throw FileError.isDirectory(path: requestedPath)
        case S_IFCHR, S_IFIFO, S_IFSOCK, S_IFBLK:
            target.isDevice = true
            return target
        default:
            break
        }
        if mode == nil { target.mode = st.st_mode & 0o7777 }
        target.owner = (st.st_uid, st.st_gid)
        return target
    }

    /// Owner, mode and fsync of a written temporary, before its rename.
    private static func finish(_ fd: Int32, target: Target, durable: Bool) throws {
        // Owner first: fchown clears the setuid and setgid bits, so the mode must come after
        // it for a replaced setuid file to stay setuid. Root rewriting a user's kernel keeps
        // it the user's (best effort: fails harmlessly for anyone else).
        if let (uid, gid) = target.owner, geteuid() == 0 { _ = fchown(fd, uid, gid) }
        if fchmod(fd, target.mode) != 0 {
            throw FileError.cannotWrite(path: target.path, reason: errnoString())
        }
        // The bytes reach the disk before the name does: a crash after the rename must not
        // leave an empty kernel (EINVAL: the file system cannot sync, nothing to wait for).
        if durable && fsync(fd) != 0 && errno != EINVAL && errno != EROFS {
            throw FileError.cannotWrite(path: target.path, reason: errnoString())
        }
    }

    /// Opens a new temporary, locked for as long as this run holds it. O_EXCL | O_NOFOLLOW: never
    /// write through a link someone planted at the temporary's name.
    private static func createTemporary(_ temporary: String, directory: String) throws -> Int32 {
        let flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC
        for _ in 0..<3 {
            var fd = open(temporary, flags, 0o600)
            if fd < 0 && errno == EEXIST {
                // Our own pid's leftover (a reused pid): ours to remove.
                unlink(temporary)
                fd = open(temporary, flags, 0o600)
            }
            guard fd >= 0 else {
                throw FileError.cannotCreateTemporary(directory: directory, reason: errnoString())
            }
            _ = flock(fd, LOCK_EX)
            // Another run may have judged it stale between open and flock and removed it.
            var st = stat()
            if fstat(fd, &st) == 0 && st.st_nlink > 0 { return fd }
            close(fd)
        }
        throw FileError.cannotCreateTemporary(directory: directory, reason: "another kimage run keeps removing it")
    }

    private static func linkTarget(_ path: String) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buffer, Int(PATH_MAX))
        guard n >= 0 else { return "?" }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Writes straight into a device or FIFO, which cannot be replaced by a rename. O_NONBLOCK
    /// for the open only: a FIFO without a reader gives ENXIO at once instead of blocking.
    private static func writeDirectly(to path: String, _ body: (inout FileSink) throws -> Void) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            if errno == ENXIO { throw FileError.noReader(path: path) }
            throw FileError.cannotWrite(path: path, reason: errnoString())
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        var sink = FileSink(fd: fd, path: path)
        defer { close(fd) }
        try body(&sink)
    }

    /// Writes `bytes` to `path` atomically.
    package static func write(_ bytes: some Collection<UInt8>, to path: String, mode: mode_t? = nil) throws {
        try write(to: path, mode: mode) { (sink: inout FileSink) throws in
            try sink.write(Array(bytes))
        }
    }

    static func split(_ path: String) -> (directory: String, base: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let dir = String(path[..<slash])
        return (dir.isEmpty ? "/" : dir, String(path[path.index(after: slash)...]))
    }

    /// Removes `.BASE.kimage-tmp.PID` files whose writer is gone.
    static func removeStaleTemporaries(in directory: String, for base: String) {
        guard let dir = opendir(directory) else { return }
        defer { closedir(dir) }
        let prefix = "." + base + temporaryMarker
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            let digits = name.dropFirst(prefix.count)
            // Only `.BASE.kimage-tmp.` followed by decimal digits of a positive pid; kill(0) and
            // kill(-1) address process groups, never one dead writer.
            guard name.hasPrefix(prefix), !digits.isEmpty, digits.allSatisfy({ $0 >= "0" && $0 <= "9" }),
                  let pid = Int32(digits), pid > 0 else { continue }
            guard pid != getpid(), kill(pid, 0) != 0 && errno == ESRCH else { continue }
            // The writer holds a lock on its temporary while it runs; a pid that does not exist
            // here may be a live run in another PID namespace (a container sharing the tree), so
            // only a temporary nobody has locked is dead.
            let full = directory + "/" + name
            let fd = open(full, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else { continue }
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { unlink(full) }
            close(fd)
        }
    }
}

/// A temporary written in full, waiting for its rename. Discarded (the temporary removed) when
/// dropped uncommitted, so a failed run leaves nothing behind.
package final class PendingOutput {
    private var temporary: String?
    package let path: String
    private var fd: Int32

    init(temporary: String?, path: String, fd: Int32 = -1) {
        self.temporary = temporary
        self.path = path
        self.fd = fd
    }

    /// Renames the temporary over the target.
    package func commit() throws {
        defer { discard() }
        guard let temporary else { return }
        if close(fd) != 0 {
            fd = -1
            throw FileError.cannotWrite(path: path, reason: errnoString())
        }
        fd = -1
        if rename(temporary, path) != 0 {
            throw FileError.cannotReplace(path: path, reason: errnoString())
        }
        self.temporary = nil
    }

    /// Removes the temporary; the target stays as it was.
    package func discard() {
        if fd >= 0 { close(fd); fd = -1 }
        if let temporary { unlink(temporary); self.temporary = nil }
    }

    deinit { discard() }
}

/// Where OutputFile's body writes its bytes.
package struct FileSink {
    var fd: Int32
    let path: String
    package private(set) var bytesWritten: UInt64 = 0

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    package mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError.cannotWrite(path: path, reason: errnoString())
            }
            // write(2) returning 0 for a non-empty buffer would loop forever.
            if n == 0 { throw FileError.cannotWrite(path: path, reason: "the file system accepted no bytes") }
            done += n
        }
        bytesWritten += UInt64(bytes.count)
    }

    package mutating func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { (raw) throws in try write(raw) }
    }

    /// Reserves the blocks of `count` bytes from `offset` before a large copy lands there: ext4
    /// then allocates them in one extent instead of reserving block by block as pages arrive
    /// (a quarter of the CPU time of copying 100 MB, measured). The size stays as it is
    /// (FALLOC_FL_KEEP_SIZE); a file system or output that cannot allocate ahead is left alone.
    package func reserve(offset: UInt64, count: UInt64) {
        Self.reserve(fd, offset: offset, count: count)
    }

    static func reserve(_ fd: Int32, offset: UInt64, count: UInt64) {
        guard count >= reserveThreshold, offset <= UInt64(Int64.max) - count, let fallocateCall else { return }
        _ = fallocateCall(fd, 1 /* FALLOC_FL_KEEP_SIZE */, Int64(offset), Int64(count))
    }

    /// Below this a reservation costs more than the block-by-block reservations it saves.
    static let reserveThreshold: UInt64 = 1 << 20

    /// Writes `count` zero bytes (padding, bss images).
    package mutating func writeZeros(_ count: Int) throws {
        guard count > 0 else { return }
        let chunk = [UInt8](repeating: 0, count: min(count, 1 << 16))
        var left = count
        while left > 0 {
            let n = min(left, chunk.count)
            try chunk.withUnsafeBytes { (raw) throws in try write(UnsafeRawBufferPointer(rebasing: raw[0..<n])) }
            left -= n
        }
    }
}
