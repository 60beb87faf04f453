@testable import KImageKit

/// The redirect table decoder on raw section bytes; the first byte picks ELF32 or ELF64.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRedirectTable(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let cls: ELFClass = data[0] & 1 == 0 ? .elf64 : .elf32
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    if let table = try? RedirectTable.decode(bytes, elfClass: cls) {
        _ = table.entries
        _ = table.spareSlots
        // Decoding what was encoded must give the same slots back.
        let again = try? RedirectTable.decode(table.encoded(), elfClass: cls)
        if again != table { fatalError("redirect table does not round-trip") }
    }
    return 0
}
