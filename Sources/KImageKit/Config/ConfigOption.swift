/// One command-line option of a kimage subcommand that kimage.toml can also set. The TOML key is
/// the option's long name without its dashes (`allow-spare`, `go-import-root`), so what users
/// read in `--help` is what they write in the file.
package struct ConfigOption: Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        /// `--patch`; in TOML a boolean (`true` adds the flag, `false` leaves it out).
        case flag
        /// `--section NAME`; in TOML a string or an integer.
        case value
        /// `--go DIR`, given once per value; in TOML an array (or a single string).
        case repeated
        /// The command's positional argument (`kimage redirect KERNEL`); in TOML a string.
        case positional
    }

    package let key: String
    package let kind: Kind
    /// Every spelling on the command line, long first (`--output`, `-o`); empty for positionals.
    package let names: [String]
    /// A file or directory: relative values in a kimage.toml elsewhere than the working directory
    /// are taken relative to that file, as a Makefile beside it would mean them.
    package let isPath: Bool
    /// A flag with a `--no-` form (`--sse`/`--no-sse`): in TOML `false` gives the `--no-` form.
    package let isInvertible: Bool

    /// `shortOnly`: the command spells it only as `-short` (pagetables' `-o`); the key stays long.
    package init(_ key: String, _ kind: Kind, short: String? = nil, shortOnly: Bool = false, path: Bool = false,
                invertible: Bool = false) {
        self.key = key
        self.kind = kind
        self.isInvertible = invertible
        let long = shortOnly ? [] : ["--" + key]
        self.names = kind == .positional ? [] : long + (short.map { ["-" + $0] } ?? [])
        self.isPath = path
    }

    /// The `--no-` spelling of an invertible flag.
    package var inverseName: String? { isInvertible ? "--no-" + key : nil }

    /// Whether the option consumes the next argument on the command line.
    package var takesValue: Bool { kind == .value || kind == .repeated }
}
