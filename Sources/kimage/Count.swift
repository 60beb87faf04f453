import ArgumentParser
import KImageKit

/// Where redirects come from; shared by `count` and `redirect`, which must agree.
struct RedirectSourceOptions: ParsableArguments {
    @Option(name: .customLong("go"), help: ArgumentHelp("A Go tree whose functions carry //go:redirect-from annotations (repeatable).", valueName: "dir"))
    var goTrees: [String] = []

    @Option(name: .customLong("go-import-root"), help: ArgumentHelp("Import paths are relative to this directory (GOPATH style, gopher-os: src); else the nearest go.mod decides.", valueName: "dir"))
    var goImportRoot: String?

    @Option(help: "The GOOS whose files count (file-name suffixes, //go:build).")
    var goos: String = "linux"

    @Option(help: "The GOARCH whose files count.")
    var goarch: String = "amd64"

    @Option(name: .customLong("manifest"), help: ArgumentHelp("A file of `SRC DST` lines, # comments (repeatable).", valueName: "file"))
    var manifests: [String] = []

    func validate() throws {
        if goTrees.isEmpty && manifests.isEmpty {
            throw ValidationError("no redirect sources: give at least one --go DIR or --manifest FILE")
        }
        if !GoTarget.knownOS.contains(goos) {
            throw ValidationError("unknown --goos \(goos); expected one of \(GoTarget.knownOS.sorted().joined(separator: " "))")
        }
        if !GoTarget.knownArch.contains(goarch) {
            throw ValidationError("unknown --goarch \(goarch); expected one of \(GoTarget.knownArch.sorted().joined(separator: " "))")
        }
    }

    func sources() throws -> RedirectSources {
        RedirectSources(goTrees: goTrees, manifests: manifests, goImportRoot: goImportRoot,
                        target: try GoTarget(goos: goos, goarch: goarch))
    }
}

struct Count: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "count",
        abstract: "Print how many redirects the sources define (the size of rt0's redirect table).",
        usage: "kimage count (--go <dir> | --manifest <file>)... [<options>]",
        discussion: """
        rt0 reserves one .goredirectstbl slot per redirect, so it must be assembled with the \
        count of the same sources `kimage redirect` reads after linking. --depfile writes a make \
        rule naming every file read, so make reassembles rt0 when an annotation changes.

        Example:
          nasm -f elf64 -dNUM_REDIRECTS=$(kimage count --go src) rt0.asm
          kimage count --go src/kernel --go-import-root src --format nasm
          kimage count --manifest redirects.txt --format c > redirects.h
          kimage count --go src --depfile build/rt0.d --target build/rt0.o
        """
    )

    @OptionGroup var sources: RedirectSourceOptions

    @Option(help: "plain (the number alone), nasm, gas, ld, c, go-asm (`#define` for Go assembly's preprocessor), go (a const, after your package clause), or json (with every redirect and its file:line).")
    var format: RedirectCount.Format = .plain

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the result to FILE instead of standard output.", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("Also write a make rule: the target depends on every source file read.", valueName: "file"))
    var depfile: String?

    @Option(help: ArgumentHelp("The depfile rule's target (default: the -o file).", valueName: "target"))
    var target: String?

    func validate() throws {
        if depfile != nil && target == nil && output == nil {
            throw ValidationError("--depfile needs the rule's target: give --target T (the rt0 object) or -o FILE, which it defaults to")
        }
        if depfile == nil && target != nil {
            throw ValidationError("--target names the depfile rule's target: give --depfile FILE too")
        }
    }

    func run() throws {
        try reportingErrors {
            let redirectSources = try sources.sources()
            let collection = try redirectSources.collect()
            let text = RedirectCount.render(collection, format: format) + "\n"
            if let output {
                try OutputFile.write(Array(text.utf8), to: output)
            }
            if let depfile, let target = target ?? output {
                try RedirectCount.writeDepfile(depfile, target: target, sources: redirectSources, collection: collection)
            }
            if output == nil { try StandardOutput.write(text) }
        }
    }
}
