/// A Linux x86-64 vmlinux, recognised by its own markers (handoffs.md §5.1): ELF64 EM_X86_64, a
/// note named "Linux" (the build-salt note every vmlinux since 4.18 carries, include/linux/
/// build-salt.h, or the version note), and e_entry at the *physical* address of an executable
/// PT_LOAD whose vaddr differs from its paddr (phys_startup_64, arch/x86/kernel/vmlinux.lds.S).
/// Such a kernel wants the Linux 64-bit entry: long mode, CS 0x10 / DS 0x18, rsi = boot_params.
package struct LinuxVmlinux: Sendable, Equatable {
    /// The PT_LOAD holding the physical entry point.
    package let entrySegment: Int
    /// Types of the "Linux" notes found (0x100 build salt, 0x101 LTO info, 0 version).
    package let noteTypes: [UInt32]

    /// Why auto-detection chose the Linux handoff, for pack's output.
    package var reason: String { "a Linux vmlinux: " + markers }

    /// The markers found, as pack names them.
    package var markers: String {
        let types = noteTypes.map { hex(UInt64($0)) }.joined(separator: ", ")
        return "ELF64 x86-64 with a \"Linux\" ELF note (type \(types)) and e_entry at the physical address of segment \(entrySegment) (phys_startup_64)"
    }

    /// Notes larger than this are not read: a vmlinux's PT_NOTE is well under a page.
    static let noteReadLimit: UInt64 = 64 * 1024
    static let noteName = Array("Linux".utf8)

    /// The markers of `kernel`, or nil when it is not a vmlinux. Reads its PT_NOTE bytes when
    /// `kernel` was opened headers-only.
    package static func detect(_ kernel: ELFHeaders) throws -> LinuxVmlinux? {
        guard kernel.elfClass == .elf64, kernel.machine == .x86_64 else { return nil }
        guard let entrySegment = kernel.loadSegments.first(where: {
            $0.isExecutable && $0.virtualAddress != $0.physicalAddress
                && kernel.entry >= $0.physicalAddress && kernel.entry - $0.physicalAddress < $0.memorySize
        }) else { return nil }
        var types: [UInt32] = []
        let size = UInt64(kernel.bytes.count)
        for note in kernel.segments where note.type == ELFSegment.typeNote && note.fileSize > 0 {
            guard note.offset < size, note.fileSize <= min(noteReadLimit, size - note.offset) else { continue }
            if kernel.file.isPartial { try kernel.file.load(offset: note.offset, count: note.fileSize) }
            types += linuxNoteTypes(kernel.bytes, from: Int(note.offset), count: Int(note.fileSize))
        }
        guard !types.isEmpty else { return nil }
        return LinuxVmlinux(entrySegment: entrySegment.index, noteTypes: types)
    }

    /// Walks the notes in `count` bytes at `from` (namesz, descsz, type, name, desc, each padded
    /// to 4 bytes: the ELF64 note layout Linux's ELFNOTE macros emit) and returns the types of
    /// those named "Linux".
    static func linuxNoteTypes(_ raw: UnsafeRawBufferPointer, from: Int, count: Int) -> [UInt32] {
        var types: [UInt32] = []
        var at = from
        let end = from + count
        while at + 12 <= end {
            guard let namesz = raw.loadLE(UInt32.self, at: at), let descsz = raw.loadLE(UInt32.self, at: at + 4),
                  let type = raw.loadLE(UInt32.self, at: at + 8) else { break }
            let name = at + 12
            let desc = name + alignUp(Int(namesz), 4)
            let next = desc + alignUp(Int(descsz), 4)
            guard namesz <= UInt32(count), descsz <= UInt32(count), next <= end else { break }
            // namesz counts the NUL: "Linux" is 6.
            if namesz == UInt32(noteName.count + 1), Array(raw[name..<name + noteName.count]) == noteName, raw[name + noteName.count] == 0 {
                types.append(type)
            }
            at = next
        }
        return types
    }
}
