/// Failures building or reading a boot-protocol image.
public enum BootImageError: Error, CustomStringConvertible, Sendable, Equatable {
    case headerTruncated(path: String, size: UInt64, needed: UInt64)

    public var description: String {
        switch self {
        case .headerTruncated(let path, let size, let needed):
            return "\(path) is \(size) bytes, too short to hold a boot-protocol header (it ends at \(hex(needed))); expected a boot image of at least \(needed) bytes: rebuild it with kimage pack"
        }
    }
}
