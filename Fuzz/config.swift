@testable import KImageKit

/// kimage.toml: TOMLKit's parser and kimage's checks of sections, keys and values.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let config = try? KImageConfig(text: text, path: "/fuzz/kimage.toml") {
        for command in ["count", "redirect", "pagetables", "pack", "inspect"] {
            _ = config.arguments(for: command, userArguments: [])
        }
    }
    return 0
}
