#if canImport(Glibc)
import Glibc
#endif

/// Finds `//go:redirect-from` annotations in Go trees, the way the Go toolchain would see them
/// for one GOOS/GOARCH: `_test.go` files, files excluded by their name suffix or build
/// constraint, and directories the go tool ignores (`testdata`, `vendor`, `_x`, `.x`) are skipped.
package struct GoAnnotationScanner: Sendable {
    package var target: GoTarget
    /// The GOPATH-style root import paths are relative to, for trees without go.mod.
    package var importRoot: String?

    package init(target: GoTarget = .linuxAMD64, importRoot: String? = nil) {
        self.target = target
        self.importRoot = importRoot
    }

    package struct Result: Sendable, Equatable {
        /// In tree order: directories and files sorted by name.
        package var redirects: [Redirect] = []
        /// Every file whose change can change the redirects (.go files looked at, go.mod files).
        package var filesRead: [String] = []
    }

    /// Scans `path`, a directory (recursively) or a single .go file.
    package func scan(_ path: String) throws -> Result {
        var result = Result()
        let resolver = GoImportPathResolver(importRoot: importRoot)
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw RedirectError.notADirectory(path: path)
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            try walk(directory: path, absolute: resolver.absolute(path), resolver: resolver, into: &result)
        } else if path.hasSuffix(".go") {
            let dir = PathNames.directory(of: path)
            let shown = dir.isEmpty ? "." : dir
            try scanFile(path, name: PathNames.lastComponent(of: path), directory: shown,
                         absolute: resolver.absolute(shown), resolver: resolver, into: &result)
        } else {
            throw RedirectError.notADirectory(path: path)
        }
        for mod in resolver.goModFiles where !result.filesRead.contains(mod) { result.filesRead.append(mod) }
        return result
    }

    /// `absolute` is `directory` made absolute and standardized: a subdirectory's is its
    /// parent's plus its name, so only the tree's root goes through GoImportPathResolver.absolute.
    private func walk(directory: String, absolute: String, resolver: GoImportPathResolver, into result: inout Result) throws {
        let names = try Self.entries(of: directory)
        var subdirectories: [(String, String)] = []
        for name in names.sorted(by: { $0.utf8Precedes($1) }) {
            if name.hasPrefix(".") || name.hasPrefix("_") { continue }
            let full = directory == "/" ? "/" + name : directory + "/" + name
            var st = stat()
            // A name that cannot be looked at (a path past PATH_MAX) is an error: skipping it
            // would silently drop its annotations and change the count.
            guard lstat(full, &st) == 0 else {
                throw FileError.cannotRead(path: full, reason: errnoString())
            }
            // Symbolic links to directories are not followed, as `go build ./...` does not.
            if (st.st_mode & S_IFMT) == S_IFDIR {
                if name != "testdata" && name != "vendor" {
                    subdirectories.append((full, absolute == "/" ? "/" + name : absolute + "/" + name))
                }
            } else if name.hasSuffix(".go") && !name.hasSuffix("_test.go") {
                try scanFile(full, name: name, directory: directory, absolute: absolute, resolver: resolver, into: &result)
            }
        }
        for (sub, subAbsolute) in subdirectories {
            try walk(directory: sub, absolute: subAbsolute, resolver: resolver, into: &result)
        }
    }

    /// The names in `directory` but `.` and `..`, unsorted (readdir: no Foundation on this path).
    private static func entries(of directory: String) throws -> [String] {
        guard let dir = opendir(directory) else {
            throw FileError.cannotRead(path: directory, reason: "cannot list the directory")
        }
        defer { closedir(dir) }
        return directoryEntryNames(dir)
    }

    private func scanFile(_ path: String, name: String, directory: String, absolute: String, resolver: GoImportPathResolver,
                          into result: inout Result) throws {
        guard !name.hasSuffix("_test.go") else { return }
        result.filesRead.append(path)
        guard target.admits(fileName: name) else { return }
        let source: FileBytes
        do {
            source = try FileBytes(path: path)
        } catch FileError.empty {
            return
        }
        guard GoSourceFile.mentionsDirective(source.bytes) else { return }
        let file = try GoSourceFile(source: source.bytes, path: path)
        if let constraint = file.constraint, !constraint.evaluate(for: target) { return }
        if let first = file.problems.first {
            throw file.problems.count == 1 ? first : RedirectError.several(file.problems)
        }
        guard !file.annotations.isEmpty else { return }
        let importPath: String
        if file.packageName == "main" {
            importPath = "main" // the linker names package main's symbols main.F, whatever its directory
        } else {
            importPath = try resolver.importPath(ofDirectory: absolute, shown: directory)
        }
        let prefix = GoImportPath.linkerPrefix(importPath)
        for a in file.annotations {
            result.redirects.append(Redirect(source: a.symbol, destination: prefix + "." + a.function, origin: a.location))
        }
    }
}
