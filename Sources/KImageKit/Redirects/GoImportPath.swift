import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// Import paths and the Go linker's spelling of them in symbol names.
package enum GoImportPath {
    /// The linker's symbol prefix for an import path (cmd/internal/objabi's PathToPrefix):
    /// control characters, space, `%`, `"` and non-ASCII bytes are `%xx`-escaped everywhere,
    /// and `.` too in the last path element, so `example.com/kern/a.b` gives
    /// `example.com/kern/a%2eb` (the symbol `example.com/kern/a%2eb.F` stays unambiguous).
    package static func linkerPrefix(_ importPath: String) -> String {
        let bytes = Array(importPath.utf8)
        let lastSlash = bytes.lastIndex(of: 0x2F) ?? -1
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for (i, c) in bytes.enumerated() {
            if c <= 0x20 || (c == 0x2E && i > lastSlash) || c == 0x25 || c == 0x22 || c >= 0x7F {
                out += [0x25, digits[Int(c >> 4)], digits[Int(c & 0xF)]]
            } else {
                out.append(c)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The module path a go.mod declares (`module example.com/kern`, quoted or not).
    static func modulePath(ofGoMod text: String) -> String? {
        for raw in text.split(whereSeparator: \.isNewline) {
            var line = Substring(raw)
            if let comment = line.indices.first(where: { line[$0...].hasPrefix("//") }) { line = line[..<comment] }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count == 2, words[0] == "module" else { continue }
            var path = words[1]
            if path.count >= 2 && (path.first == "\"" || path.first == "`") && path.last == path.first {
                path = path.dropFirst().dropLast()
            }
            return String(path)
        }
        return nil
    }
}

/// Finds the import path of each directory: --go-import-root when the directory is under it
/// (GOPATH style, gopher-os's `src/`), else the nearest go.mod at or above it.
final class GoImportPathResolver {
    let importRoot: String?
    private var cache: [String: String] = [:]
    private var absolutes: [String: String] = [:]
    /// The nearest module of each directory already walked (nil: none up to /): the 50
    /// directories of one module look for go.mod once each, and read and parse it once.
    private var modules: [String: (directory: String, path: String)?] = [:]

    /// `absolute(_:)`, remembered: every file of a directory asks for it.
    func absolute(_ directory: String) -> String {
        if let known = absolutes[directory] { return known }
        let result = Self.absolute(directory)
        absolutes[directory] = result
        return result
    }
    /// go.mod files read, for the depfile.
    private(set) var goModFiles: [String] = []

    init(importRoot: String?) {
        self.importRoot = importRoot.map(GoImportPathResolver.absolute)
    }

    static func absolute(_ path: String) -> String {
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path)
            : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path)
        var p = url.standardized.path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return p
    }

    /// `path` relative to the current directory when it is below it (depfiles stay portable).
    static func relativeToCurrentDirectory(_ path: String) -> String {
        relative(path, to: absolute(".")).flatMap { $0.isEmpty ? nil : $0 } ?? path
    }

    /// `relative` is `directory` below `root`, or nil when it is not under it.
    static func relative(_ directory: String, to root: String) -> String? {
        if directory == root { return "" }
        let prefix = root == "/" ? "/" : root + "/"
        return directory.hasPrefix(prefix) ? String(directory.dropFirst(prefix.count)) : nil
    }

    /// The import path of `directory` (absolute, standardized); `shown` names it in errors.
    func importPath(ofDirectory directory: String, shown: String) throws -> String {
        if let cached = cache[directory] { return cached }
        let result: String
        if let root = importRoot, let rel = Self.relative(directory, to: root) {
            guard !rel.isEmpty else { throw RedirectError.outsideImportRoot(directory: shown, root: root) }
            result = rel
        } else if let (modDir, module) = try nearestModule(from: directory) {
            let rel = Self.relative(directory, to: modDir) ?? ""
            result = rel.isEmpty ? module : module + "/" + rel
        } else if let root = importRoot {
            throw RedirectError.outsideImportRoot(directory: shown, root: root)
        } else {
            throw RedirectError.noImportPath(directory: shown)
        }
        cache[directory] = result
        return result
    }

    private func nearestModule(from directory: String) throws -> (String, String)? {
        var walked: [String] = []
        var dir = directory
        let found: (directory: String, path: String)?
        while true {
            if let known = modules[dir] { found = known; break }
            walked.append(dir)
            if let module = try module(in: dir) { found = (dir, module); break }
            if dir == "/" { found = nil; break }
            dir = PathNames.directory(of: dir)
            if dir.isEmpty { dir = "/" }
        }
        for d in walked { modules[d] = found }
        return found.map { ($0.directory, $0.path) }
    }

    /// The module path of `dir`/go.mod, or nil when there is no go.mod there.
    private func module(in dir: String) throws -> String? {
        let candidate = (dir == "/" ? "" : dir) + "/go.mod"
        guard FileManager.default.fileExists(atPath: candidate) else { return nil }
        guard let data = FileManager.default.contents(atPath: candidate) else {
            throw FileError.cannotRead(path: candidate, reason: "unreadable")
        }
        let shown = Self.relativeToCurrentDirectory(candidate)
        if !goModFiles.contains(shown) { goModFiles.append(shown) }
        guard let module = GoImportPath.modulePath(ofGoMod: String(decoding: data, as: UTF8.self)) else {
            throw RedirectError.goModWithoutModule(path: candidate)
        }
        return module
    }
}
