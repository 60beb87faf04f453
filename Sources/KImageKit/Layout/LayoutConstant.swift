/// A named value a format fixes (a magic, a version, a flag bit, an enum value), emitted as a C
/// `#define` and a nasm `equ` beside the structures that use it.
package struct LayoutConstant: Sendable, Equatable {
    package let name: String
    package let value: UInt64
    /// Written as hex (magics, masks) rather than decimal (counts, versions).
    package let isHex: Bool
    package let meaning: String
    /// The nasm name when it differs from the C one.
    package let nasmName: String?

    package init(_ name: String, _ value: UInt64, hex isHex: Bool = false, nasm nasmName: String? = nil, _ meaning: String = "") {
        self.name = name
        self.value = value
        self.isHex = isHex
        self.meaning = meaning
        self.nasmName = nasmName
    }

    package static func hex(_ name: String, _ value: UInt64, nasm: String? = nil, _ meaning: String = "") -> LayoutConstant {
        LayoutConstant(name, value, hex: true, nasm: nasm, meaning)
    }

    var valueText: String { isHex ? "0x" + String(value, radix: 16, uppercase: true).leftPadded(8) : String(value) }
}
