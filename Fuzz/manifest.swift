@testable import KImageKit

/// The redirect manifest parser (`SRC DST` lines, # comments).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? RedirectManifest.parse(bytes: bytes, path: "fuzz.txt")
    return 0
}
