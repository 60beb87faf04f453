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
    /// True when `storage` is an anonymous mapping (large files), false for a heap block.
    private let mapped: Bool
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
        let (buffer, isMapped) = Self.allocate(size)
        var done = 0
        while done < size {
            let n = read(fd, buffer.baseAddress! + done, min(size - done, 1 << 30))
            if n < 0 {
                if errno == EINTR { continue }
                let reason = errnoString()
                Self.release(buffer, mapped: isMapped)
                throw KImageError.file(.cannotRead(path: path, reason: reason))
            }
            if n == 0 { break }
            done += n
        }
        // A short read or a longer file than fstat said: a writer is busy with it.
        var probe: UInt8 = 0
        if done != size || read(fd, &probe, 1) > 0 {
            Self.release(buffer, mapped: isMapped)
            throw KImageError.file(.changedWhileReading(path: path))
        }
        // Checked before `storage` is set: once every property is set, a throw runs deinit,
        // which would free the buffer a second time.
        if size == 0 {
            Self.release(buffer, mapped: isMapped)
            throw KImageError.file(.empty(path: path))
        }
        mapped = isMapped
        storage = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<size])
    }

    /// For tests and fuzzing: bytes that never were a file.
    public init(bytes source: some Collection<UInt8>, name: String = "<memory>") {
        path = name
        mode = 0o644
        mapped = false
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(source.count, 1), alignment: 16)
        _ = buffer.initializeMemory(as: UInt8.self, from: source)
        storage = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<source.count])
    }

    deinit {
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
