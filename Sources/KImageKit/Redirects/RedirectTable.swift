/// The `.goredirectstbl` contents the boot code walks: one (src, dst) entry per redirect,
/// two little-endian u64 in ELF64 (16 bytes), two u32 in ELF32 (8 bytes). An all-zero entry
/// ends the table (spare slots; a src equal to its dst is refused, so it is never a redirect).
public struct RedirectTable: Sendable, Equatable {
    public static let defaultSectionName = ".goredirectstbl"

    public struct Entry: Sendable, Equatable, Hashable {
        public let source: UInt64
        public let destination: UInt64

        public init(source: UInt64, destination: UInt64) {
            self.source = source
            self.destination = destination
        }

        public var isEnd: Bool { source == 0 && destination == 0 }
    }

    public let elfClass: ELFClass
    /// Every slot, spare (zero) ones included.
    public let slots: [Entry]

    public init(elfClass: ELFClass, slots: [Entry]) {
        self.elfClass = elfClass
        self.slots = slots
    }

    public static func entrySize(for elfClass: ELFClass) -> Int { 2 * elfClass.addressSize }

    /// The entries the boot code acts on: the slots before the first zero entry.
    public var entries: [Entry] { Array(slots.prefix { !$0.isEnd }) }
    /// Zero slots at the end.
    public var spareSlots: Int { slots.count - entries.count }

    /// Builds the table for a section of `slotCount` slots: exactly as many entries as slots, or
    /// fewer with `allowSpare` (the rest zero-filled).
    public init(elfClass: ELFClass, entries: [Entry], slotCount: Int, allowSpare: Bool, section: String = defaultSectionName) throws {
        if entries.count > slotCount {
            throw KImageError.redirect(.tooFewSlots(section: section, slots: slotCount, needed: entries.count))
        }
        if entries.count < slotCount && !allowSpare {
            throw KImageError.redirect(.tooManySlots(section: section, slots: slotCount, needed: entries.count))
        }
        self.init(elfClass: elfClass, slots: entries + Array(repeating: Entry(source: 0, destination: 0), count: slotCount - entries.count))
    }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(slots.count * Self.entrySize(for: elfClass))
        for e in slots {
            switch elfClass {
            case .elf64:
                out.appendLE(e.source)
                out.appendLE(e.destination)
            case .elf32:
                out.appendLE(UInt32(truncatingIfNeeded: e.source))
                out.appendLE(UInt32(truncatingIfNeeded: e.destination))
            }
        }
        return out
    }

    /// Reads a table section's bytes back (for `inspect` and tests).
    public static func decode(_ bytes: [UInt8], elfClass: ELFClass, section: String = defaultSectionName) throws -> RedirectTable {
        let size = entrySize(for: elfClass)
        guard bytes.count % size == 0 else {
            throw KImageError.redirect(.tableSectionBadSize(section: section, size: UInt64(bytes.count), entrySize: size))
        }
        var slots: [Entry] = []
        slots.reserveCapacity(bytes.count / size)
        var at = 0
        while at < bytes.count {
            switch elfClass {
            case .elf64:
                slots.append(Entry(source: bytes.loadLE(UInt64.self, at: at)!, destination: bytes.loadLE(UInt64.self, at: at + 8)!))
            case .elf32:
                slots.append(Entry(source: UInt64(bytes.loadLE(UInt32.self, at: at)!), destination: UInt64(bytes.loadLE(UInt32.self, at: at + 4)!)))
            }
            at += size
        }
        return RedirectTable(elfClass: elfClass, slots: slots)
    }
}
