/// What `kimage inspect` recognised a file as.
package enum InspectedKind: String, Sendable, Equatable {
    case elf = "elf"
    case bootImage = "boot-image"
    case pageTables = "page-tables"

    /// ELF magic at 0; else a boot image (0xAA55 at 0x1FE and "HdrS" at 0x202); else a blob.
    package static func recognise(_ bytes: UnsafeRawBufferPointer) -> InspectedKind {
        if bytes.count >= 4 && bytes[0] == 0x7F && bytes[1] == 0x45 && bytes[2] == 0x4C && bytes[3] == 0x46 {
            return .elf
        }
        if bytes.loadLE(UInt16.self, at: 0x1FE) == SetupHeader.bootFlagMagic,
           bytes.loadLE(UInt32.self, at: 0x202) == SetupHeader.headerMagic {
            return .bootImage
        }
        return .pageTables
    }

    var article: String {
        switch self {
        case .elf: return "an ELF file"
        case .bootImage: return "a boot-protocol image"
        case .pageTables: return "a page-table blob"
        }
    }
}

/// The result of inspecting one file: text with box diagrams, or JSON.
package enum InspectReport: Sendable {
    case elf(ELFInspection)
    case bootImage(BootImageInspection)
    case pageTables(PageTableInspection)

    package var kind: InspectedKind {
        switch self {
        case .elf: return .elf
        case .bootImage: return .bootImage
        case .pageTables: return .pageTables
        }
    }

    package var warnings: [String] {
        switch self {
        case .elf(let r): return r.warnings
        case .bootImage(let r): return r.warnings
        case .pageTables(let r): return r.warnings
        }
    }

    package func text(style: BoxDiagram.Style = .ascii) -> String {
        switch self {
        case .elf(let r): return r.text(style: style)
        case .bootImage(let r): return r.text(style: style)
        case .pageTables(let r): return r.text(style: style)
        }
    }

    /// The JSON document the README's `kimage inspect` section describes.
    package func json() -> String {
        let body: (String, JSONValue)
        let path: String, size: Int
        switch self {
        case .elf(let r): body = ("elf", r.json()); path = r.path; size = r.fileSize
        case .bootImage(let r): body = ("bootImage", r.json()); path = r.path; size = r.fileSize
        case .pageTables(let r): body = ("pageTables", r.json()); path = r.path; size = r.fileSize
        }
        let doc = JSONValue.object([
            ("schema", .int(InspectReport.schemaVersion)),
            ("file", .string(path)),
            ("size", .int(size)),
            ("kind", .string(kind.rawValue)),
            ("warnings", .array(warnings.map { .string($0) })),
            body,
        ])
        return doc.rendered() + "\n"
    }

    /// Bumped only when a key changes meaning or disappears; new keys keep it.
    package static let schemaVersion = 1
}

/// `kimage inspect`: recognises the file and decodes it. Never prints; problems in the file that
/// do not stop decoding become warnings in the report.
package enum Inspector {
    package static func inspect(path: String, mode: PagingMode? = nil, base: UInt64? = nil,
                               redirectSection: String = RedirectTable.defaultSectionName) throws -> InspectReport {
        try inspect(file: FileBytes(path: path), mode: mode, base: base, redirectSection: redirectSection)
    }

    package static func inspect(file: FileBytes, mode: PagingMode? = nil, base: UInt64? = nil,
                               redirectSection: String = RedirectTable.defaultSectionName) throws -> InspectReport {
        let kind = InspectedKind.recognise(file.bytes)
        if kind != .pageTables && (mode != nil || base != nil) {
            throw InspectError.pagingOptionsForNonBlob(path: file.path, kind: kind.article)
        }
        switch kind {
        case .elf:
            return .elf(try ELFInspection(file: ELFFile(file: file), redirectSection: redirectSection))
        case .bootImage:
            return .bootImage(try BootImageInspection(file: file))
        case .pageTables:
            guard let mode, let base else {
                let missing = (mode == nil ? ["--mode"] : []) + (base == nil ? ["--base"] : [])
                let first = file.bytes.prefix(4).map { String($0, radix: 16).leftPadded(2) }.joined(separator: " ")
                throw InspectError.needsModeAndBase(path: file.path, missing: missing, firstBytes: first)
            }
            return .pageTables(try PageTableInspection(file: file, mode: mode, base: base))
        }
    }
}
