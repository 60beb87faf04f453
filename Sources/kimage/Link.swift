import ArgumentParser
import KImageKit

struct Link: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "link",
        abstract: "Link objects and Go packages into a redirected kernel ELF (go and ld run by kimage).",
        discussion: """
        Each --go package is built by the installed Go toolchain into one relocatable object \
        (GOOS=linux, external link mode with kimage's `ld -r` as the external linker) and \
        scanned for //go:redirect-from annotations; NUM_REDIRECTS is passed to Go assembly as \
        kimage_redirects.h (#include "kimage_redirects.h") and to the linker script as \
        redirects.ld; the entry symbol is made global; ld links with the layout's script (or \
        --script); then the redirect step runs as `kimage redirect` would. The output appears \
        only when every step succeeded; a failed step is named with its own output.

        Example:
          kimage link -o build/kernel.elf --layout gopher --go . --table-symbol main.redirects --patch
          kimage link -o build/kernel.elf --layout kernel build/rt0.o build/main.o --manifest redirects.txt
          kimage link -o build/kernel.elf --go . --print-commands
        """
    )

    @Option(name: .shortAndLong, help: "The kernel ELF to write.")
    var output: String

    @Option(help: "A layout kimage ships (gopher: 0xFFFF800000000000 + 1 MiB; kernel: 0xFFFFFFFF80000000 + 1 MiB; jinue: 0xC0000000 + 1 MiB, i386). Default gopher.")
    var layout: KernelLayout?

    @Option(help: ArgumentHelp("Your own linker script instead of a layout (it may INCLUDE redirects.ld).", valueName: "file"))
    var script: String?

    @Option(name: .customLong("go"), help: ArgumentHelp("A Go main package to build into the kernel; also a redirect source (repeatable).", valueName: "pkg"))
    var goPackages: [String] = []

    @Option(name: .customLong("go-import-root"), help: ArgumentHelp("As for count: import paths relative to this directory (GOPATH style).", valueName: "dir"))
    var goImportRoot: String?

    @Option(name: .customLong("manifest"), help: ArgumentHelp("A redirect manifest (`SRC DST` lines), as for count (repeatable).", valueName: "file"))
    var manifests: [String] = []

    @Option(help: ArgumentHelp("The entry symbol (ld -e), made global in the Go objects. Default with --go: main.rt0.abi0 (TEXT ·rt0 in Go assembly); else the script's ENTRY.", valueName: "symbol"))
    var entry: String?

    @Option(name: .customLong("export"), help: ArgumentHelp("A Go symbol to make global too, for an rt0 outside Go (repeatable).", valueName: "symbol"))
    var exports: [String] = []

    @Option(help: "The redirect table section, as for redirect (default .goredirectstbl).")
    var section: String?

    @Option(name: .customLong("table-symbol"), help: ArgumentHelp("The redirect table is this data symbol, as for redirect (Go: main.redirects).", valueName: "name"))
    var tableSymbol: String?

    @Flag(help: "Also write the trampolines at build time, as for redirect.")
    var patch = false

    @Flag(help: "Zero-fill spare table slots, as for redirect.")
    var allowSpare = false

    @Option(help: ArgumentHelp("Also write a make rule: OUTPUT depends on every input (objects, Go sources, manifests, script).", valueName: "file"))
    var depfile: String?

    @Option(help: ArgumentHelp("The depfile rule's target (default: the -o file).", valueName: "target"))
    var target: String?

    @Flag(name: .shortAndLong, help: "Print nothing but warnings and errors.")
    var quiet = false

    @Flag(help: "Print each command before it runs (shell syntax, for a Makefile).")
    var printCommands = false

    @Argument(help: "Objects to link (rt0, C, assembly).")
    var objects: [String] = []

    func validate() throws {
        if layout != nil && script != nil {
            throw ValidationError("--layout and --script both name the linker script; give one")
        }
        if section != nil && tableSymbol != nil {
            throw ValidationError("--section and --table-symbol both name the redirect table; give one")
        }
        if target != nil && depfile == nil {
            throw ValidationError("--target names the depfile rule's target: give --depfile FILE too")
        }
        if goPackages.isEmpty && objects.isEmpty {
            throw ValidationError("nothing to link: give at least one OBJECT or --go PKG")
        }
    }

    func run() throws {
        try reportingErrors {
            var options = LinkOptions(outputPath: output)
            options.depfilePath = depfile
            options.layout = layout
            options.scriptPath = script
            options.goPackages = goPackages
            options.goImportRoot = goImportRoot
            options.manifests = manifests
            options.objects = objects
            options.entry = entry
            options.exports = exports
            options.tableSection = section
            options.tableSymbol = tableSymbol
            options.patch = patch
            options.allowSpare = allowSpare
            let report = try KernelLinker.link(options) { line in
                if printCommands { try StandardOutput.line(line) }
            }
            if !quiet { for line in report.redirectLines { try StandardOutput.line(line) } }
            if let depfile { try KernelLinker.writeDepfile(depfile, report: report, target: target) }
        }
    }
}
