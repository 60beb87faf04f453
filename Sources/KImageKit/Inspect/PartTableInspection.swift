/// The part table kimage pack writes after an own 32-bit setup (`--setup32`), read back for
/// `inspect`: where the kernel and loader ELFs lie. Found by its "KPRT" magic at a 16-byte
/// boundary in the first 64 KiB of the protected-mode part, as the setup itself finds it.
package struct PartTableInspection: Sendable {
    package struct Part: Sendable, Equatable {
        package let name: String
        package let partOffset: UInt64
        package let fileOffset: UInt64
        package let physical: UInt64
        package let size: UInt64
        package let isELF: Bool
    }

    /// File offset of the table.
    package let offset: UInt64
    package let parts: [Part]
    package let warnings: [String]

    init?(raw: UnsafeRawBufferPointer, protectedModeOffset pm: Int) {
        var found: (Int, PartTable)?
        var at = pm
        while at < min(raw.count, pm + 0x10000) {
            if raw.loadLE(UInt32.self, at: at) == PartTable.magic, let table = PartTable(decoding: raw, at: at) {
                found = (at, table)
                break
            }
            at += 16
        }
        guard let (tableAt, table) = found else { return nil }
        offset = UInt64(tableAt)
        var parts: [Part] = []
        var warnings: [String] = []
        for p in table.parts {
            let name = p.kind == .kernelELF ? "kernel ELF" : "loader ELF"
            let file = UInt64(pm) + UInt64(p.offset)
            guard file + UInt64(p.size) <= UInt64(raw.count) else {
                warnings.append("the part table places the \(name) at part offset \(hex(p.offset)) (\(p.size) bytes), past the end of the file")
                continue
            }
            let isELF = raw.loadLE(UInt32.self, at: Int(file)) == 0x464C_457F
            if !isELF { warnings.append("the \(name) at file offset \(hex(file)) does not start with the ELF magic") }
            parts.append(Part(name: name, partOffset: UInt64(p.offset), fileOffset: file, physical: BootImageLayout.loadAddress + UInt64(p.offset),
                              size: UInt64(p.size), isELF: isELF))
        }
        self.parts = parts
        self.warnings = warnings
    }

    package func text() -> String {
        var out = "kimage part table (file offset \(hex(offset))), for the image's own 32-bit setup:\n"
        for p in parts {
            out += "  \(p.name): \(HumanSize.text(p.size)) at part offset \(hex(p.partOffset)) = \(fullHex(p.physical, bits: 32)) (file offset \(hex(p.fileOffset)))\(p.isELF ? ", starts with 7f 45 4c 46" : "")\n"
        }
        if !warnings.isEmpty { out += warningText(warnings) }
        return out
    }

    package func json() -> JSONValue {
        .object([
            ("offset", .address(offset)),
            ("parts", .array(parts.map { p in
                .object([("name", .string(p.name)), ("partOffset", .address(p.partOffset)), ("physical", .address(p.physical)),
                         ("fileOffset", .address(p.fileOffset)), ("size", .address(p.size)), ("isELF", .bool(p.isELF))])
            })),
            ("warnings", .array(warnings.map { .string($0) })),
        ])
    }
}
