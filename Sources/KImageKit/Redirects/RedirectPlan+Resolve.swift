extension RedirectPlan {
    /// Each redirect's source and destination looked up (one pass over the symbol table, then one
    /// lookup each) and checked: defined once, a function in an executable section, a source
    /// long enough for a trampoline and not its own destination, no two trampolines overlapping.
    /// Every problem is collected before one error is thrown. Sorted by source name.
    static func resolve(_ redirects: [Redirect], in elf: ELFFile) throws -> [(Redirect, ELFSymbol, ELFSymbol)] {
        var names = Set<String>()
        for r in redirects { names.insert(r.source); names.insert(r.destination) }
        let resolver = try SymbolResolver(elf: elf, names: names)
        let trampolineSize = Trampoline.size(for: elf.elfClass)
        var problems: [RedirectError] = []
        var resolved: [(Redirect, ELFSymbol, ELFSymbol)] = []
        // Sorted as indices: moving 500 redirects (five strings each) through a merge sort
        // retained and released every string at each move.
        let bySource = redirects.indices.sorted { redirects[$0].source.utf8Precedes(redirects[$1].source) }
        for r in bySource.map({ redirects[$0] }) {
            let src = try lookUp(r.source, .source, r, resolver, &problems)
            let dst = try lookUp(r.destination, .destination, r, resolver, &problems)
            guard let src, let dst else { continue }
            if src.size < UInt64(trampolineSize) {
                let next = problems.count < RedirectError.detailedProblems
                    ? try resolver.firstSymbol(after: src, before: src.value &+ UInt64(trampolineSize)) : nil
                problems.append(.sourceTooSmall(kernel: elf.path, name: r.source, address: src.value, size: src.size, needed: trampolineSize,
                                                next: next.map { "\($0.name) at \(hex($0.value))" }, origin: r.origin))
                continue
            }
            if src.value == dst.value {
                problems.append(.redirectToItself(name: r.source, destination: r.destination, address: src.value, origin: r.origin))
                continue
            }
            resolved.append((r, src, dst))
        }
        if let first = problems.first {
            throw problems.count == 1 ? first : RedirectError.several(problems)
        }
        // Two sources at (nearly) the same address would get overlapping trampolines.
        let addresses = resolved.map(\.1.value)
        let byAddress = addresses.indices.sorted { addresses[$0] < addresses[$1] }.map { resolved[$0] }
        for (a, b) in zip(byAddress, byAddress.dropFirst()) where b.1.value - a.1.value < UInt64(trampolineSize) {
            throw RedirectError.trampolinesOverlap(first: a.0.source, firstAddress: a.1.value, second: b.0.source,
                                                   secondAddress: b.1.value, length: trampolineSize)
        }
        return resolved
    }

    /// The one definition of `name`, when it is a function whose address lies in an allocated,
    /// executable section; else nil, with the problem appended.
    private static func lookUp(_ name: String, _ role: RedirectError.Role, _ r: Redirect, _ resolver: SymbolResolver,
                               _ problems: inout [RedirectError]) throws -> ELFSymbol? {
        let elf = resolver.elf
        let kernel = elf.path
        let defs = resolver.definitions[name] ?? []
        if defs.isEmpty {
            // Each search is a pass over the symbol table: the first few problems get one.
            let search = problems.count < RedirectError.detailedProblems
            problems.append(.symbolNotFound(kernel: kernel, role: role, name: name, origin: r.origin,
                                            suggestions: search ? try resolver.suggestions(for: name) : []))
            return nil
        }
        if defs.count > 1 {
            problems.append(.symbolAmbiguous(kernel: kernel, role: role, name: name, origin: r.origin, count: defs.count, definitions: resolver.describe(defs)))
            return nil
        }
        let s = defs[0]
        if s.kind != .function {
            problems.append(.notAFunction(kernel: kernel, role: role, name: name, origin: r.origin, kind: "\(SymbolResolver.kindName(s.kind)) \(resolver.describe(s))"))
            return nil
        }
        let index = Int(s.sectionIndex)
        guard s.sectionIndex < 0xFF00, index < elf.sections.count, elf.sections[index].isExecutable, elf.sections[index].isAlloc else {
            problems.append(.notInExecutableSection(kernel: kernel, role: role, name: name, origin: r.origin, section: resolver.sectionName(of: s)))
            return nil
        }
        // In a linked kernel a function's address lies in the section it names; one that does
        // not would put a jump (or a trampoline) where no code of that section is.
        let section = elf.sections[index]
        if elf.type != 1, !section.contains(address: s.value) {
            problems.append(.outsideItsSection(kernel: kernel, role: role, name: name, origin: r.origin, address: s.value,
                                               section: section.shownName, start: section.address, end: section.address &+ section.size))
            return nil
        }
        return s
    }
}
