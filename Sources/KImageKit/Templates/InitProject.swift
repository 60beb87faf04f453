#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The kernel project `kimage init` writes: C and nasm sources, a linker script for the layout,
/// the redirect installer, a Makefile over kimage.mk, a manifest with one redirect and a
/// kimage.toml. Rendered from the embedded templates; deterministic for a given arch and layout.
package struct InitProject: Sendable {
    package struct File: Sendable, Equatable {
        package let path: String
        package let contents: String
    }

    package let arch: KernelArch
    package let layout: KernelLayout
    package let language: KernelLanguage
    /// What the Makefile runs when `kimage` is not on PATH: the binary that wrote the project,
    /// so the printed `make run` works as typed from a build tree. nil: plain `kimage`.
    package let kimageFallback: String?

    package init(arch: KernelArch, layout: KernelLayout, language: KernelLanguage = .c, kimageFallback: String? = nil) throws {
        guard layout.arch == arch else {
            throw ConfigError.layoutNeedsOtherArch(layout: layout.rawValue, layoutArch: layout.arch.rawValue, arch: arch.rawValue)
        }
        if language == .go && arch != .x86_64 { throw ConfigError.goNeedsX86_64(layout: layout.rawValue) }
        self.arch = arch
        self.layout = layout
        self.language = language
        self.kimageFallback = kimageFallback.flatMap(InitProject.makeWord)
    }

    /// `path` as one argument of make's `$(if ...)` that the shell reads back unchanged, or nil
    /// when it cannot be one (whitespace, `#`, `,` and parentheses end it whatever the quoting;
    /// the project then runs plain `kimage`).
    static func makeWord(_ path: String) -> String? {
        guard path.hasPrefix("/"), !path.contains(where: { $0.isWhitespace || "#,()".contains($0) || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } ?? false }) else {
            return nil
        }
        let plain = path.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "/._+-=:@%".contains($0)) }
        let quoted = plain ? path : "'" + path.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
        return quoted.split(separator: "$", omittingEmptySubsequences: false).joined(separator: "$$")
    }

    /// The values the project templates' placeholders take.
    package var values: [String: String] {
        [
            "arch": arch.rawValue,
            "kimage": kimageFallback ?? "kimage",
            "layout": layout.rawValue,
            "cflags": layout.cflags,
            "nasm_format": arch == .x86_64 ? "elf64" : "elf32",
            "ld_emulation": arch == .x86_64 ? "elf_x86_64" : "elf_i386",
            "qemu": arch == .x86_64 ? "qemu-system-x86_64" : "qemu-system-i386",
        ].merging(layout.linkerScriptValues) { project, _ in project }
    }

    /// (project path, template) pairs, in the order they are written.
    package var sources: [(path: String, template: String)] {
        if language == .go {
            return [
                ("Makefile", "project-go/Makefile"),
                ("go.mod", "project-go/go.mod"),
                (".gitignore", "project-go/gitignore"),
                ("main.go", "project-go/main.go"),
                ("rt0_amd64.s", "project-go/rt0_amd64.s"),
                ("include/kimage/bootinfo.h", "include/kimage/bootinfo.h"),
            ]
        }
        return [
            ("Makefile", "project/Makefile"),
            ("kimage.mk", "make/kimage.mk"),
            ("kimage.toml", "project/kimage.toml"),
            ("redirects.txt", "project/redirects.txt"),
            (".gitignore", "project/gitignore"),
            ("linker.ld", KernelLayout.linkerScriptTemplate),
            ("src/rt0.asm", "project/src/rt0_\(arch.rawValue).asm"),
            ("src/kimage_redirects.asm", "rt0/kimage_redirects_\(arch.rawValue).asm"),
            ("src/main.c", "project/src/main.c"),
            ("include/kimage/bootinfo.h", "include/kimage/bootinfo.h"),
            ("include/kimage/bootinfo.inc", "include/kimage/bootinfo.inc"),
        ]
    }

    /// The absolute path of the running kimage (/proc/self/exe), nil when the system hides it.
    package static func runningExecutable() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, Int(PATH_MAX))
        guard n > 0 else { return nil }
        return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    package func files() throws -> [File] {
        try sources.map { File(path: $0.path, contents: try Templates.render($0.template, values: values)) }
    }

    /// Writes the project into `directory` (created when missing). A directory with anything in
    /// it is refused unless `force`, which overwrites only the files the project consists of.
    /// Every template is rendered and every name checked before the first file is written; the
    /// files go to temporaries that are renamed into place only once all are written, so a full
    /// disk leaves the directory as it was. Returns the files and which of them replaced a file.
    @discardableResult
    package func write(to directory: String, force: Bool) throws -> (files: [File], overwritten: [String]) {
        let files = try files()
        guard !directory.isEmpty else { throw ConfigError.emptyProjectDirectory }
        if let entries = try InitProject.entries(of: directory), !entries.isEmpty, !force {
            throw ConfigError.directoryNotEmpty(path: directory, entries: entries)
        }
        var tree = try ProjectTree(directory: directory)
        do {
            let overwritten = try tree.check(files.map(\.path))
            try tree.writeAll(files.map { ($0.path, Array($0.contents.utf8)) })
            return (files, overwritten)
        } catch {
            tree.undo()
            throw error
        }
    }

    /// Sorted names in `directory`, nil when it does not exist.
    static func entries(of directory: String) throws -> [String]? {
        guard let dir = opendir(directory) else {
            let code = errno
            var st = stat()
            if code == ENOENT && lstat(directory, &st) != 0 { return nil }
            if code == ENOENT {
                throw ConfigError.unresolvableProjectDirectory(path: directory, reason: "it is a symbolic link to nothing")
            }
            if code == ENOTDIR {
                throw ConfigError.unresolvableProjectDirectory(path: directory, reason: "it is \(stat(directory, &st) == 0 ? FileKind.name(of: st.st_mode) : "below a file, not a directory")")
            }
            throw ConfigError.unresolvableProjectDirectory(path: directory, reason: String(cString: strerror(code)))
        }
        defer { closedir(dir) }
        return directoryEntryNames(dir).sorted()
    }

    static func makeDirectories(_ path: String) throws -> [String] {
        var created: [String] = []
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) == 0 {
                created.append(current)
            } else if errno != EEXIST {
                throw ConfigError.cannotCreateDirectory(path: current, reason: String(cString: strerror(errno)))
            }
            var st = stat()
            if stat(current, &st) != 0 || (st.st_mode & S_IFMT) != S_IFDIR {
                throw ConfigError.cannotCreateDirectory(path: current, reason: "a file of that name is in the way")
            }
        }
        return created
    }
}
