/// What `kimage link` was asked to build.
package struct LinkOptions: Sendable {
    package var outputPath: String
    /// `--depfile FILE`: an output too, so it must not name an input either.
    package var depfilePath: String?
    /// A layout kimage ships (templates/ld/layout.ld rendered for it), or nil when `scriptPath` is given.
    package var layout: KernelLayout?
    package var scriptPath: String?
    /// Go packages (directories) each built into one relocatable object; also redirect sources.
    package var goPackages: [String] = []
    package var objects: [String] = []
    /// Further redirect sources, as for `kimage count`.
    package var manifests: [String] = []
    package var goImportRoot: String?
    /// The entry symbol (ld -e), made global in the Go objects; nil: main.rt0.abi0 with --go,
    /// else the linker script's ENTRY.
    package var entry: String?
    /// More Go symbols to make global (for an rt0 in nasm that calls into Go).
    package var exports: [String] = []
    package var tableSection: String?
    package var tableSymbol: String?
    package var patch = false
    package var allowSpare = false

    package init(outputPath: String) {
        self.outputPath = outputPath
    }

    /// The entry ld is given: the option, else Go's rt0 when a Go package is linked.
    package var effectiveEntry: String? {
        entry ?? (goPackages.isEmpty ? nil : "main.rt0.abi0")
    }

    /// Where the CPU runs the result: the layout's, else x86-64 (a script of the user's).
    package var arch: KernelArch { layout?.arch ?? .x86_64 }
}
