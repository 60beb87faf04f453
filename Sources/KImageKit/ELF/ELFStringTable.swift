#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A string table (.shstrtab, .strtab) read in place. Names stay offsets into the file's bytes
/// and are decoded only when asked: 30,000 section headers naming one 1 MB string cost 30,000
/// offsets, not 30 GB of copies (issue 12).
package final class ELFStringTable: @unchecked Sendable {
    /// Keeps the bytes alive; kimage never writes through them.
    private let file: FileBytes
    private let start: Int
    package let size: Int
    /// Every offset below this one starts a NUL-terminated string: found once, by looking for
    /// the table's last NUL, so no lookup has to scan a name to check it.
    private let terminatedBelow: Int

    /// Longest name text shows in full; a longer one is cut, as no real linker writes one.
    package static let shownLimit = 512

    /// `offset` and `size` must lie inside `file` (ELFFile checks section bounds first).
    init(file: FileBytes, offset: Int, size: Int) {
        self.file = file
        start = offset
        self.size = size
        var last = size - 1
        let base = file.bytes.baseAddress!
        while last >= 0 && base.load(fromByteOffset: offset + last, as: UInt8.self) != 0 { last -= 1 }
        terminatedBelow = last + 1
    }

    /// True when a NUL-terminated string starts at `offset`.
    package func holdsString(at offset: Int) -> Bool { offset >= 0 && offset < terminatedBelow }

    /// The length of the NUL-terminated string at `p` when it is at most `limit` bytes long, else
    /// nil; `available` bytes from `p` may be read and hold a NUL. Eight bytes at a time with the
    /// has-a-zero-byte test, inline: a call to memchr per name was a fifth of redirect's symbol walk.
    @inline(__always)
    static func length(at p: UnsafeRawPointer, available: Int, limit: Int) -> Int? {
        let end = min(available, limit + 1)
        var n = 0
        while n + 8 <= end {
            let w = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: n, as: UInt64.self))
            // Bytes above the first zero may show as zero too (the borrow); the lowest cannot.
            let zero = (w &- 0x0101_0101_0101_0101) & ~w & 0x8080_8080_8080_8080
            if zero != 0 {
                n += zero.trailingZeroBitCount >> 3
                return n <= limit ? n : nil
            }
            n += 8
        }
        while n < end {
            if p.load(fromByteOffset: n, as: UInt8.self) == 0 { return n <= limit ? n : nil }
            n += 1
        }
        return nil
    }

    /// The string's bytes up to `limit` of them, and whether it is longer. Costs at most `limit`.
    package func bytes(at offset: Int, limit: Int = .max) -> (bytes: UnsafeRawBufferPointer, cut: Bool) {
        precondition(holdsString(at: offset))
        let p = file.bytes.baseAddress! + start + offset
        // One byte past the limit tells a string of exactly `limit` bytes from a longer one.
        let scan = min(limit == .max ? limit : limit + 1, terminatedBelow - offset)
        if let nul = memchr(p, 0, scan) {
            return (UnsafeRawBufferPointer(start: p, count: UnsafeRawPointer(nul) - p), false)
        }
        return (UnsafeRawBufferPointer(start: p, count: min(limit, scan)), true)
    }

    /// The whole string: costs its length, for the one name an answer or an error needs.
    package func string(at offset: Int) -> String {
        String(decoding: bytes(at: offset).bytes, as: UTF8.self)
    }

    /// The string for listings: at most `shownLimit` bytes, then "…".
    package func shown(at offset: Int) -> String {
        let (b, cut) = bytes(at: offset, limit: Self.shownLimit)
        return String(decoding: b, as: UTF8.self) + (cut ? "…" : "")
    }

    /// True when the string at `offset` is `name`; costs at most name's length plus one.
    package func matches(at offset: Int, _ name: some Collection<UInt8>) -> Bool {
        let (b, cut) = bytes(at: offset, limit: name.count)
        return !cut && b.count == name.count && b.elementsEqual(name)
    }
}
