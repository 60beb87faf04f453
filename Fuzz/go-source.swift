@testable import KImageKit

/// The Go annotation scanner's per-file part: lexer, package clause, build constraints,
/// //go:redirect-from directives.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGoSource(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let file = try? GoSourceFile(bytes: bytes, path: "fuzz.go") {
        _ = file.annotations.count
        _ = file.constraint.map { $0.evaluate(for: .linuxAMD64) }
    }
    return 0
}
