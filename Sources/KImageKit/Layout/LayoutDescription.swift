/// What a layout says about itself, without the Swift bindings: enough to list it (`inspect`)
/// and to write it down for C and nasm (`LayoutEmitter`).
package struct LayoutDescription: Sendable, Equatable {
    /// `struct <cName>` in C.
    package let cName: String
    /// Prefix of the nasm offset names, e.g. "KIMAGE_BI_" gives KIMAGE_BI_CR3.
    package let nasmPrefix: String
    /// Bytes of the fixed part (a trailing flexible array adds to it at run time).
    package let size: Int
    /// The nasm name for `size`, when the stubs need it (e.g. "STEP_SIZE").
    package let sizeName: String?
    /// A comment above the structure.
    package let doc: String
    package let fields: [LayoutField]

    package func field(named name: String) -> LayoutField? { fields.first { $0.name == name } }

    package func nasmName(of field: LayoutField) -> String { nasmPrefix + field.name.uppercased() }

    /// Overlapping fields, fields out of order or past `size`: a declaration with any of these is
    /// a programming error caught when the layout is built.
    package var problems: [String] {
        var result: [String] = []
        var next = 0
        for f in fields {
            if f.offset < next { result.append("\(f.name) at \(hex(f.offset)) overlaps the field before it (ends at \(hex(next)))") }
            if ![1, 2, 4, 8].contains(f.width) && f.cType == nil { result.append("\(f.name) is \(f.width) bytes wide") }
            next = f.offset + f.size
        }
        if next > size && fields.last?.count != 0 { result.append("fields end at \(hex(next)), past the size \(hex(size))") }
        return result
    }
}
