import Foundation
import Testing
@testable import KImageKit

/// PageTableEntry.fields is the one declaration of an entry's bits: the masks encode and decode
/// use and the flag names of pagetables' C and nasm listings come from it.
@Suite struct PageTableEntryFieldsTests {
    /// The SDM's positions, written out independently of the declaration [SDM Vol. 3A Table 4-19].
    @Test func theDeclarationHasTheSDMsBits() {
        let sdm: [(String, Int)] = [("P", 0), ("RW", 1), ("US", 2), ("PWT", 3), ("PCD", 4), ("A", 5), ("D", 6),
                                    ("PS", 7), ("G", 8), ("PAT", 12), ("XD", 63)]
        #expect(PageTableEntry.fields.map(\.name) == sdm.map(\.0))
        #expect(PageTableEntry.fields.map(\.bit) == sdm.map(\.1))
        #expect(PageTableEntry.fields.allSatisfy { $0.width == 1 && !$0.meaning.isEmpty })
        #expect([PageTableEntry.bitP, PageTableEntry.bitRW, PageTableEntry.bitPS, PageTableEntry.bitPATLarge, PageTableEntry.bitXD]
                == [1, 2, 0x80, 0x1000, 1 << 63])
    }

    /// Each declared flag, encoded alone in a 2 MiB leaf, sets its declared bit (and P, PS).
    @Test func encodeAndDecodeUseTheDeclaredMasks() throws {
        let leaf = PageTableEntry(writable: true, user: true, writeThrough: true, cacheDisable: true, accessed: true,
                                  dirty: true, pageSize: true, global: true, pat: true, noExecute: true, address: 0x20_0000)
        let raw = try leaf.encode(mode: .fourLevel, depth: 2)
        #expect(raw == PageTableEntry.fields.reduce(UInt64(0x20_0000)) { $0 | $1.mask })
        #expect(try PageTableEntry.decode(raw, mode: .fourLevel, depth: 2) == leaf)
    }

    /// The listing names what the declaration names: renaming a field there renames it in the
    /// C output's comments, and the C output carries the declared names today.
    @Test func aChangeInTheDeclarationShowsInTheListing() throws {
        var b = try PageTableBuilder(mode: .fourLevel, maxPageSize: PageSize.size2M)
        try b.add(MappingSpec.parse("0+2M", as: .identity))
        let tables = try b.build(base: 0x10_0000)
        let pd = try #require((0..<tables.tableCount).first { tables.entry(table: $0, index: 0) & PageTableEntry.bitPS != 0 })
        let raw = tables.entry(table: pd, index: 0)
        let declared = tables.bitNames(raw, depth: 2)
        #expect(declared.hasPrefix("P|RW|") && declared.contains("|PS"), "\(declared)")
        let c = String(decoding: tables.emit(.c), as: UTF8.self)
        #expect(c.contains(declared), "\(c)")

        let renamed = PageTableEntry.fields.map { $0.name == "RW" ? PageTableEntry.Field("W", bit: $0.bit, $0.meaning) : $0 }
        #expect(tables.bitNames(raw, depth: 2, fields: renamed) == declared.replacingOccurrences(of: "P|RW|", with: "P|W|"))
        let avl = PageTableEntry.fields + [PageTableEntry.Field("AVL9", bit: 9, "available to software")]
        #expect(tables.bitNames(raw | 1 << 9, depth: 2, fields: avl).hasSuffix("|AVL9"))
    }
}
