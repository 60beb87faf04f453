extension PackReport {
    /// `pack --json`'s schema number: it goes up when a key changes meaning or goes away.
    /// A part's fileOffset is null for what only the plan writes (boot info, page tables).
    package static let jsonSchemaVersion = 1

    /// `pack --json`: the report through the one JSON writer, addresses and sizes as hex strings
    /// (JSON numbers lose 64-bit precision in most readers), keys in a fixed order.
    package func json() -> JSONValue {
        .object([
            ("schema", .int(PackReport.jsonSchemaVersion)),
            ("image", .string(image)),
            ("imageSize", .address(imageSize)),
            ("protocolVersion", .string(protocolVersion)),
            ("setupSects", .int(setupSects)),
            ("syssize", .address(UInt64(syssize))),
            ("initSize", .address(UInt64(initSize))),
            ("pagingMode", .string(pagingMode)),
            ("handoff", handoff.map { .string($0.rawValue) } ?? .null),
            ("handoffReason", .optional(handoffReason)),
            ("entry", .address(entry)),
            ("cr3", .address(cr3)),
            ("tableCount", .int(tableCount)),
            ("bootInfo", .address(bootInfo)),
            ("movedTo", movedTo.map { .address($0) } ?? .null),
            ("stackTop", .address(stackTop)),
            ("firstFree", .address(firstFree)),
            ("segments", .array(segments.map { s in
                .object([("index", .int(s.index)), ("virtualAddress", .address(s.virtualAddress)),
                         ("physicalAddress", .address(s.physicalAddress)), ("fileSize", .address(s.fileSize)),
                         ("memorySize", .address(s.memorySize)), ("flags", .string(s.flags))])
            })),
            ("parts", .array(parts.map { p in
                .object([("name", .string(p.name)), ("fileOffset", p.fileOffset.map { .address($0) } ?? .null), ("size", .address(p.size)),
                         ("physical", .address(p.physical))])
            })),
            ("inputs", .array(inputs.map { .string($0) })),
            ("efiEntry", efiEntry.map { .address($0) } ?? .null),
            ("notes", .array(notes.map { .string($0) })),
            ("warnings", .array(warnings.map { .string($0) })),
        ])
    }
}
