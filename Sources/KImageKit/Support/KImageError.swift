/// Every failure kimage reports. One case per area, each carrying that area's own enum with a case
/// per failure, so an area can grow its failures without touching the others; `description` is
/// the message users see: what was found, what was expected, what to do.
package enum KImageError: Error, CustomStringConvertible, Sendable, Equatable {
    case file(FileError)
    case elf(ELFError)
    case redirect(RedirectError)
    case paging(PagingError)
    case bootImage(BootImageError)
    case inspect(InspectError)
    case config(ConfigError)
    case esp(ESPError)
    case link(LinkError)
    case compression(CompressionError)

    package var description: String {
        switch self {
        case .file(let e): return e.description
        case .elf(let e): return e.description
        case .redirect(let e): return e.description
        case .paging(let e): return e.description
        case .bootImage(let e): return e.description
        case .inspect(let e): return e.description
        case .config(let e): return e.description
        case .esp(let e): return e.description
        case .link(let e): return e.description
        case .compression(let e): return e.description
        }
    }
}
