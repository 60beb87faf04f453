/// Looks redirect names up in a kernel's symbol table: one pass over the table keeping only the
/// wanted names, then a dictionary lookup per name (a Go kernel has ~200,000 symbols).
package struct SymbolResolver {
    package let elf: ELFFile
    /// Every definition of each wanted name (undefined, file and section symbols left out).
    package let definitions: [String: [ELFSymbol]]

    package init(elf: ELFFile, names: Set<String>) throws {
        self.elf = elf
        var found: [String: [ELFSymbol]] = [:]
        for (name, symbols) in try elf.definedSymbols(named: names) {
            // The same definition listed twice (an alias the linker repeats) is one definition;
            // a set keeps 300,000 definitions of one name linear.
            var seen = Set<Definition>()
            found[name] = symbols.filter { seen.insert(Definition($0)).inserted }
        }
        definitions = found
    }

    /// What makes two symbols of one name the same definition.
    private struct Definition: Hashable {
        let value: UInt64, size: UInt64, kind: UInt8, sectionIndex: UInt16
        init(_ s: ELFSymbol) { (value, size, kind, sectionIndex) = (s.value, s.size, s.kind.rawValue, s.sectionIndex) }
    }

    /// How many definitions an ambiguity error lists before "and K more".
    package static let listedDefinitions = 10

    /// The first `listedDefinitions` definitions described, then how many more there are: an
    /// error about 300,000 definitions stays one readable line.
    package func describe(_ definitions: [ELFSymbol]) -> [String] {
        let shown = definitions.prefix(Self.listedDefinitions).map(describe)
        let rest = definitions.count - shown.count
        return rest > 0 ? shown + ["and \(rest) more"] : shown
    }

    /// How a symbol is described in an error: `#12 0x1000 (32 bytes, FUNC, LOCAL) in .text`.
    package func describe(_ s: ELFSymbol) -> String {
        let binding = ["LOCAL", "GLOBAL", "WEAK"].indices.contains(Int(s.binding)) ? ["LOCAL", "GLOBAL", "WEAK"][Int(s.binding)] : "binding \(s.binding)"
        return "symbol #\(s.index) at \(hex(s.value)) (\(s.size) bytes, \(Self.kindName(s.kind)), \(binding)) in \(sectionName(of: s))"
    }

    package func sectionName(of s: ELFSymbol) -> String {
        switch s.sectionIndex {
        case ELFSymbol.absoluteSection: return "no section (SHN_ABS, an absolute value)"
        case 0xFFF2: return "no section (SHN_COMMON)"
        default:
            let i = Int(s.sectionIndex)
            return i < elf.sections.count ? elf.sections[i].shownName : "section \(i)"
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

    /// Names longer than this get no edit-distance suggestions, and candidates longer than
    /// `suggestionCandidateLength` are not considered: both keep the search linear in the table.
    package static let suggestionNameLength = 128
    package static let suggestionCandidateLength = 1024
    /// Candidates whose edit distance is computed, at most.
    package static let suggestionCandidates = 4096

    /// Up to `limit` defined names closest to `name`: same last element in another package
    /// first (Go moves runtime functions), then by edit distance. A second pass, errors only.
    /// Bounded: each candidate costs at most its first `suggestionCandidateLength` bytes and a
    /// band of the edit-distance matrix, and at most `suggestionCandidates` are scored.
    package func suggestions(for name: String, limit: Int = 3) throws -> [String] {
        let wanted = Array(name.utf8)
        let base = Array(Self.lastElement(name).utf8)
        let useDistance = wanted.count <= Self.suggestionNameLength
        let budget = max(2, wanted.count / 3)
        var scored: [(Int, String)] = []
        var seen = Set<String>()
        var computed = 0
        try elf.forEachSymbolEntry { sym in
            guard computed < Self.suggestionCandidates, sym.isDefined, sym.kind != .file, sym.kind != .section else { return }
            let (bytes, cut) = sym.nameBytes(limit: Self.suggestionCandidateLength)
            guard !cut, !bytes.isEmpty else { return }
            var score: Int?
            if useDistance, abs(bytes.count - wanted.count) <= budget {
                computed += 1
                score = editDistance(wanted, Array(bytes), limit: budget)
            }
            if base.count >= 4, Self.lastElement(bytes).contains(base) {
                score = min(score ?? budget, budget)
            }
            guard let s = score else { return }
            let candidate = String(decoding: bytes, as: UTF8.self)
            guard seen.insert(candidate).inserted else { return }
            scored.append((s, candidate))
        }
        return scored.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1.utf8Precedes($1.1) }.prefix(limit).map(\.1)
    }

    /// The bytes after the last "/" and then the last ".", as `lastElement(_: String)`.
    static func lastElement(_ name: UnsafeRawBufferPointer) -> ArraySlice<UInt8> {
        let all = ArraySlice(name)
        let afterSlash = all.lastIndex(of: UInt8(ascii: "/")).map { all[($0 + 1)...] } ?? all
        return afterSlash.lastIndex(of: UInt8(ascii: ".")).map { afterSlash[($0 + 1)...] } ?? afterSlash
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
