/// The tables and mappings as JSON: addresses as "0x..." strings (JSON numbers lose 64-bit
/// precision in most readers), keys in a fixed order.
struct JSONEmitter {
    let tables: PageTables

    func text() -> String {
        let mode = tables.mode
        func q(_ s: String) -> String { "\"\(s)\"" }
        func flagsJSON(_ f: MappingFlags) -> String {
            "{\"writable\": \(f.writable), \"executable\": \(f.executable), \"user\": \(f.user), \"global\": \(f.global), \"cache\": \(q(f.cache.rawValue))}"
        }
        var out = "{\n"
        out += "  \"mode\": \(q(mode.rawValue)),\n"
        out += "  \"base\": \(q(hex(tables.base))),\n"
        out += "  \"cr3\": \(q(hex(tables.cr3))),\n"
        out += "  \"tableCount\": \(tables.tableCount),\n"
        out += "  \"bytes\": \(tables.byteCount),\n"
        out += "  \"recursiveSlot\": \(tables.recursiveSlot.map(String.init) ?? "null"),\n"
        out += "  \"mappings\": [\n"
        out += tables.mappings.map {
            "    {\"virtual\": \(q(hex($0.virtualStart))), \"physical\": \(q(hex($0.physicalStart))), \"size\": \(q(hex($0.size))), \"flags\": \(flagsJSON($0.flags))}"
        }.joined(separator: ",\n")
        out += "\n  ],\n  \"runs\": [\n"
        out += tables.runs.map {
            "    {\"virtual\": \(q(hex($0.virtualStart))), \"physical\": \(q(hex($0.physicalStart))), \"size\": \(q(hex($0.size))), \"pageSize\": \(q(PageSize.name($0.pageSize))), \"flags\": \(flagsJSON($0.flags))}"
        }.joined(separator: ",\n")
        out += "\n  ],\n  \"tables\": [\n"
        var tableTexts: [String] = []
        for t in 0..<tables.tableCount {
            var entries: [String] = []
            for i in 0..<mode.entriesPerTable {
                let raw = tables.entry(table: t, index: i)
                if raw != 0 { entries.append("{\"index\": \(i), \"value\": \(q(hex(raw, digits: mode.entrySize * 2)))}") }
            }
            tableTexts.append("    {\"index\": \(t), \"level\": \(q(mode.tableNames[tables.tableDepths[t]])), \"address\": \(q(hex(tables.address(ofTable: t)))), \"entries\": [\n      "
                + entries.joined(separator: ",\n      ") + "\n    ]}")
        }
        out += tableTexts.joined(separator: ",\n")
        out += "\n  ]\n}\n"
        return out
    }
}
