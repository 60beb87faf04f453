#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file the safe way: into a temporary file beside the target, renamed over it only once
/// every byte is written. A failed or killed run leaves the target as it was; a killed run's
/// temporary is named `.NAME.kimage-tmp.PID` so the next run can recognise and remove it.
public enum OutputFile {
    public static let temporaryMarker = ".kimage-tmp."

    /// Calls `body` with a sink on a temporary file, then renames it to `path`.
    /// `mode` defaults to the mode of the file being replaced, else 0644.
    /// A symbolic link is followed: the file it names is replaced and the link kept. A device or
    /// FIFO (`-o /dev/null`, `-o /dev/stdout`) is written directly: renaming over it would
    /// replace the device node.
    /// `durable: false` skips the fsync before the rename, for outputs a build regenerates
    /// (a boot image): syncing 100 MB was most of what `pack` spent beyond `cp`, which does not sync.
    public static func write(
        to requestedPath: String,
        mode: mode_t? = nil,
        durable: Bool = true,
        _ body: (inout FileSink) throws -> Void
    ) throws {
        var path = requestedPath
        var st = stat()
        var targetMode: mode_t = mode ?? 0o644
        var owner: (uid_t, gid_t)?
        if lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK, let resolved = realpath(path, nil) {
            path = String(cString: resolved)
            free(resolved)
        }
        if stat(path, &st) == 0 {
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                throw KImageError.file(.isDirectory(path: requestedPath))
            case S_IFCHR, S_IFIFO, S_IFSOCK, S_IFBLK:
                return try writeDirectly(to: path, body)
            default:
                break
            }
            if mode == nil { targetMode = st.st_mode & 0o7777 }
            owner = (st.st_uid, st.st_gid)
        }
        let (directory, base) = split(path)
        removeStaleTemporaries(in: directory, for: base)
        let temporary = directory + "/." + base + temporaryMarker + String(getpid())
        // O_EXCL | O_NOFOLLOW: never write through a link someone planted at the temporary's name.
        let flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC
        var fd = open(temporary, flags, 0o600)
        if fd < 0 && errno == EEXIST {
            // Our own pid's leftover (a reused pid): ours to remove.
            unlink(temporary)
            fd = open(temporary, flags, 0o600)
        }
        guard fd >= 0 else {
            throw KImageError.file(.cannotCreateTemporary(directory: directory, reason: errnoString()))
        }
        var sink = FileSink(fd: fd, path: path)
        do {
            try body(&sink)
            if fchmod(fd, targetMode) != 0 {
                throw KImageError.file(.cannotWrite(path: path, reason: errnoString()))
            }
            // Root rewriting a user's kernel keeps it the user's (best effort: fails harmlessly
            // for anyone else).
            if let (uid, gid) = owner, geteuid() == 0 { _ = fchown(fd, uid, gid) }
            // The bytes reach the disk before the name does: a crash after the rename must not
            // leave an empty kernel (EINVAL: the file system cannot sync, nothing to wait for).
            if durable && fsync(fd) != 0 && errno != EINVAL && errno != EROFS {
                throw KImageError.file(.cannotWrite(path: path, reason: errnoString()))
            }
            if close(fd) != 0 {
                sink.fd = -1
                throw KImageError.file(.cannotWrite(path: path, reason: errnoString()))
            }
            sink.fd = -1
            if rename(temporary, path) != 0 {
                throw KImageError.file(.cannotReplace(path: path, reason: errnoString()))
            }
        } catch {
            if sink.fd >= 0 { close(sink.fd) }
            unlink(temporary)
            throw error
        }
    }

    /// Writes straight into a device or FIFO, which cannot be replaced by a rename.
    private static func writeDirectly(to path: String, _ body: (inout FileSink) throws -> Void) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw KImageError.file(.cannotWrite(path: path, reason: errnoString())) }
        var sink = FileSink(fd: fd, path: path)
        defer { close(fd) }
        try body(&sink)
    }

    /// Writes `bytes` to `path` atomically.
    public static func write(_ bytes: some Collection<UInt8>, to path: String, mode: mode_t? = nil) throws {
        try write(to: path, mode: mode) { (sink: inout FileSink) throws in
            try sink.write(Array(bytes))
        }
    }

    static func split(_ path: String) -> (directory: String, base: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let dir = String(path[..<slash])
        return (dir.isEmpty ? "/" : dir, String(path[path.index(after: slash)...]))
    }

    /// Removes `.BASE.kimage-tmp.PID` files whose process no longer runs.
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
            if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH {
                unlink(directory + "/" + name)
            }
        }
    }
}

/// Where OutputFile's body writes its bytes.
public struct FileSink {
    var fd: Int32
    let path: String
    public private(set) var bytesWritten: UInt64 = 0

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw KImageError.file(.cannotWrite(path: path, reason: errnoString()))
            }
            // write(2) returning 0 for a non-empty buffer would loop forever.
            if n == 0 { throw KImageError.file(.cannotWrite(path: path, reason: "the file system accepted no bytes")) }
            done += n
        }
        bytesWritten += UInt64(bytes.count)
    }

    public mutating func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { (raw) throws in try write(raw) }
    }

    /// Writes `count` zero bytes (padding, bss images).
    public mutating func writeZeros(_ count: Int) throws {
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
