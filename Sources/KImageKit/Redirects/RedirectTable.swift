/// The `.goredirectstbl` contents the boot code walks: one (src, dst) entry per redirect,
/// two little-endian u64 in ELF64 (16 bytes), two u32 in ELF32 (8 bytes). An all-zero entry
/// ends the table (spare slots; a src equal to its dst is refused, so it is never a redirect).
package struct RedirectTable: Sendable, Equatable {
    package static let defaultSectionName = ".goredirectstbl"

    package struct Entry: Sendable, Equatable, Hashable {
        package var source: UInt64
        package var destination: UInt64

        package init(source: UInt64, destination: UInt64) {
            self.source = source
            self.destination = destination
        }

        package var isEnd: Bool { source == 0 && destination == 0 }
    }

    package let elfClass: ELFClass
    /// Every slot, spare (zero) ones included.
    package let slots: [Entry]

    package init(elfClass: ELFClass, slots: [Entry]) {
        self.elfClass = elfClass
        self.slots = slots
    }

    package static func entrySize(for elfClass: ELFClass) -> Int { layout(for: elfClass).size }

    /// One slot as the boot code (the rt0 installer) reads it.
    package static func layout(for elfClass: ELFClass) -> BinaryLayout<Entry> { elfClass == .elf64 ? layout64 : layout32 }

    static let layout64 = BinaryLayout<Entry>(cName: "kimage_redirect64", nasmPrefix: "REDIRECT64_", size: 16, [
        .field("src", at: 0, \.source, "address of the redirected function"),
        .field("dst", at: 8, \.destination, "address calls to src must land at"),
    ])

    static let layout32 = BinaryLayout<Entry>(cName: "kimage_redirect32", nasmPrefix: "REDIRECT32_", size: 8, [
        .derived("src", at: 0, width: 4, "address of the redirected function",
                 get: { $0.source }, set: { $0.source = $1; return true }),
        .derived("dst", at: 4, width: 4, "address calls to src must land at",
                 get: { $0.destination }, set: { $0.destination = $1; return true }),
    ])

    /// The entries the boot code acts on: the slots before the first zero entry.
    package var entries: [Entry] { Array(slots.prefix { !$0.isEnd }) }
    /// Zero slots at the end.
    package var spareSlots: Int { slots.count - entries.count }

    /// Builds the table for a section of `slotCount` slots: exactly as many entries as slots, or
    /// fewer with `allowSpare` (the rest zero-filled).
    package init(elfClass: ELFClass, entries: [Entry], slotCount: Int, allowSpare: Bool, section: String = defaultSectionName) throws {
        if entries.count > slotCount {
            throw RedirectError.tooFewSlots(section: section, slots: slotCount, needed: entries.count)
        }
        if entries.count < slotCount && !allowSpare {
            throw RedirectError.tooManySlots(section: section, slots: slotCount, needed: entries.count)
        }
        self.init(elfClass: elfClass, slots: entries + Array(repeating: Entry(source: 0, destination: 0), count: slotCount - entries.count))
    }

    package func encoded() -> [UInt8] {
        let layout = Self.layout(for: elfClass)
        var out = [UInt8](repeating: 0, count: slots.count * layout.size)
        for (i, e) in slots.enumerated() { layout.encode(e, into: &out, at: i * layout.size) }
        return out
    }

    /// Reads a table section's bytes back (for `inspect` and tests).
    package static func decode(_ bytes: [UInt8], elfClass: ELFClass, section: String = defaultSectionName) throws -> RedirectTable {
        let size = entrySize(for: elfClass)
        guard bytes.count % size == 0 else {
            throw RedirectError.tableSectionBadSize(section: section, size: UInt64(bytes.count), entrySize: size)
        }
        let layout = layout(for: elfClass)
        let slots = stride(from: 0, to: bytes.count, by: size).map { at in
            layout.decode(bytes, at: at, into: Entry(source: 0, destination: 0))!
        }
        return RedirectTable(elfClass: elfClass, slots: slots)
    }
}
