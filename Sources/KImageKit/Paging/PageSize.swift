/// Page sizes by name.
package enum PageSize {
    package static let size4K: UInt64 = 0x1000
    package static let size2M: UInt64 = 0x20_0000
    package static let size4M: UInt64 = 0x40_0000
    package static let size1G: UInt64 = 0x4000_0000

    /// "4K", "2M", "4M", "1G".
    package static func name(_ size: UInt64) -> String {
        switch size {
        case size4K: return "4K"
        case size2M: return "2M"
        case size4M: return "4M"
        case size1G: return "1G"
        default: return hex(size)
        }
    }

    /// "4 MiB", "512 GiB", "256 TiB".
    package static func describe(_ size: UInt64) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var v = size, u = 0
        while v >= 1024 && v % 1024 == 0 && u < units.count - 1 { v /= 1024; u += 1 }
        return "\(v) \(units[u])"
    }

    /// Parses 4K, 2M, 4M, 1G (also 4KiB, 4096, 0x200000).
    package static func parse(_ text: String) throws -> UInt64 {
        guard let value = try? AddressParser.parse(text),
              [size4K, size2M, size4M, size1G].contains(value) else {
            throw PagingError.unknownPageSize(text)
        }
        return value
    }
}
