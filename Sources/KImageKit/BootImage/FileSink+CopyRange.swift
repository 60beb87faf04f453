#if canImport(Glibc)
import Glibc
#endif

/// Payload bytes go from the input file to the image inside the kernel (copy_file_range), as
/// `cp` does, instead of through a second user-space write of what ELFFile already read.
struct PayloadSource {
    let fd: Int32
    let path: String
    /// The bytes ELFFile read and checked: the fallback, and the reference for the size.
    let bytes: UnsafeRawBufferPointer

    /// Opens `path` again; nil when it is no longer the file that was read (then the bytes in
    /// memory are written instead).
    init?(path: String, bytes: UnsafeRawBufferPointer) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var st = stat()
        guard copyFileRangeCall != nil, fstat(fd, &st) == 0, Int(st.st_size) == bytes.count else {
            Glibc.close(fd)
            return nil
        }
        self.fd = fd
        self.path = path
        self.bytes = bytes
    }

    /// The descriptor a partially read FileBytes holds (duplicated): the very file whose headers
    /// were checked, not whatever the path names now.
    init?(file: FileBytes) {
        guard file.isPartial else { return nil }
        let fd = dup(file.fileDescriptor)
        guard fd >= 0 else { return nil }
        self.fd = fd
        self.path = file.path
        self.bytes = file.bytes
    }

    func close() { _ = Glibc.close(fd) }
}

extension FileSink {
    /// Writes `count` bytes of `source` from `offset`: copy_file_range when the kernel can,
    /// else from the bytes in memory.
    mutating func copy(from source: PayloadSource?, memory: UnsafeRawBufferPointer, offset: Int, count: Int) throws {
        var done = 0
        if let source, let copyFileRangeCall {
            let at = lseek(fd, 0, SEEK_CUR)
            if at >= 0 { reserve(offset: UInt64(at), count: UInt64(count)) }
            var inOffset = Int64(offset)
            while done < count {
                let n = copyFileRangeCall(source.fd, &inOffset, fd, nil, count - done, 0)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }  // EXDEV, EINVAL, ENOSYS, or a file that shrank: fall back
                done += n
            }
        }
        if done < count, let source {
            // copy_file_range refused (another filesystem, an old kernel): read the rest.
            var chunk = [UInt8](repeating: 0, count: min(count - done, 1 << 20))
            while done < count {
                let want = min(count - done, chunk.count)
                let n = chunk.withUnsafeMutableBytes { pread(source.fd, $0.baseAddress!, want, off_t(offset + done)) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { throw FileError.changedWhileReading(path: source.path) }
                try chunk.withUnsafeBytes { try write(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                done += n
            }
        }
        if done < count {
            try write(UnsafeRawBufferPointer(rebasing: memory[(offset + done)..<(offset + count)]))
        }
    }
}
