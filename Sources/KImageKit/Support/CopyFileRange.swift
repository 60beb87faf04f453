#if canImport(Glibc)
import Glibc
#endif

/// glibc's copy_file_range(2), looked up at run time: Swift's Glibc module does not export it
/// (it needs _GNU_SOURCE). pack's payload copies and redirect's patched copy both use it.
typealias CopyFileRangeCall = @convention(c) (Int32, UnsafeMutablePointer<Int64>?, Int32, UnsafeMutablePointer<Int64>?, Int, UInt32) -> Int
let copyFileRangeCall: CopyFileRangeCall? = {
    guard let symbol = dlsym(nil, "copy_file_range") else { return nil }
    return unsafeBitCast(symbol, to: CopyFileRangeCall.self)
}()

/// glibc's fallocate(2), looked up the same way (also _GNU_SOURCE only). Not posix_fallocate:
/// where the file system cannot allocate, that one writes zeros into every block instead.
typealias FallocateCall = @convention(c) (Int32, Int32, Int64, Int64) -> Int32
let fallocateCall: FallocateCall? = {
    guard let symbol = dlsym(nil, "fallocate") else { return nil }
    return unsafeBitCast(symbol, to: FallocateCall.self)
}()
