/// A kernel ELF whose contents kimage reads: its symbols and section bytes, and the patched copy
/// `redirect` writes. Construction makes ELFHeaders' checks, so offsets and sizes can be trusted.
package final class ELFFile: ELFHeaders, @unchecked Sendable {
    /// Reads the whole file.
    package convenience init(path: String) throws {
        try self.init(file: FileBytes(path: path))
    }

    /// Reads what describes the file and its symbol table with the table's strings, nothing else
    /// (`redirect`: a 15 MB kernel whose 3 MB of code is never looked at). Other ranges are read
    /// when asked for (`fileBytes`, `write`'s fallback).
    package convenience init(symbolsOf path: String) throws {
        let file = try FileBytes(partOf: path)
        try Self.loadHeaderRanges(of: file)
        try self.init(file: file)
        // A kernel without a usable table says so when its symbols are asked for, as a whole read would.
        if let table = try? ELFSymbolTable(self) {
            for s in [table.symtab, table.strtab] {
                file.adviseHugePages(offset: s.offset, count: s.size)
                try file.load(offset: s.offset, count: s.size)
            }
        }
    }

    package override init(file: FileBytes) throws {
        try super.init(file: file)
    }

    /// Bytes of the file, bounds-checked (read now from a file opened with `symbolsOf`).
    package func fileBytes(at offset: UInt64, count: Int) -> [UInt8]? {
        guard count >= 0, offset <= UInt64(bytes.count), UInt64(count) <= UInt64(bytes.count) - offset else { return nil }
        if file.isPartial { guard (try? file.load(offset: offset, count: UInt64(count))) != nil else { return nil } }
        return Array(bytes[Int(offset)..<Int(offset) + count])
    }

    // MARK: Symbols

    /// The symbol table: .symtab, or .dynsym when there is none.
    package func symbolTableSection() throws -> ELFSection {
        try ELFSymbolTable(self).symtab
    }

    /// Every symbol of the symbol table, in table order, names resolved. Entry 0 (the null
    /// symbol) is left out. Name offsets are checked against the string table.
    package func symbols() throws -> [ELFSymbol] {
        var result: [ELFSymbol] = []
        try forEachSymbol { result.append($0) }
        return result
    }

    /// Walks the symbol table once without building an array (200,000-symbol kernels).
    package func forEachSymbol(_ body: (ELFSymbol) throws -> Void) throws {
        try forEachSymbolEntry { try body($0.symbol) }
    }

    /// Walks the symbol table leaving names in the string table: a walk that looks at addresses
    /// decodes only the names it keeps, so 100,000 symbols sharing one 2.4 MB name cost 100,000
    /// entries, not 240 GB of copies. Every name offset is checked against the table.
    package func forEachSymbolEntry(_ body: (ELFSymbolEntry) throws -> Void) throws {
        let table = try ELFSymbolTable(self)
        try table.forEachName { i, nameOffset in try body(table.entry(i, nameOffset: nameOffset)) }
    }

    // MARK: Writing

    /// Writes this file with `patches` applied to `destination` (atomically; the file itself
    /// when it is the same path). Patches must lie inside the file and must not overlap. The
    /// unchanged bytes are made kernel-side where the file system can (see PatchedCopy); the
    /// method used is returned.
    @discardableResult
    package func write(applying patches: [BytePatch], to destination: String) throws -> PatchedCopy.Method {
        try write(applying: patches, to: destination, allowed: PatchedCopy.allowed)
    }

    func write(applying patches: [BytePatch], to destination: String, allowed: PatchedCopy.Method,
               beforeCopy: () throws -> Void = {}) throws -> PatchedCopy.Method {
        let sorted = patches.sorted { $0.offset < $1.offset }
        var cursor: UInt64 = 0
        let fileSize = UInt64(bytes.count)
        // Checked before the first byte is written: a bad patch is an error, never a crash.
        for p in sorted {
            let length = UInt64(p.bytes.count)
            guard p.offset <= fileSize, length <= fileSize - p.offset else {
                throw ELFError.patchOutsideFile(path: path, offset: p.offset, length: length, size: fileSize)
            }
            guard p.offset >= cursor else {
                throw ELFError.overlappingPatches(path: path, offset: p.offset, previousEnd: cursor)
            }
            cursor = p.offset + length
        }
        var method = PatchedCopy.Method.write
        try OutputFile.write(to: destination, mode: file.mode) { (sink: inout FileSink) throws in
            method = try PatchedCopy.write(file, patches: sorted, into: &sink, allowed: allowed, beforeCopy: beforeCopy)
        }
        return method
    }
}
