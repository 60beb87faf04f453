/// Numbers as kernel developers write them: `0x` hex, decimal, `_` separators
/// (`FFFF_FFFF_8000_0000`, `0xFFFF_FFFF_8000_0000`), and K, M, G (KiB, MiB, GiB) suffixes.
/// Without `0x` a number is decimal unless it holds a hex letter (A-F); digits-only numbers
/// in 4-digit `_` groups (`1000_0000`) are refused as ambiguous.
package enum AddressParser {
    package static func parse(_ text: String) throws -> UInt64 {
        func fail(_ why: String) -> PagingError { .invalidNumber(text: text, detail: why) }
        var body = Substring(text.trimmingWhitespace())
        guard !body.isEmpty else { throw fail("it is empty") }
        var multiplier: UInt64 = 1
        let suffixes: [(String, UInt64)] = [("KIB", 1 << 10), ("MIB", 1 << 20), ("GIB", 1 << 30),
                                            ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30)]
        let upper = body.uppercased()
        for (suffix, value) in suffixes where upper.hasSuffix(suffix) {
            multiplier = value
            body = body.dropLast(suffix.count)
            break
        }
        var radix = 10
        if body.hasPrefix("0x") || body.hasPrefix("0X") {
            radix = 16
            body = body.dropFirst(2)
        } else if body.contains(where: { "abcdefABCDEF".contains($0) }) {
            radix = 16
        } else if body.contains("_") {
            let groups = body.split(separator: "_", omittingEmptySubsequences: false)
            if groups.count > 1 && groups.dropFirst().allSatisfy({ $0.count == 4 }) {
                throw PagingError.ambiguousNumber(text)
            }
        }
        if body.hasPrefix("_") || body.hasSuffix("_") || body.contains("__") {
            throw fail("`_` may only separate digits")
        }
        let digits = body.filter { $0 != "_" }
        guard !digits.isEmpty else { throw fail("it has no digits") }
        guard let value = UInt64(digits, radix: radix) else {
            if digits.allSatisfy({ $0.isHexDigit }) { throw fail("it does not fit in 64 bits") }
            throw fail("it has characters that are not \(radix == 16 ? "hex " : "")digits")
        }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        if overflow { throw fail("it does not fit in 64 bits") }
        return product
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
