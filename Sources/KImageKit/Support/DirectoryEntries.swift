import Glibc

/// The names readdir gives for an open directory, but `.` and `..`, unsorted: the one loop behind
/// the Go scan's tree walk and init's check for an empty project directory (no Foundation).
func directoryEntryNames(_ dir: OpaquePointer) -> [String] {
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}
