#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ELFFile {
    /// The defined symbols named in `names`, in one pass over the symbol table that decodes no
    /// other name: names are compared as bytes (a cheap filter, then a hash), so a 200,000-symbol
    /// kernel costs no String per symbol. File and section symbols are left out.
    package func definedSymbols(named names: Set<String>) throws -> [String: [ELFSymbol]] {
        let table = try ELFSymbolTable(self)
        // The wanted names' bytes, in one buffer the keys point into while the walk runs.
        let wanted = names.map { Array($0.utf8) }
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, wanted.reduce(0) { $0 + $1.count }), alignment: 1)
        defer { storage.deallocate() }
        var lookup: [NameKey: String] = [:]
        lookup.reserveCapacity(wanted.count)
        var filter = NameFilter()
        var at = 0
        for (bytes, name) in zip(wanted, names) {
            bytes.withUnsafeBytes { src in
                if !src.isEmpty { UnsafeMutableRawBufferPointer(rebasing: storage[at..<at + src.count]).copyMemory(from: src) }
            }
            let key = UnsafeRawBufferPointer(rebasing: storage[at..<at + bytes.count])
            lookup[NameKey(bytes: key)] = name
            filter.insert(key)
            at += bytes.count
        }
        let maxLength = wanted.map(\.count).max() ?? 0

        let strings = bytes.baseAddress! + Int(table.strtab.offset)
        let strSize = table.names.size
        var found: [String: [ELFSymbol]] = [:]
        // A plain loop, not forEachName's closure: 200,000 calls into a closure that captures the
        // filter and the dictionaries cost a retain and release each.
        for i in 1..<max(1, table.count) {
            let nameOffset = try table.nameOffset(of: i)
            // The filter turns away nearly every name before the dictionary hashes it; names
            // longer than the longest wanted are never measured past it.
            guard let length = ELFStringTable.length(at: strings + nameOffset, available: strSize - nameOffset, limit: maxLength) else { continue }
            let candidate = UnsafeRawBufferPointer(start: strings + nameOffset, count: length)
            guard filter.mayContain(candidate), let name = lookup[NameKey(bytes: candidate)] else { continue }
            let e = table.entry(i, nameOffset: nameOffset)
            if e.isDefined && e.kind != .file && e.kind != .section {
                found[name, default: []].append(ELFSymbol(index: i, name: name, value: e.value, size: e.size, kind: e.kind,
                                                          binding: e.binding, sectionIndex: e.sectionIndex))
            }
        }
        return found
    }
}

/// A one-hash Bloom filter over the wanted names: a cheap mix of a name's length and its first and
/// last eight bytes picks one of 65,536 bits. With a thousand wanted names about 1.5% of other
/// names get through to the dictionary's full hash (200,000 symbols: SipHash was a fifth of the walk).
private struct NameFilter {
    private var bits = [UInt64](repeating: 0, count: 1024)

    @inline(__always)
    private static func slot(_ name: UnsafeRawBufferPointer) -> Int {
        let n = name.count
        var head: UInt64 = 0, tail: UInt64 = 0
        if n >= 8 {
            head = name.loadUnaligned(as: UInt64.self)
            tail = name.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        } else {
            var i = 0
            while i < n { head |= UInt64(name[i]) << UInt64(8 * i); i += 1 }
        }
        var h = (head &* 0x9E37_79B9_7F4A_7C15) ^ (tail &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(n)
        h ^= h >> 29
        h = h &* 0xBF58_476D_1CE4_E5B9
        return Int(truncatingIfNeeded: h >> 48)
    }

    @inline(__always)
    mutating func insert(_ name: UnsafeRawBufferPointer) {
        let s = Self.slot(name)
        bits[s >> 6] |= 1 << UInt64(s & 63)
    }

    @inline(__always)
    func mayContain(_ name: UnsafeRawBufferPointer) -> Bool {
        let s = Self.slot(name)
        return bits[s >> 6] & (1 << UInt64(s & 63)) != 0
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
