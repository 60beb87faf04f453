#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where something was written: a file and a 1-based line. Printed as `file:line`, the form
/// editors and compilers use.
package struct FileLocation: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    package let file: String
    package let line: Int

    package init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    package var description: String { "\(file):\(line)" }
}

/// Every call to `source` must land in `destination`. Both are linker symbol names.
package struct Redirect: Sendable, Equatable, Hashable {
    /// The function whose calls are taken over (`runtime.sysReserve`).
    package let source: String
    /// The function that receives them (`github.com/achilleasa/gopher-os/kernel/mm.sysReserve`).
    package let destination: String
    /// The annotation or manifest line that asked for it.
    package let origin: FileLocation

    package init(source: String, destination: String, origin: FileLocation) {
        self.source = source
        self.destination = destination
        self.origin = origin
    }
}

extension String {
    /// Byte-wise UTF-8 order: the same on every platform and locale, like `LC_ALL=C sort`.
    /// One memcmp over the contiguous bytes: the generic element-by-element walk was a visible
    /// part of redirect's profile (its sorts of names).
    func utf8Precedes(_ other: String) -> Bool {
        var a = self, b = other
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let common = min(x.count, y.count)
                let order = common == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, common)
                return order != 0 ? order < 0 : x.count < y.count
            }
        }
    }
}
