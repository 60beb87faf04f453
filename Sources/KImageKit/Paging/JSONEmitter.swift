/// The tables and mappings as JSON through the one JSON writer: addresses as "0x..." strings
/// (JSON numbers lose 64-bit precision in most readers), keys in a fixed order.
struct JSONEmitter {
    /// `pagetables --format json`'s schema number: it goes up when a key changes meaning or goes away.
    static let schemaVersion = 1

    let tables: PageTables

    func text() -> String {
        let mode = tables.mode
        func flags(_ f: MappingFlags) -> JSONValue {
            .object([("writable", .bool(f.writable)), ("executable", .bool(f.executable)), ("user", .bool(f.user)),
                     ("global", .bool(f.global)), ("cache", .string(f.cache.rawValue))])
        }
        let tableList: [JSONValue] = (0..<tables.tableCount).map { t in
            let entries: [JSONValue] = (0..<mode.entriesPerTable).compactMap { i in
                let raw = tables.entry(table: t, index: i)
                return raw == 0 ? nil : .row([("index", .int(i)), ("value", .string(hex(raw, digits: mode.entrySize * 2)))])
            }
            return .object([("index", .int(t)), ("level", .string(mode.tableNames[tables.tableDepths[t]])),
                            ("address", .address(tables.address(ofTable: t))), ("entries", .array(entries))])
        }
        return JSONValue.object([
            ("schema", .int(JSONEmitter.schemaVersion)),
            ("mode", .string(mode.rawValue)),
            ("base", .address(tables.base)),
            ("cr3", .address(tables.cr3)),
            ("tableCount", .int(tables.tableCount)),
            ("bytes", .address(UInt64(tables.byteCount))),
            ("recursiveSlot", tables.recursiveSlot.map { .int($0) } ?? .null),
            ("mappings", .array(tables.mappings.map {
                .row([("virtual", .address($0.virtualStart)), ("physical", .address($0.physicalStart)), ("size", .address($0.size)),
                      ("flags", flags($0.flags))])
            })),
            ("runs", .array(tables.runs.map {
                .row([("virtual", .address($0.virtualStart)), ("physical", .address($0.physicalStart)), ("size", .address($0.size)),
                      ("pageSize", .string(PageSize.name($0.pageSize))), ("flags", flags($0.flags))])
            })),
            ("tables", .array(tableList)),
        ]).rendered() + "\n"
    }
}
