/// Where a linked kernel keeps its redirect table: a section (`.goredirectstbl`, reserved by rt0
/// in nasm or GNU as), a data symbol's bytes (Go: the Go linker makes no custom sections, so rt0
/// declares `GLOBL ·redirects(SB), NOPTR, $N*16`), or nowhere (`--patch` only, no installer).
package enum RedirectTableLocation: Sendable, Equatable {
    case section(String)
    case symbol(String)
    /// The kernel has no table: only `--patch` trampolines are written.
    case none

    /// What `kimage redirect` uses: `--table-symbol`, else `--section`, else `.goredirectstbl`;
    /// with `--patch` and neither option, a kernel without that section gets trampolines only
    /// (`impliedNone` true: redirect says so).
    package static func choose(section: String?, symbol: String?, patch: Bool, elf: ELFFile) -> (location: Self, impliedNone: Bool) {
        if let symbol { return (.symbol(symbol), false) }
        if let section { return (.section(section), false) }
        if patch && elf.section(named: RedirectTable.defaultSectionName) == nil { return (.none, true) }
        return (.section(RedirectTable.defaultSectionName), false)
    }

    package var isSection: Bool { if case .section = self { return true } else { return false } }
    package var isSymbol: Bool { if case .symbol = self { return true } else { return false } }

    /// How messages and `--json` name the table.
    package var name: String {
        switch self {
        case .section(let name): return name
        case .symbol(let name): return name
        case .none: return ""
        }
    }
}
