@testable import KImageKit

/// The ELF reader as `redirect`, `pack` and `inspect` drive it: headers, sections, segments, the
/// symbol table (both walkers), address translation and the redirect table section.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzELF(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let file = FileBytes(bytes: UnsafeBufferPointer(start: data, count: size), name: "fuzz.elf")
    guard let elf = try? ELFFile(file: file) else { return 0 }
    _ = try? elf.symbols()
    _ = try? elf.definedSymbols(named: ["_start", "runtime.throw", "kern.Panic", ""])
    for s in elf.sections {
        _ = elf.section(containing: s.address, length: 1)
        if let off = elf.fileOffset(ofVirtualAddress: s.address, length: min(s.size, 64)) {
            _ = elf.fileBytes(at: off, count: Int(min(s.size, 64)))
        }
    }
    for seg in elf.segments { _ = elf.fileOffset(ofVirtualAddress: seg.virtualAddress, length: 16) }
    if let table = elf.section(named: RedirectTable.defaultSectionName), table.holdsFileBytes,
       let bytes = elf.fileBytes(at: table.offset, count: Int(min(table.size, 1 << 20))) {
        _ = try? RedirectTable.decode(bytes, elfClass: elf.elfClass)
    }
    _ = try? Mapping.fromLoadSegments(of: elf)
    return 0
}
