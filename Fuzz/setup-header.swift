@testable import KImageKit

/// The boot-protocol header decoder on the first bytes of an image, and everything derived
/// from it that `inspect` prints.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSetupHeader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let raw = UnsafeRawBufferPointer(start: data, count: size)
    guard let header = try? SetupHeader(decoding: raw, path: "fuzz.img") else { return 0 }
    _ = header.effectiveSetupSects
    _ = header.realModeSize
    _ = header.headerEnd
    _ = header.versionString
    _ = header.loadflagNames
    _ = header.xloadflagNames
    for field in SetupHeader.layout.fields { _ = header.value(of: field) }
    // Encoding what was decoded must give the header area back unchanged.
    var image = Array(raw.prefix(SetupHeader.end))
    header.encode(into: &image)
    if image != Array(raw.prefix(SetupHeader.end)) { fatalError("setup header does not round-trip") }
    return 0
}
