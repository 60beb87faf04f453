#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file read into one heap buffer with read(2), not mmap: a file truncated by another
/// process while kimage runs must give an error, never a SIGBUS.
package final class FileBytes: @unchecked Sendable {
    package let path: String
    /// Owned by this object; valid until it is deallocated. Mutable only because libelf's
    /// elf_memory() takes a non-const pointer; kimage never writes through it.
    let storage: UnsafeMutableRawBufferPointer
    /// True when `storage` is an anonymous mapping (large files), false for a heap block.
    private let mapped: Bool
    package let mode: mode_t
    /// Open only for a file read in part (`init(partOf:)`): where further bytes come from.
    private let partialFD: Int32
    private let partialStat: stat?
    /// True when only the ranges asked for with `load` hold the file's bytes; the rest reads as
    /// zeros. Only code that knows which ranges it loaded may use `bytes` of such a file.
    package var isPartial: Bool { partialFD >= 0 }
    package var fileDescriptor: Int32 { partialFD }
    /// The file as fstat saw it before a whole-file read; nil for bytes that never were a file.
    package let identity: FileIdentity?

    package var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(storage) }
    package var count: Int { storage.count }

    package init(path: String) throws {
        self.path = path
        let fd = try Self.openRegular(path)
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FileError.cannotRead(path: path, reason: errnoString()) }
        let size = Int(st.st_size)
        mode = st.st_mode & 0o7777
        let (buffer, isMapped) = Self.allocate(size)
        var done = 0
        while done < size {
            let n = read(fd, buffer.baseAddress! + done, min(size - done, 1 << 30))
            if n < 0 {
                if errno == EINTR { continue }
                let reason = errnoString()
                Self.release(buffer, mapped: isMapped)
                throw FileError.cannotRead(path: path, reason: reason)
            }
            if n == 0 { break }
            done += n
        }
        // A short read or a longer file than fstat said: a writer is busy with it.
        var probe: UInt8 = 0
        if done != size || read(fd, &probe, 1) > 0 {
            Self.release(buffer, mapped: isMapped)
            throw FileError.changedWhileReading(path: path)
        }
        // Checked before `storage` is set: once every property is set, a throw runs deinit,
        // which would free the buffer a second time.
        if size == 0 {
            Self.release(buffer, mapped: isMapped)
            throw FileError.empty(path: path)
        }
        mapped = isMapped
        partialFD = -1
        partialStat = nil
        identity = FileIdentity(st)
        storage = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<size])
    }

    /// Opens a file to be read in part: its size is known, no byte is read until `load`. The
    /// buffer is an untouched anonymous mapping, so the unread part costs no memory; `pack`
    /// reads a kernel's headers this way and copies its segments file to file.
    package init(partOf path: String) throws {
        self.path = path
        let fd = try Self.openRegular(path)
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let reason = errnoString()
            close(fd)
            throw FileError.cannotRead(path: path, reason: reason)
        }
        let size = Int(st.st_size)
        if size == 0 { close(fd); throw FileError.empty(path: path) }
        guard let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED else {
            let reason = errnoString()
            close(fd)
            throw FileError.cannotRead(path: path, reason: reason)
        }
        mode = st.st_mode & 0o7777
        mapped = true
        partialFD = fd
        partialStat = st
        identity = FileIdentity(st)
        storage = UnsafeMutableRawBufferPointer(start: p, count: size)
    }

    /// Reads `count` bytes at `offset` of a partial file into place; ranges past the end are
    /// clipped (the caller's own checks against the file size report them).
    package func load(offset: UInt64, count: UInt64) throws {
        guard isPartial, offset < UInt64(storage.count) else { return }
        let end = offset + min(count, UInt64(storage.count) - offset)
        var at = Int(offset)
        while at < Int(end) {
            let n = pread(partialFD, storage.baseAddress! + at, Int(end) - at, off_t(at))
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw FileError.cannotRead(path: path, reason: errnoString()) }
            if n == 0 { throw FileError.changedWhileReading(path: path) }
            at += n
        }
    }

    /// Asks for transparent huge pages under the range of a partial file about to be loaded:
    /// megabytes read into fresh 4 KiB pages cost a fault each (a fifth of `redirect`'s time on a
    /// 13 MB kernel, measured). Advice only; ignored where unsupported.
    func adviseHugePages(offset: UInt64, count: UInt64) {
        let huge: UInt64 = 2 << 20
        guard isPartial, mapped, offset < UInt64(storage.count) else { return }
        let end = offset + min(count, UInt64(storage.count) - offset)
        let base = UInt64(UInt(bitPattern: storage.baseAddress!))
        // Whole huge pages inside the mapping: madvise needs page-aligned bounds.
        let start = (base + offset + huge - 1) & ~(huge - 1), stop = (base + end) & ~(huge - 1)
        guard stop > start else { return }
        _ = madvise(UnsafeMutableRawPointer(bitPattern: UInt(start)), Int(stop - start), 14 /* MADV_HUGEPAGE */)
    }

    /// Throws when a partial file's size or modification time changed since it was opened:
    /// then the bytes copied from it may not be the ones that were checked.
    package func verifyUnchanged() throws {
        guard let before = partialStat else { return }
        var now = stat()
        guard fstat(partialFD, &now) == 0, now.st_size == before.st_size,
              now.st_mtim.tv_sec == before.st_mtim.tv_sec, now.st_mtim.tv_nsec == before.st_mtim.tv_nsec else {
            throw FileError.changedWhileReading(path: path)
        }
    }

    /// Opens an input that must be a regular file. O_NONBLOCK: opening a FIFO with no writer
    /// would otherwise block in open(2) forever; the type is checked on the open descriptor, so
    /// nothing can swap the file between the check and the read.
    static func openRegular(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            let code = errno
            if code == ENXIO { throw FileError.notRegularFile(path: path, kind: "a socket") }
            throw FileError.cannotOpen(path: path, reason: errnoString(code))
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let reason = errnoString()
            close(fd)
            throw FileError.cannotRead(path: path, reason: reason)
        }
        let type = st.st_mode & S_IFMT
        if type == S_IFDIR { close(fd); throw FileError.isDirectory(path: path) }
        if type != S_IFREG { close(fd); throw FileError.notRegularFile(path: path, kind: FileKind.name(of: st.st_mode)) }
        // Back to blocking reads: a regular file ignores the flag, but a read must never see EAGAIN.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return fd
    }

    /// For tests and fuzzing: bytes that never were a file.
    package init(bytes source: some Collection<UInt8>, name: String = "<memory>") {
        path = name
        mode = 0o644
        mapped = false
        partialFD = -1
        partialStat = nil
        identity = nil
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(source.count, 1), alignment: 16)
        _ = buffer.initializeMemory(as: UInt8.self, from: source)
        storage = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<source.count])
    }

    deinit {
        if partialFD >= 0 { close(partialFD) }
        Self.release(UnsafeMutableRawBufferPointer(start: storage.baseAddress, count: max(storage.count, 1)), mapped: mapped)
    }

    /// Files of 4 MiB and more (100 MiB kernels with their data) go into an anonymous mapping
    /// that asks for transparent huge pages: faulting in fresh 4 KiB pages one by one was most
    /// of the time `pack` and `inspect` spent on such a kernel (see README, Performance).
    private static let mappingThreshold = 4 << 20

    private static func allocate(_ size: Int) -> (UnsafeMutableRawBufferPointer, mapped: Bool) {
        if size >= mappingThreshold,
           let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
           p != MAP_FAILED {
            _ = madvise(p, size, 14 /* MADV_HUGEPAGE; advice only, ignored where unsupported */)
            return (UnsafeMutableRawBufferPointer(start: p, count: size), true)
        }
        return (UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 16), false)
    }

    private static func release(_ buffer: UnsafeMutableRawBufferPointer, mapped: Bool) {
        if mapped {
            munmap(buffer.baseAddress, buffer.count)
        } else {
            buffer.deallocate()
        }
    }
}

func errnoString(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}
