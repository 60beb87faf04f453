#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The directory `kimage init` writes into, handled relative to one open descriptor: every
/// subdirectory is opened with O_NOFOLLOW and every file created with O_EXCL | O_NOFOLLOW, so
/// a symbolic link a cloned repository holds at `Makefile` or `src` can never send a write
/// outside the directory. All files go to temporaries first and are renamed together.
struct ProjectTree {
    let directory: String
    private let rootFD: Int32
    /// Directories this run made (DIR and its missing parents, then subdirectories), for undo.
    private var createdPaths: [String]
    private var createdSubdirectories: [String] = []
    /// Open subdirectories by relative path ("" is DIR).
    private var directoryFDs: [String: Int32] = [:]
    private var temporaries: [(directory: String, name: String, final: String)] = []

    init(directory: String) throws {
        self.directory = directory
        createdPaths = try InitProject.makeDirectories(directory)
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            for path in createdPaths.reversed() { rmdir(path) }
            throw ConfigError.unresolvableProjectDirectory(path: directory, reason: reason)
        }
        rootFD = fd
        directoryFDs[""] = fd
    }

    private func shown(_ relative: String) -> String {
        (directory.hasSuffix("/") ? directory : directory + "/") + relative
    }

    /// Checks every name the project writes without writing: directories must be directories,
    /// files regular files or absent. Returns the files that exist and will be replaced.
    func check(_ paths: [String]) throws -> [String] {
        var overwritten: [String] = []
        for path in paths {
            let components = path.split(separator: "/").map(String.init)
            var fd = rootFD
            var opened: [Int32] = []
            defer { for f in opened { close(f) } }
            var relative = ""
            var exists = true
            for (i, name) in components.enumerated() {
                relative += (relative.isEmpty ? "" : "/") + name
                var st = stat()
                guard exists, fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { exists = false; continue }
                let type = st.st_mode & S_IFMT
                if i < components.count - 1 {
                    guard type == S_IFDIR else {
                        throw ConfigError.projectNameInTheWay(path: shown(relative), kind: FileKind.name(of: st.st_mode))
                    }
                    fd = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                    guard fd >= 0 else { throw ConfigError.projectNameInTheWay(path: shown(relative), kind: "not a directory kimage can open") }
                    opened.append(fd)
                } else {
                    guard type == S_IFREG else {
                        throw ConfigError.projectNameInTheWay(path: shown(relative), kind: FileKind.name(of: st.st_mode))
                    }
                    overwritten.append(path)
                }
            }
        }
        return overwritten
    }

    /// Writes every file to a temporary beside its name, then renames them all.
    mutating func writeAll(_ files: [(path: String, bytes: [UInt8])]) throws {
        for file in files {
            let (parent, name) = split(file.path)
            let dirFD = try openDirectory(parent)
            let temporary = "." + name + OutputFile.temporaryMarker + String(getpid())
            unlinkat(dirFD, temporary, 0)
            let fd = openat(dirFD, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw FileError.cannotCreateTemporary(directory: shown(parent), reason: String(cString: strerror(errno)))
            }
            temporaries.append((parent, temporary, name))
            var sink = FileSink(fd: fd, path: shown(file.path))
            do {
                try sink.write(file.bytes)
                if fchmod(fd, 0o644) != 0 || close(fd) != 0 {
                    throw FileError.cannotWrite(path: shown(file.path), reason: String(cString: strerror(errno)))
                }
            } catch {
                close(fd)
                throw error
            }
        }
        for t in temporaries {
            let dirFD = directoryFDs[t.directory]!
            // renameat replaces a name without following it: a link put there since the check
            // is replaced, not written through.
            guard renameat(dirFD, t.name, dirFD, t.final) == 0 else {
                throw FileError.cannotReplace(path: shown(t.directory.isEmpty ? t.final : t.directory + "/" + t.final), reason: String(cString: strerror(errno)))
            }
        }
        temporaries = []
        for fd in directoryFDs.values { close(fd) }
        directoryFDs = [:]
    }

    /// Opens (creating when missing) a subdirectory of DIR, never through a link.
    private mutating func openDirectory(_ relative: String) throws -> Int32 {
        if let fd = directoryFDs[relative] { return fd }
        let (parent, name) = split(relative)
        let parentFD = try openDirectory(parent)
        if mkdirat(parentFD, name, 0o755) == 0 {
            createdSubdirectories.append(relative)
        } else if errno != EEXIST {
            throw ConfigError.cannotCreateDirectory(path: shown(relative), reason: String(cString: strerror(errno)))
        }
        let fd = openat(parentFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            throw ConfigError.projectNameInTheWay(path: shown(relative), kind: errno == ELOOP ? "a symbolic link" : "not a directory")
        }
        directoryFDs[relative] = fd
        return fd
    }

    private func split(_ path: String) -> (String, String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[..<slash]), String(path[path.index(after: slash)...]))
    }

    /// After a failure: removes the temporaries and the directories this run made.
    mutating func undo() {
        for t in temporaries { if let fd = directoryFDs[t.directory] { unlinkat(fd, t.name, 0) } }
        temporaries = []
        for relative in createdSubdirectories.reversed() {
            let (parent, name) = split(relative)
            if let fd = directoryFDs[parent] { unlinkat(fd, name, AT_REMOVEDIR) }
        }
        for fd in directoryFDs.values { close(fd) }
        directoryFDs = [:]
        for path in createdPaths.reversed() { rmdir(path) }
    }
}
