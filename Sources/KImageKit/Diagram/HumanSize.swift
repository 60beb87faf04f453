/// Sizes and addresses in binary units, the way kernel layout documents write them:
/// `4 KiB`, `2 MiB`, `1028 KiB` (exact when a unit divides the value and the count stays short),
/// otherwise two decimals cut, not rounded, so a value just under a unit never reads as the unit
/// (2^64 - 2 GiB is `15.99 EiB`, not `16.00 EiB`).
package enum HumanSize {
    static let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]

    package static func text(_ value: UInt64) -> String {
        if value < 1024 { return "\(value) B" }
        var top = 0
        while top + 1 < units.count && value >> UInt64(10 * (top + 1)) != 0 { top += 1 }
        // The largest unit that divides the value exactly, if the count stays readable.
        for u in stride(from: top, through: 0, by: -1) {
            let shift = UInt64(10 * u)
            if value & ((1 << shift) - 1) == 0 && value >> shift < 10_000 {
                return "\(value >> shift) \(units[u])"
            }
        }
        let shift = UInt64(10 * top)
        let whole = value >> shift
        let fraction = value & ((1 << shift) - 1)
        // fraction * 100 may not fit in 64 bits (EiB): use the full-width product.
        let product = fraction.multipliedFullWidth(by: 100)
        let hundredths = (product.high << (64 - shift)) | (product.low >> shift)
        return "\(whole).\(hundredths < 10 ? "0" : "")\(hundredths) \(units[top])"
    }

    /// The size of a range that may reach the end of the address space: nil end means 2^64.
    package static func text(from start: UInt64, to end: UInt64?) -> String {
        guard let end else {
            // 2^64 - start, which does not fit when start is 0.
            return start == 0 ? "16 EiB" : text(0 &- start)
        }
        return text(end &- start)
    }
}

/// `0x` and every hex digit of an address of `bits` bits: 8 digits for 32-bit spaces and file
/// offsets, 16 for 64-bit ones.
package func fullHex(_ value: UInt64, bits: Int) -> String {
    hex(value, digits: bits / 4)
}

/// "9224 bytes", or "44000 bytes (42.96 KiB)" when the unit says more.
func sizeText(_ bytes: Int) -> String {
    let human = HumanSize.text(UInt64(bytes))
    return human.hasSuffix(" B") ? "\(bytes) bytes" : "\(bytes) bytes (\(human))"
}

/// `warning: ...` lines wrapped at 100 columns, continuations indented under the text.
func warningText(_ warnings: [String]) -> String {
    warnings.map { w in
        let lines = wrap(w, width: BoxDiagram.maxWidth - 9)
        return "warning: " + lines[0] + "\n" + lines.dropFirst().map { "         " + $0 + "\n" }.joined()
    }.joined()
}
