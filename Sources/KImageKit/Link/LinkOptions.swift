/// What `kimage link` was asked to build.
public struct LinkOptions: Sendable {
    public var outputPath: String
    /// `--depfile FILE`: an output too, so it must not name an input either.
    public var depfilePath: String?
    /// A layout kimage ships (templates/ld/layout.ld rendered for it), or nil when `scriptPath` is given.
    public var layout: KernelLayout?
    public var scriptPath: String?
    /// Go packages (directories) each built into one relocatable object; also redirect sources.
    public var goPackages: [String] = []
    public var objects: [String] = []
    /// Further redirect sources, as for `kimage count`.
    public var manifests: [String] = []
    public var goImportRoot: String?
    /// The entry symbol (ld -e), made global in the Go objects; nil: main.rt0.abi0 with --go,
    /// else the linker script's ENTRY.
    public var entry: String?
    /// More Go symbols to make global (for an rt0 in nasm that calls into Go).
    public var exports: [String] = []
    public var tableSection: String?
    public var tableSymbol: String?
    public var patch = false
    public var allowSpare = false

    public init(outputPath: String) {
        self.outputPath = outputPath
    }

    /// The entry ld is given: the option, else Go's rt0 when a Go package is linked.
    public var effectiveEntry: String? {
        entry ?? (goPackages.isEmpty ? nil : "main.rt0.abi0")
    }

    /// Where the CPU runs the result: the layout's, else x86-64 (a script of the user's).
    public var arch: KernelArch { layout?.arch ?? .x86_64 }
}
