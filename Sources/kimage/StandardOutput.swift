#if canImport(Glibc)
import Glibc
#endif
import KImageKit

/// Everything a command prints goes through here, with write(2) and its result checked: a full
/// disk or a closed stdout is exit 1 with a message, so `kimage count > redirects.ld` in a
/// Makefile fails instead of leaving an empty file and status 0.
enum StandardOutput {
    /// Text: names read from files go out with control characters escaped (Printable).
    static func write(_ text: String) throws {
        try write(Array(Printable.terminalSafe(text).utf8))
    }

    static func line(_ text: String) throws {
        try write(text + "\n")
    }

    static func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = Glibc.write(1, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw FileError.standardOutput(reason: String(cString: strerror(errno)))
                }
                if n == 0 { throw FileError.standardOutput(reason: "it accepted no bytes") }
                done += n
            }
        }
    }

    /// A descriptor 0, 1 or 2 the shell left closed (`kimage count >&-`) would be handed to the
    /// first file kimage opens, and printing would write into that file. Each closed one gets
    /// /dev/null opened read-only: reads see end of file, writes fail with EBADF and are reported.
    static func guardStandardDescriptors() {
        for fd: Int32 in 0...2 where fcntl(fd, F_GETFD) < 0 && errno == EBADF {
            let opened = open("/dev/null", O_RDONLY)
            if opened >= 0 && opened != fd {
                _ = dup2(opened, fd)
                close(opened)
            }
        }
    }
}
