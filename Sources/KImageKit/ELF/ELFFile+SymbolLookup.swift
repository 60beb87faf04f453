#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ELFFile {
    /// The defined symbols named in `names`, in one pass over the symbol table that decodes no
    /// other name: names are compared as bytes (length first, then a hash), so a 200,000-symbol
    /// kernel costs no String per symbol. File and section symbols are left out.
    package func definedSymbols(named names: Set<String>) throws -> [String: [ELFSymbol]] {
        let table = try ELFSymbolTable(self)
        // The wanted names' bytes, in one buffer the keys point into while the walk runs.
        let wanted = names.map { Array($0.utf8) }
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, wanted.reduce(0) { $0 + $1.count }), alignment: 1)
        defer { storage.deallocate() }
        var lookup: [NameKey: String] = [:]
        lookup.reserveCapacity(wanted.count)
        var lengths = Set<Int>()
        var at = 0
        for (bytes, name) in zip(wanted, names) {
            bytes.withUnsafeBytes { src in
                if !src.isEmpty { UnsafeMutableRawBufferPointer(rebasing: storage[at..<at + src.count]).copyMemory(from: src) }
            }
            lookup[NameKey(bytes: UnsafeRawBufferPointer(rebasing: storage[at..<at + bytes.count]))] = name
            lengths.insert(bytes.count)
            at += bytes.count
        }
        let maxLength = lengths.max() ?? 0
        var lengthWanted = [Bool](repeating: false, count: maxLength + 1)
        for l in lengths { lengthWanted[l] = true }

        let strings = bytes.baseAddress! + Int(table.strtab.offset)
        let strSize = table.names.size
        var found: [String: [ELFSymbol]] = [:]
        try table.forEachName { i, nameOffset in
            // Only names of a wanted length are looked up; memchr finds the end without a String
            // (the walker made sure there is one), looking no further than the longest wanted.
            let start = strings + nameOffset
            guard let nul = memchr(start, 0, min(strSize - nameOffset, maxLength + 1)) else { return }
            let length = UnsafeRawPointer(nul) - start
            guard lengthWanted[length], let name = lookup[NameKey(bytes: UnsafeRawBufferPointer(start: start, count: length))] else { return }
            let e = table.entry(i, nameOffset: nameOffset)
            if e.isDefined && e.kind != .file && e.kind != .section {
                found[name, default: []].append(ELFSymbol(index: i, name: name, value: e.value, size: e.size, kind: e.kind,
                                                          binding: e.binding, sectionIndex: e.sectionIndex))
            }
        }
        return found
    }
}

/// A name as bytes, hashed and compared without building a String.
private struct NameKey: Hashable {
    let bytes: UnsafeRawBufferPointer

    func hash(into hasher: inout Hasher) {
        hasher.combine(bytes: bytes)
    }

    static func == (a: NameKey, b: NameKey) -> Bool {
        a.bytes.count == b.bytes.count && (a.bytes.isEmpty || memcmp(a.bytes.baseAddress!, b.bytes.baseAddress!, a.bytes.count) == 0)
    }
}
