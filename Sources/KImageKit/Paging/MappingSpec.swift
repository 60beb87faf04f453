/// The CLI's mapping declarations, shared by `pagetables` and `pack`:
/// `--identity START+SIZE[:FLAGS]`, `--map VIRT=PHYS+SIZE[:FLAGS]`,
/// `--higher-half OFFSET+SIZE[:FLAGS]` (maps OFFSET+p to p for p below SIZE).
package enum MappingSpec {
    package enum Kind: String, Sendable {
        case identity = "--identity"
        case map = "--map"
        case higherHalf = "--higher-half"

        var expected: String {
            switch self {
            case .identity: return "START+SIZE[:FLAGS], e.g. 0+8M or 0xB8000+4K:rw,uc"
            case .map: return "VIRT=PHYS+SIZE[:FLAGS], e.g. 0xFFFF_FFFF_8000_0000=0+128M:rwx"
            case .higherHalf: return "OFFSET+SIZE[:FLAGS], e.g. 0xFFFF800000000000+8M"
            }
        }
    }

    package static func parse(_ text: String, as kind: Kind) throws -> Mapping {
        func fail() -> PagingError { .invalidMappingSpec(option: kind.rawValue, text: text, expected: kind.expected) }
        var spec = Substring(text)
        var flags = MappingFlags.default
        if let colon = spec.firstIndex(of: ":") {
            flags = try MappingFlags(parsing: String(spec[spec.index(after: colon)...]))
            spec = spec[..<colon]
        }
        let plusParts = spec.split(separator: "+", omittingEmptySubsequences: false)
        guard plusParts.count == 2, !plusParts[1].isEmpty else { throw fail() }
        let size = try AddressParser.parse(String(plusParts[1]))
        switch kind {
        case .identity:
            let start = try AddressParser.parse(String(plusParts[0]))
            return Mapping(virtualStart: start, physicalStart: start, size: size, flags: flags)
        case .higherHalf:
            let offset = try AddressParser.parse(String(plusParts[0]))
            return Mapping(virtualStart: offset, physicalStart: 0, size: size, flags: flags)
        case .map:
            let eq = plusParts[0].split(separator: "=", omittingEmptySubsequences: false)
            guard eq.count == 2, !eq[0].isEmpty, !eq[1].isEmpty else { throw fail() }
            return Mapping(virtualStart: try AddressParser.parse(String(eq[0])),
                           physicalStart: try AddressParser.parse(String(eq[1])), size: size, flags: flags)
        }
    }
}
