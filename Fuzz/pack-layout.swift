@testable import KImageKit

/// `pack` up to the bytes: the kernel ELF's segments turned into a layout, a load plan, page
/// tables and the real-mode part with its header (no file written).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPackLayout(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let file = FileBytes(bytes: UnsafeBufferPointer(start: data, count: size), name: "fuzz.elf")
    guard let elf = try? ELFFile(file: file) else { return 0 }
    let options = PackOptions(kernelPath: "fuzz.elf", outputPath: "/nonexistent/fuzz.img")
    guard let layout = try? BootImageLayout.make(kernel: elf, loaderSize: nil, options: options) else { return 0 }
    _ = layout.protectedModeHead()
    if let stubs = try? OwnStubs(options: options) {
        _ = try? BootImagePacker.realModePart(layout: layout, options: options, stubs: stubs)
    }
    return 0
}
