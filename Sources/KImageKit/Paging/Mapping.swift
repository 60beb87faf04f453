/// A virtual range mapped onto a physical range with one set of flags.
package struct Mapping: Sendable, Equatable, Hashable, CustomStringConvertible {
    package var virtualStart: UInt64
    package var physicalStart: UInt64
    package var size: UInt64
    package var flags: MappingFlags

    package init(virtualStart: UInt64, physicalStart: UInt64, size: UInt64, flags: MappingFlags = .default) {
        self.virtualStart = virtualStart
        self.physicalStart = physicalStart
        self.size = size
        self.flags = flags
    }

    /// One past the last virtual byte (wraps to 0 for a range ending at 2^64).
    package var virtualEnd: UInt64 { virtualStart &+ size }
    package var physicalEnd: UInt64 { physicalStart &+ size }
    /// The last virtual byte, which never overflows.
    package var virtualLast: UInt64 { virtualStart &+ (size &- 1) }

    /// va - pa (mod 2^64): mappings with the same delta translate the same way.
    package var delta: UInt64 { virtualStart &- physicalStart }

    /// `virt 0x...-0x... -> phys 0x...-0x... rwx` (end exclusive), the way errors name a mapping.
    package var description: String {
        "virt \(hex(virtualStart, digits: 8))-\(hexEnd(start: virtualStart, size: size, digits: 8)) -> phys \(hex(physicalStart, digits: 8))-\(hex(physicalEnd, digits: 8)) \(flags)"
    }

    /// Whether the two virtual ranges share a byte.
    package func overlaps(_ other: Mapping) -> Bool {
        virtualStart <= other.virtualLast && other.virtualStart <= virtualLast
    }

    /// Sorts by virtual address and joins neighbours and overlaps that translate the same way
    /// with the same flags: the canonical form both the builder and the walker produce.
    package static func coalesced(_ mappings: [Mapping]) -> [Mapping] {
        let sorted = mappings.filter { $0.size > 0 }.sorted { $0.virtualStart < $1.virtualStart }
        var out: [Mapping] = []
        for m in sorted {
            if var last = out.last, last.delta == m.delta, last.flags == m.flags,
               last.virtualLast == .max || m.virtualStart <= last.virtualLast + 1 {
                // Sizes are page multiples, so a range ending at 2^64 (size 2^64 - start) still fits.
                let end = max(last.virtualLast, m.virtualLast)
                last.size = end &- last.virtualStart &+ 1
                out[out.count - 1] = last
            } else {
                out.append(m)
            }
        }
        return out
    }
}
