/// Failures of kimage.toml, the template renderer and `kimage init`.
package enum ConfigError: KImageError, Equatable {
    /// The TOML parser refused the file.
    case syntax(path: String, line: Int, column: Int, message: String)
    /// A top-level table kimage does not know.
    case unknownSection(path: String, line: Int, name: String, known: [String])
    /// A key in a known table that is none of its command's options.
    case unknownKey(path: String, line: Int, section: String, key: String, suggestion: String?)
    /// A key whose value has the wrong TOML type.
    case wrongType(path: String, line: Int, section: String, key: String, expected: String, found: String)
    /// A top-level key outside any table.
    case keyOutsideSection(path: String, line: Int, key: String)
    /// `--config` with no file after it.
    case missingConfigPath
    /// A `{{name}}` in a template that the renderer was given no value for.
    case unknownPlaceholder(template: String, line: Int, name: String, known: [String])
    /// A `{{` without its `}}`, or a name that is not [a-z0-9_]+.
    case malformedPlaceholder(template: String, line: Int, text: String)
    /// A template kimage should have embedded but did not (a build from stale generated source).
    case missingTemplate(name: String)
    /// `kimage init` into a directory that already holds files.
    case directoryNotEmpty(path: String, entries: [String])
    /// `kimage init` with an architecture and a layout that do not go together.
    case layoutNeedsOtherArch(layout: String, layoutArch: String, arch: String)
    case cannotCreateDirectory(path: String, reason: String)
    /// `kimage init ""`.
    case emptyProjectDirectory
    case unresolvableProjectDirectory(path: String, reason: String)
    /// A name init writes is a symbolic link, FIFO, device or directory inside the project.
    case projectNameInTheWay(path: String, kind: String)
    /// `kimage init --lang go` for i386 (jinue): kimage's Go kernels are amd64.
    case goNeedsX86_64(layout: String)

    package var description: String {
        switch self {
        case .syntax(let path, let line, let column, let message):
            return "\(path):\(line):\(column): not valid TOML: \(message); fix the file (see the kimage.toml section of the README)"
        case .unknownSection(let path, let line, let name, let known):
            return "\(path):\(line): unknown table [\(name)]; expected one of \(known.map { "[\($0)]" }.joined(separator: ", "))"
        case .unknownKey(let path, let line, let section, let key, let suggestion):
            let hint = suggestion.map { "; did you mean `\($0)`?" } ?? ""
            return "\(path):\(line): unknown key `\(key)` in [\(section)]; keys are the long option names of `kimage \(section == "sources" ? "count` and `kimage redirect" : section) --help`\(hint)"
        case .wrongType(let path, let line, let section, let key, let expected, let found):
            return "\(path):\(line): [\(section)] \(key) is \(found); expected \(expected)"
        case .keyOutsideSection(let path, let line, let key):
            return "\(path):\(line): key `\(key)` is outside any table; put it under the command it is for, e.g. [redirect]"
        case .missingConfigPath:
            return "--config needs a file: kimage --config kimage.toml redirect build/kernel.elf"
        case .unknownPlaceholder(let template, let line, let name, let known):
            return "template \(template):\(line): unknown placeholder {{\(name)}}; known: \(known.joined(separator: ", "))"
        case .malformedPlaceholder(let template, let line, let text):
            return "template \(template):\(line): malformed placeholder `\(text)`; expected {{name}} with name made of a-z, 0-9 and _"
        case .missingTemplate(let name):
            return "this kimage binary has no embedded template \(name); rebuild it (scripts/gen-templates regenerates the embedded copy)"
        case .directoryNotEmpty(let path, let entries):
            let shown = entries.prefix(5).joined(separator: ", ") + (entries.count > 5 ? ", ..." : "")
            return "\(path) is not empty (\(shown)); kimage init writes into an empty or new directory: pick another, or pass --force to overwrite the files it writes"
        case .layoutNeedsOtherArch(let layout, let layoutArch, let arch):
            return "layout \(layout) is for \(layoutArch), not \(arch); use --arch \(layoutArch), or a layout for \(arch)"
        case .goNeedsX86_64(let layout):
            return "--lang go writes an amd64 Go kernel, and layout \(layout) is i386; use --layout gopher or --layout kernel (x86_64)"
        case .cannotCreateDirectory(let path, let reason):
            return "cannot create directory \(path): \(reason)"
        case .emptyProjectDirectory:
            return "the directory is an empty string; expected the project's directory: name it (`kimage init hello`, or `kimage init .` for this one)"
        case .unresolvableProjectDirectory(let path, let reason):
            return "cannot use \(path) as the project's directory: \(reason); expected a directory kimage can create or open; nothing was written"
        case .projectNameInTheWay(let path, let kind):
            return "\(path) is \(kind); kimage init writes only regular files it creates inside the directory, never through a link or into a FIFO or device: remove or rename it; nothing was written"
        }
    }
}
