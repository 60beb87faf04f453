#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file read into one heap buffer with read(2), not mmap: a file truncated by another
/// process while kimage runs must give an error, never a SIGBUS.
public final class FileBytes: @unchecked Sendable {
    public let path: String
    /// Owned by this object; valid until it is deallocated. Mutable only because libelf's
    /// elf_memory() takes a non-const pointer; kimage never writes through it.
    let storage: UnsafeMutableRawBufferPointer
    public let mode: mode_t

    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(storage) }
    public var count: Int { storage.count }

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw KImageError.file(.cannotOpen(path: path, reason: errnoString())) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw KImageError.file(.cannotRead(path: path, reason: errnoString())) }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw KImageError.file(.isDirectory(path: path)) }
        let size = Int(st.st_size)
        mode = st.st_mode & 0o7777
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 16)
        var done = 0
        while done < size {
            let n = read(fd, buffer.baseAddress! + done, min(size - done, 1 << 30))
            if n < 0 {
                if errno == EINTR { continue }
                let reason = errnoString()
                buffer.deallocate()
                throw KImageError.file(.cannotRead(path: path, reason: reason))
            }
            if n == 0 { break }
            done += n
        }
        // A short read or a longer file than fstat said: a writer is busy with it.
        var probe: UInt8 = 0
        if done != size || read(fd, &probe, 1) > 0 {
            buffer.deallocate()
            throw KImageError.file(.changedWhileReading(path: path))
        }
        // Checked before `storage` is set: once every property is set, a throw runs deinit,
        // which would free the buffer a second time.
        if size == 0 {
            buffer.deallocate()
            throw KImageError.file(.empty(path: path))
        }
        storage = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<size])
    }

    /// For tests and fuzzing: bytes that never were a file.
    public init(bytes source: some Collection<UInt8>, name: String = "<memory>") {
        path = name
        mode = 0o644
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(source.count, 1), alignment: 16)
        _ = buffer.initializeMemory(as: UInt8.self, from: source)
        storage = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<source.count])
    }

    deinit {
        UnsafeMutableRawBufferPointer(start: storage.baseAddress, count: max(storage.count, 1)).deallocate()
    }
}

func errnoString(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}
