@testable import KImageKit

/// The page-table walker on a blob: byte 0 picks the mode, byte 1 the base (a multiple of
/// 4 KiB), the rest is the blob.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPageTableWalker(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let modes = PagingMode.allCases
    let mode = modes[Int(data[0]) % modes.count]
    let base = UInt64(data[1]) << 12
    let raw = UnsafeRawBufferPointer(start: data + 2, count: size - 2)
    if let walk = try? PageTableWalker.walkDetailed(raw: raw, mode: mode, base: base) {
        _ = walk.mappings
    }
    return 0
}
