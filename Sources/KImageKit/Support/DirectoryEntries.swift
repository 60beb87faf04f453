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

/// Every path below `directory`, relative to it (directories too), symbolic links not followed,
/// in no particular order; an unreadable directory contributes nothing (FileManager.subpaths'
/// answer, without Foundation).
func subpaths(of directory: String) -> [String] {
    var result: [String] = []
    func walk(_ absolute: String, _ relative: String) {
        guard let dir = opendir(absolute) else { return }
        let names = directoryEntryNames(dir)
        closedir(dir)
        for name in names {
            let path = relative.isEmpty ? name : relative + "/" + name
            result.append(path)
            var st = stat()
            if lstat(absolute + "/" + name, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR { walk(absolute + "/" + name, path) }
        }
    }
    walk(directory, "")
    return result
}
