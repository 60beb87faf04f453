import TOMLKit

/// A parsed and checked kimage.toml: for each table, the options it sets, as the command-line
/// arguments they stand for. Every key is checked against ConfigTables when the file is read, so
/// a typo fails every command, not only the one that would have read it.
package struct KImageConfig: Sendable, Equatable {
    /// One key of one table: the option it sets and the arguments it becomes.
    package struct Entry: Sendable, Equatable {
        package let section: String
        package let option: ConfigOption
        /// The values, already resolved relative to the file for path options.
        package let values: [String]
        package let line: Int
    }

    package static let defaultFileName = "kimage.toml"
    /// The most values one array in kimage.toml may hold.
    package static let maxArrayValues = 256

    package let path: String
    package let entries: [Entry]

    package init(path: String) throws {
        let text: String
        do {
            let file = try FileBytes(path: path)
            text = withExtendedLifetime(file) { String(decoding: file.bytes, as: UTF8.self) }
        } catch FileError.empty {
            // An empty file is valid TOML: a configuration that sets nothing.
            text = ""
        }
        try self.init(text: text, path: path)
        // No output of this run may replace it (`-o kimage.toml`).
        DistinctFiles.noteConfiguration(path)
    }

    package init(text: String, path: String) throws {
        self.path = path
        let lines = TOMLLines(text)
        try TOMLPreflight.check(text, path: path)
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError.syntax(path: path, line: error.source.begin.line,
                                     column: error.source.begin.column, message: error.description)
        }
        let base = KImageConfig.directory(of: path)
        var entries: [Entry] = []
        let known = ConfigTables.sections.map(\.name)
        for sectionName in root.keys {
            guard let table = root[sectionName]?.table else {
                throw ConfigError.keyOutsideSection(path: path, line: lines.line(ofKey: sectionName, in: nil), key: sectionName)
            }
            guard let section = ConfigTables.sections.first(where: { $0.name == sectionName }) else {
                throw ConfigError.unknownSection(path: path, line: lines.line(ofTable: sectionName), name: sectionName, known: known)
            }
            for key in table.keys {
                let line = lines.line(ofKey: key, in: sectionName)
                guard let option = section.options.first(where: { $0.key == key }) else {
                    throw ConfigError.unknownKey(path: path, line: line, section: sectionName, key: key,
                                                 suggestion: KImageConfig.closest(to: key, among: section.options.map(\.key)))
                }
                let value = table[key]!
                var values = try KImageConfig.values(of: value, for: option, section: sectionName, path: path, line: line)
                if option.isPath, let base { values = values.map { $0.hasPrefix("/") ? $0 : base + "/" + $0 } }
                entries.append(Entry(section: sectionName, option: option, values: values, line: line))
            }
        }
        // TOMLKit's tables are ordered by key; file order is what users expect to see echoed.
        self.entries = entries.sorted { ($0.line, $0.section, $0.option.key) < ($1.line, $1.section, $1.option.key) }
    }

    /// The arguments kimage.toml adds for `command`, given what the user typed: an option the
    /// user gave (any spelling) replaces the file's value instead of adding to it, and a
    /// positional the user gave replaces the file's positional.
    package func arguments(for command: String, userArguments: [String]) -> [String] {
        let sections = ConfigTables.sectionNames(for: command)
        guard !sections.isEmpty else { return [] }
        let table = ConfigTables.options(for: command)
        let given = KImageConfig.scan(userArguments, options: table)
        // A command's own table overrides [sources] key by key.
        var chosen: [String: Entry] = [:]
        for section in sections {
            for entry in entries where entry.section == section {
                chosen[entry.option.key] = entry
            }
        }
        var options: [String] = []
        var positionals: [String] = []
        for entry in chosen.values.sorted(by: { ($0.line, $0.option.key) < ($1.line, $1.option.key) }) {
            // [sources] options a command does not take are skipped (none today; kept safe).
            guard let option = table.first(where: { $0.key == entry.option.key }) else { continue }
            switch option.kind {
            case .positional:
                if !given.hasPositional { positionals += entry.values }
            case .flag:
                if !given.options.contains(option.key) && entry.values == ["true"] { options.append(option.names[0]) }
                if !given.options.contains(option.key) && entry.values == ["false"], let inverse = option.inverseName { options.append(inverse) }
            case .value, .repeated:
                if !given.options.contains(option.key) {
                    for value in entry.values { options += [option.names[0], value] }
                }
            }
        }
        return positionals + options
    }

    /// Which table options and whether a positional appear among `arguments`.
    static func scan(_ arguments: [String], options: [ConfigOption]) -> (options: Set<String>, hasPositional: Bool) {
        var found = Set<String>()
        var positional = false
        var i = 0
        while i < arguments.count {
            let arg = arguments[i]
            i += 1
            if arg == "--" { positional = positional || i < arguments.count; break }
            guard arg.hasPrefix("-"), arg != "-" else { positional = true; continue }
            let name = arg.split(separator: "=", maxSplits: 1).first.map(String.init) ?? arg
            if let option = options.first(where: { $0.names.contains(name) || $0.inverseName == name }) {
                found.insert(option.key)
                if option.takesValue && !arg.contains("=") { i += 1 }
            }
        }
        return (found, positional)
    }

    static func values(of value: TOMLValueConvertible, for option: ConfigOption, section: String, path: String, line: Int) throws -> [String] {
        func wrong(_ expected: String) -> ConfigError {
            .wrongType(path: path, line: line, section: section, key: option.key, expected: expected,
                       found: KImageConfig.describe(value))
        }
        func scalar(_ v: TOMLValueConvertible) throws -> String? {
            if let s = v.string { return s }
            // No option takes a negative number, and `--recursive -1` would read as an option:
            // the file's line says what is wrong, not a usage error without one.
            if let i = v.int {
                guard i >= 0 else {
                    throw ConfigError.wrongType(path: path, line: line, section: section, key: option.key,
                                                expected: "a non-negative integer", found: String(i))
                }
                return String(i)
            }
            return nil
        }
        switch option.kind {
        case .flag:
            guard let b = value.bool else { throw wrong("true or false") }
            return [b ? "true" : "false"]
        case .value, .positional:
            guard let s = try scalar(value) else { throw wrong("a string or an integer") }
            return [s]
        case .repeated:
            if let s = try scalar(value) { return [s] }
            guard let array = value.array else { throw wrong("an array of strings, e.g. [\"a\", \"b\"]") }
            // Each value becomes two arguments, and the argument parser's work grows with the
            // square of their number: 30,000 manifests took 49 s (issue 12).
            guard array.count <= maxArrayValues else {
                throw ConfigError.wrongType(path: path, line: line, section: section, key: option.key,
                                            expected: "at most \(maxArrayValues) values (kimage's limit for an array); list fewer: join manifests into one file, or name the directory of a Go tree instead of its files",
                                            found: "an array of \(array.count) values")
            }
            var out: [String] = []
            for element in array {
                guard let s = try scalar(element) else { throw wrong("an array of strings, e.g. [\"a\", \"b\"]") }
                out.append(s)
            }
            return out
        }
    }

    static func describe(_ value: TOMLValueConvertible) -> String {
        switch value.type {
        case .table: return "a table"
        case .array: return "an array"
        case .string: return "a string"
        case .int: return "an integer"
        case .double: return "a floating-point number"
        case .bool: return "a boolean"
        default: return "a date or time"
        }
    }

    /// nil for a file in the working directory (the arguments stay as written).
    static func directory(of path: String) -> String? {
        guard let slash = path.lastIndex(of: "/") else { return nil }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : (dir == "." ? nil : dir)
    }

    /// The known key nearest to a typo (edit distance at most 2), for "did you mean".
    static func closest(to key: String, among keys: [String]) -> String? {
        let scored = keys.map { ($0, editDistance(Array(key.utf8), Array($0.utf8))!) }.filter { $0.1 <= max(2, key.count / 3) }
        return scored.min { ($0.1, $0.0) < ($1.1, $1.0) }?.0
    }
}
