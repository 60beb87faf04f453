/// Where something was written: a file and a 1-based line. Printed as `file:line`, the form
/// editors and compilers use.
public struct FileLocation: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public let file: String
    public let line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public var description: String { "\(file):\(line)" }
}

/// Every call to `source` must land in `destination`. Both are linker symbol names.
public struct Redirect: Sendable, Equatable, Hashable {
    /// The function whose calls are taken over (`runtime.sysReserve`).
    public let source: String
    /// The function that receives them (`github.com/achilleasa/gopher-os/kernel/mm.sysReserve`).
    public let destination: String
    /// The annotation or manifest line that asked for it.
    public let origin: FileLocation

    public init(source: String, destination: String, origin: FileLocation) {
        self.source = source
        self.destination = destination
        self.origin = origin
    }
}

extension String {
    /// Byte-wise UTF-8 order: the same on every platform and locale, like `LC_ALL=C sort`.
    func utf8Precedes(_ other: String) -> Bool {
        utf8.lexicographicallyPrecedes(other.utf8)
    }
}
