/// The output formats of `kimage pagetables`.
package enum PageTablesFormat: String, Sendable, CaseIterable {
    case bin, nasm, gas, c, json, summary

    /// Whether the output holds physical table addresses baked in from `--base`
    /// (nasm and gas use label arithmetic instead).
    package var bakesInBase: Bool { self == .bin || self == .c }
}

extension PageTables {
    /// The output in `format` (`linkOffset`: what to subtract from a label's address to get its
    /// physical address, for nasm and gas).
    package func emit(_ format: PageTablesFormat, linkOffset: UInt64 = 0, symbolPrefix: String = "kimage_pt") -> [UInt8] {
        switch format {
        case .bin: return bytes
        case .nasm: return Array(AssemblyEmitter(tables: self, dialect: .nasm, linkOffset: linkOffset, prefix: symbolPrefix).text().utf8)
        case .gas: return Array(AssemblyEmitter(tables: self, dialect: .gas, linkOffset: linkOffset, prefix: symbolPrefix).text().utf8)
        case .c: return Array(CEmitter(tables: self, prefix: symbolPrefix).text().utf8)
        case .json: return Array(JSONEmitter(tables: self).text().utf8)
        case .summary: return Array(SummaryEmitter(tables: self).text().utf8)
        }
    }

    /// The names of the declared bits (`PageTableEntry.fields`, e.g. "P|RW|PS|XD") an entry at
    /// `depth` sets, low to high: bit 7 is PAT in a 4 KiB PTE, bit 12 PAT only in a large leaf
    /// (an address bit elsewhere), XD only where the mode has it.
    func bitNames(_ raw: UInt64, depth: Int, fields: [PageTableEntry.Field] = PageTableEntry.fields) -> String {
        let isPT = depth == mode.levels - 1
        let largeLeaf = !isPT && !(mode == .pae && depth == 0) && raw & PageTableEntry.bitPS != 0
        let patName = fields.first { $0.mask == PageTableEntry.bitPATLarge }?.name ?? "PAT"
        var names: [String] = []
        for field in fields where raw & field.mask != 0 {
            switch field.mask {
            case PageTableEntry.bitPS: names.append(isPT ? patName : field.name)
            case PageTableEntry.bitPATLarge: if largeLeaf { names.append(field.name) }
            case PageTableEntry.bitXD: if mode.hasNoExecute { names.append(field.name) }
            default: names.append(field.name)
            }
        }
        return names.joined(separator: "|")
    }

    /// A comment for one non-empty entry: what it points at or maps.
    func describe(table t: Int, index i: Int, raw: UInt64, label: (Int) -> String) -> String {
        let depth = tableDepths[t]
        let name = "\(mode.tableNames[depth])[\(i)]"
        if let target = pointerTarget(table: t, index: i) {
            let what = (t == 0 && i == recursiveSlot) ? "recursive: the \(mode.tableNames[0]) itself" : mode.tableNames[tableDepths[target]]
            return "\(name) -> \(label(target)) (\(what)), \(bitNames(raw, depth: depth))"
        }
        let size = depth == mode.levels - 1 ? PageSize.size4K : mode.coverage(atDepth: depth)
        let address = raw & (mode.physicalLimit - 1) & ~(size - 1)
        return "\(name) \(PageSize.name(size)) page at \(hex(address)), \(bitNames(raw, depth: depth))"
    }
}
