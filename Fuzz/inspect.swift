@testable import KImageKit

/// `kimage inspect` on any bytes: recognition, then the ELF, boot image or page-table
/// decoding (a blob in all four modes, built for 0x10000 as the seeds are), and every
/// rendering of the report (text in both styles, JSON).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInspect(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let file = FileBytes(bytes: UnsafeBufferPointer(start: data, count: size), name: "fuzz.bin")
    let blob = InspectedKind.recognise(file.bytes) == .pageTables
    for mode in blob ? PagingMode.allCases.map(Optional.some) : [nil] {
        guard let report = try? Inspector.inspect(file: file, mode: mode, base: blob ? 0x10000 : nil) else { continue }
        _ = report.text(style: .ascii)
        _ = report.text(style: .unicode)
        _ = report.json()
    }
    return 0
}
