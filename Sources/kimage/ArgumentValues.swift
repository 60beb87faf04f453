import ArgumentParser
import KImageKit

// How KImageKit's value types read from the command line. A value that does not parse is a usage
// error (exit 64) that lists allValueStrings, which --help and the shell completions show too.

extension PagingMode: ExpressibleByArgument {
    public init?(argument: String) {
        guard let mode = try? PagingMode(parsing: argument) else { return nil }
        self = mode
    }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
    public var defaultValueDescription: String { rawValue }
}

extension PageTablesFormat: ExpressibleByArgument {}
extension KernelArch: ExpressibleByArgument {}
extension KernelLayout: ExpressibleByArgument {}
extension KernelLanguage: ExpressibleByArgument {}
extension RedirectCount.Format: ExpressibleByArgument {}
extension Compression: ExpressibleByArgument {}

extension HandoffRequest: ExpressibleByArgument {
    public init?(argument: String) {
        guard let request = try? HandoffRequest.parse(argument) else { return nil }
        self = request
    }
    public static var allValueStrings: [String] { choices }
    public static var defaultCompletionKind: CompletionKind { .list(choices) }
    public var defaultValueDescription: String {
        switch self {
        case .auto: return "auto"
        case .explicit(let handoff): return handoff.rawValue
        }
    }
}

/// `--page-size`: the page sizes x86 has (4K, 2M, 4M, 1G; also 4096, 0x200000, 2MiB).
enum PageSizeArgument: String, CaseIterable, ExpressibleByArgument {
    case size4K = "4K", size2M = "2M", size4M = "4M", size1G = "1G"

    init?(argument: String) {
        guard let bytes = try? PageSize.parse(argument) else { return nil }
        self.init(rawValue: PageSize.name(bytes))
    }

    var bytes: UInt64 { try! PageSize.parse(rawValue) }
}

/// `--protocol`: the boot-protocol versions whose setup header kimage writes.
enum ProtocolArgument: String, CaseIterable, ExpressibleByArgument {
    case v2_11 = "2.11", v2_12 = "2.12", v2_13 = "2.13"

    init?(argument: String) {
        guard let version = try? PackOptions.parseProtocol(argument) else { return nil }
        self.init(rawValue: "2.\(version & 0xFF)")
    }

    var version: UInt16 { try! PackOptions.parseProtocol(rawValue) }
}

/// A mapping option (`--map`, `--identity`, `--higher-half`): parsed while the command line is,
/// so a malformed one is a usage error naming the option, not a failure of the work.
func mappingArgument(_ kind: MappingSpec.Kind) -> @Sendable (String) throws -> String {
    { text in
        do { _ = try MappingSpec.parse(text, as: kind) } catch let error as any KImageError { throw ValidationError(error.description) }
        return text
    }
}

/// An address or size option (hex with 0x, decimal, `_` separators, K/M/G): a malformed one is a
/// usage error.
@Sendable func addressArgument(_ text: String) throws -> UInt64 {
    do { return try AddressParser.parse(text) } catch let error as any KImageError { throw ValidationError(error.description) }
}
