/// Looks redirect names up in a kernel's symbol table: one pass over the table keeping only the
/// wanted names, then a dictionary lookup per name (a Go kernel has ~200,000 symbols).
public struct SymbolResolver {
    public let elf: ELFFile
    /// Every definition of each wanted name (undefined, file and section symbols left out).
    public let definitions: [String: [ELFSymbol]]

    public init(elf: ELFFile, names: Set<String>) throws {
        self.elf = elf
        var found: [String: [ELFSymbol]] = [:]
        for (name, symbols) in try elf.definedSymbols(named: names) {
            // The same definition listed twice (an alias the linker repeats) is one definition.
            var unique: [ELFSymbol] = []
            for s in symbols where !unique.contains(where: { Self.sameDefinition($0, s) }) { unique.append(s) }
            found[name] = unique
        }
        definitions = found
    }

    static func sameDefinition(_ a: ELFSymbol, _ b: ELFSymbol) -> Bool {
        a.value == b.value && a.size == b.size && a.kind == b.kind && a.sectionIndex == b.sectionIndex
    }

    /// How a symbol is described in an error: `#12 0x1000 (32 bytes, FUNC, LOCAL) in .text`.
    public func describe(_ s: ELFSymbol) -> String {
        let binding = ["LOCAL", "GLOBAL", "WEAK"].indices.contains(Int(s.binding)) ? ["LOCAL", "GLOBAL", "WEAK"][Int(s.binding)] : "binding \(s.binding)"
        return "symbol #\(s.index) at \(hex(s.value)) (\(s.size) bytes, \(Self.kindName(s.kind)), \(binding)) in \(sectionName(of: s))"
    }

    public func sectionName(of s: ELFSymbol) -> String {
        switch s.sectionIndex {
        case ELFSymbol.absoluteSection: return "no section (SHN_ABS, an absolute value)"
        case 0xFFF2: return "no section (SHN_COMMON)"
        default:
            let i = Int(s.sectionIndex)
            return i < elf.sections.count ? elf.sections[i].name : "section \(i)"
        }
    }

    static func kindName(_ kind: ELFSymbol.Kind) -> String {
        switch kind {
        case .notype: return "NOTYPE"
        case .object: return "OBJECT"
        case .function: return "FUNC"
        case .section: return "SECTION"
        case .file: return "FILE"
        case .common: return "COMMON"
        case .tls: return "TLS"
        case .other: return "another type"
        }
    }

    /// Up to `limit` defined names closest to `name`: same last element in another package
    /// first (Go moves runtime functions), then by edit distance. A second pass, errors only.
    public func suggestions(for name: String, limit: Int = 3) throws -> [String] {
        let wanted = Array(name.utf8)
        let base = Self.lastElement(name)
        let budget = max(2, wanted.count / 3)
        var scored: [(Int, String)] = []
        var seen = Set<String>()
        try elf.forEachSymbol { sym in
            guard sym.isDefined, sym.kind != .file, sym.kind != .section, !sym.name.isEmpty else { return }
            let candidate = Array(sym.name.utf8)
            var score: Int?
            if abs(candidate.count - wanted.count) <= budget,
               let d = editDistance(wanted, candidate, limit: budget) {
                score = d
            }
            if base.count >= 4, Self.lastElement(sym.name).contains(base) {
                score = min(score ?? budget, budget)
            }
            guard let s = score, seen.insert(sym.name).inserted else { return }
            scored.append((s, sym.name))
        }
        return scored.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1.utf8Precedes($1.1) }.prefix(limit).map(\.1)
    }

    static func lastElement(_ name: String) -> String {
        let afterSlash = name.split(separator: "/").last.map(String.init) ?? name
        return afterSlash.split(separator: ".").last.map(String.init) ?? afterSlash
    }

    /// The symbol that starts after `s` and before `end` in the same section (what a too-long
    /// trampoline would overwrite). A second pass, errors only.
    func firstSymbol(after s: ELFSymbol, before end: UInt64) throws -> ELFSymbol? {
        var best: ELFSymbol?
        try elf.forEachSymbol { sym in
            guard sym.isDefined, sym.sectionIndex == s.sectionIndex, sym.kind != .file, sym.kind != .section,
                  !sym.name.isEmpty, sym.value > s.value, sym.value < end else { return }
            if best == nil || sym.value < best!.value { best = sym }
        }
        return best
    }
}
