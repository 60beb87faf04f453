/// One line per contiguous run (virtual range, physical range, page size, flags), then the
/// tables' count and bytes and what the kernel must enable for them.
struct SummaryEmitter {
    let tables: PageTables

    /// What the tables need from the CPU and the kernel, as sentences.
    static func notes(for tables: PageTables) -> [String] {
        let mode = tables.mode
        var notes: [String] = []
        let runs = tables.runs
        if mode == .bits32 {
            if runs.contains(where: { !$0.flags.executable }) {
                notes.append("mode 32 has no NX bit: ranges mapped without x are still executable.")
            }
            if runs.contains(where: { $0.pageSize == PageSize.size4M }) { notes.append("4M pages need CR4.PSE=1.") }
        }
        if mode.hasNoExecute && runs.contains(where: { !$0.flags.executable }) {
            notes.append("entries use XD (bit 63): set EFER.NXE before loading CR3.")
        }
        if runs.contains(where: { $0.pageSize == PageSize.size1G }) {
            notes.append("1G pages need CPUID 80000001h EDX[26] (Page1GB).")
        }
        if runs.contains(where: { $0.flags.global }) { notes.append("global pages need CR4.PGE=1.") }
        if runs.contains(where: { !$0.flags.writable }) { notes.append("read-only binds supervisor code only with CR0.WP=1.") }
        if mode == .fiveLevel { notes.append("5-level paging needs CR4.LA57=1 (set before entering long mode).") }
        return notes
    }

    func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : padded(s, width)
    }

    func text() -> String {
        let mode = tables.mode
        let digits = mode.virtualBits > 32 ? 16 : 8
        let pdigits = mode.physicalBits > 32 ? 12 : 8
        var out = "mode \(mode.rawValue), base \(hex(tables.base)), CR3 \(hex(tables.cr3))\n"
        out += "virtual [start, end)                    physical [start, end)          page  flags\n"
        for r in tables.runs {
            let v = "\(hex(r.virtualStart, digits: digits))-\(hexEnd(start: r.virtualStart, size: r.size, digits: digits))"
            let p = "\(hex(r.physicalStart, digits: pdigits))-\(hex(r.physicalStart + r.size, digits: pdigits))"
            let page = PageSize.name(r.pageSize)
            var row = pad(v, 40)
            row += pad(p, 31)
            row += pad(page, 6)
            row += r.flags.description
            out += row + "\n"
        }
        if let slot = tables.recursiveSlot {
            let start = mode.canonicalize(UInt64(slot) << UInt64(mode.shift(atDepth: 0)))
            var selfAddress = start
            for d in 1..<mode.levels { selfAddress |= UInt64(slot) << UInt64(mode.shift(atDepth: d)) }
            out += "recursive slot \(mode.tableNames[0])[\(slot)]: tables visible in the \(PageSize.describe(mode.coverage(atDepth: 0))) from \(hex(start, digits: digits)), the \(mode.tableNames[0]) itself at \(hex(selfAddress, digits: digits))\n"
        }
        let kib = tables.byteCount / 1024
        out += "\(tables.tableCount) table\(tables.tableCount == 1 ? "" : "s"), \(tables.byteCount) bytes (\(kib) KiB)"
        var perLevel: [String] = []
        for d in 0..<mode.levels {
            let n = tables.tableDepths.filter { $0 == d }.count
            if n > 0 { perLevel.append("\(n) \(mode.tableNames[d])") }
        }
        out += ": " + perLevel.joined(separator: ", ") + "\n"
        for note in Self.notes(for: tables) { out += "note: \(note)\n" }
        return out
    }
}
