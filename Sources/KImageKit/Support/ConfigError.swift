/// Failures of this area; see KImageError.
public enum ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    case placeholder(String)

    public var description: String {
        switch self {
        case .placeholder(let message): return message
        }
    }
}
