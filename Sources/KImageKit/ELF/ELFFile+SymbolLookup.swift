#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ELFFile {
    /// The defined symbols named in `names`, in one pass over the symbol table that decodes no
    /// other name: names are compared as bytes (length first, then a hash), so a 200,000-symbol
    /// kernel costs no String per symbol. File and section symbols are left out.
    public func definedSymbols(named names: Set<String>) throws -> [String: [ELFSymbol]] {
        precondition(!file.isPartial, "ELFFile(headersOf:) holds no section contents")
        let symtab = try symbolTableSection()
        let entrySize = elfClass == .elf64 ? 24 : 16
        guard Int(symtab.link) < sections.count else {
            throw KImageError.elf(.malformed(path: path, field: "\(symtab.shownName) sh_link", value: String(symtab.link), detail: "names no section"))
        }
        let strtab = sections[Int(symtab.link)]
        guard strtab.holdsFileBytes else {
            throw KImageError.elf(.malformed(path: path, field: "\(symtab.shownName) sh_link", value: String(symtab.link), detail: "names \(strtab.shownName), which has no file bytes"))
        }
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

        let raw = bytes
        let base = raw.baseAddress!
        let strBase = Int(strtab.offset)
        let strSize = Int(strtab.size)
        let count = Int(symtab.size) / entrySize
        let is64 = elfClass == .elf64
        var found: [String: [ELFSymbol]] = [:]
        var i = 1
        while i < count {
            let e = Int(symtab.offset) + i * entrySize
            let nameOffset = Int(raw.loadLE(UInt32.self, at: e)!)
            guard nameOffset < strSize else {
                throw KImageError.elf(.malformed(path: path, field: "symbol \(i) st_name", value: hex(nameOffset), detail: "points outside its string table \(strtab.shownName) (\(strSize) bytes)"))
            }
            let start = base + strBase + nameOffset
            let limit = strSize - nameOffset
            // Only names of a wanted length are looked up; memchr finds the end without a String.
            guard let nul = memchr(start, 0, min(limit, maxLength + 1)) else {
                if limit <= maxLength {
                    throw KImageError.elf(.malformed(path: path, field: "symbol \(i) st_name", value: hex(nameOffset), detail: "names a string that runs off the end of \(strtab.shownName)"))
                }
                i += 1
                continue
            }
            let length = UnsafeRawPointer(nul) - start
            if lengthWanted[length], let name = lookup[NameKey(bytes: UnsafeRawBufferPointer(start: start, count: length))] {
                let info = raw[e + (is64 ? 4 : 12)]
                let shndx = raw.loadLE(UInt16.self, at: e + (is64 ? 6 : 14))!
                let value = is64 ? raw.loadLE(UInt64.self, at: e + 8)! : UInt64(raw.loadLE(UInt32.self, at: e + 4)!)
                let size = is64 ? raw.loadLE(UInt64.self, at: e + 16)! : UInt64(raw.loadLE(UInt32.self, at: e + 8)!)
                let sym = ELFSymbol(index: i, name: name, value: value, size: size,
                                    kind: ELFSymbol.Kind(rawValue: info & 0xF) ?? .other, binding: info >> 4, sectionIndex: shndx)
                if sym.isDefined && sym.kind != .file && sym.kind != .section {
                    found[name, default: []].append(sym)
                }
            }
            i += 1
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
