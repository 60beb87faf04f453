/// The one place that says which options of which subcommand kimage.toml may set. ConfigTests
/// checks these tables against the options the CLI actually declares (its
/// `--experimental-dump-help`), so a new flag without a table entry fails the tests.
package enum ConfigTables {
    /// Options shared by `count` and `redirect`: both must read the same redirect sources, or the
    /// table rt0 reserved and the table redirect fills disagree. In kimage.toml they live in
    /// [sources]; a command's own table overrides them.
    package static let sources: [ConfigOption] = [
        .init("go", .repeated, path: true),
        .init("go-import-root", .value, path: true),
        .init("goos", .value),
        .init("goarch", .value),
        .init("manifest", .repeated, path: true),
    ]

    package static let count: [ConfigOption] = sources + [
        .init("format", .value),
        .init("output", .value, short: "o", path: true),
        .init("depfile", .value, path: true),
        .init("target", .value),
    ]

    package static let redirect: [ConfigOption] = sources + [
        .init("kernel", .positional, path: true),
        .init("output", .value, short: "o", path: true),
        .init("section", .value),
        .init("table-symbol", .value),
        .init("patch", .flag),
        .init("allow-spare", .flag),
        .init("dry-run", .flag),
        .init("json", .flag),
        .init("quiet", .flag, short: "q"),
    ]

    package static let pagetables: [ConfigOption] = [
        .init("mode", .value),
        .init("identity", .repeated),
        .init("map", .repeated),
        .init("higher-half", .repeated),
        .init("kernel", .value, path: true),
        .init("from-elf", .value, path: true),   // the old spelling of kernel, hidden
        .init("recursive", .value),
        .init("page-size", .value),
        .init("base", .value),
        .init("link-offset", .value),
        .init("symbol-prefix", .value),
        .init("format", .value),
        .init("output", .value, short: "o", path: true),
        .init("quiet", .flag, short: "q"),
    ]

    package static let pack: [ConfigOption] = [
        .init("kernel", .value, path: true),
        .init("loader", .value, path: true),
        .init("cmdline", .value),
        .init("map", .repeated),
        .init("recursive", .value),
        .init("embed-elf", .flag),
        .init("protocol", .value),
        .init("pae", .flag),
        .init("five-level", .flag),
        .init("handoff", .value),
        .init("sse", .flag, invertible: true),
        .init("efi", .flag, invertible: true),
        .init("compress", .value),
        .init("bootsector", .value, path: true),
        .init("setup16", .value, path: true),
        .init("setup32", .value, path: true),
        .init("output", .value, short: "o", path: true),
        .init("depfile", .value, path: true),
        .init("target", .value),
        .init("json", .flag),
        .init("quiet", .flag, short: "q"),
    ]

    /// kimage.toml's tables, in the order the README lists them.
    package static let sections: [(name: String, options: [ConfigOption])] = [
        ("sources", sources),
        ("count", count),
        ("redirect", redirect),
        ("pagetables", pagetables),
        ("pack", pack),
    ]

    /// The subcommands kimage.toml configures, and the tables each reads, weakest first.
    package static func sectionNames(for command: String) -> [String] {
        switch command {
        case "count", "redirect": return ["sources", command]
        case "pagetables", "pack": return [command]
        default: return []
        }
    }

    package static func options(for command: String) -> [ConfigOption] {
        sections.first { $0.name == command }?.options ?? []
    }
}
