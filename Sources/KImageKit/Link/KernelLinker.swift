import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// `kimage link`: objects and Go packages to a linked, redirected kernel ELF. Steps: NUM_REDIRECTS
/// from the redirect sources (kimage_redirects.h for Go assembly, redirects.ld for the script);
/// each Go package built by the installed Go toolchain into ONE relocatable object (external
/// link mode with templates/go/extld-relocatable as the "linker", which runs `ld -r`: no
/// rewriting of `go build -n`); the entry and exports made global (objcopy); ld with the
/// layout's script; then the redirect step. Everything happens in a temporary directory beside
/// the output, renamed over it only when every step succeeded.
package enum KernelLinker {
    package struct Report: Sendable {
        package let output: String
        package let redirectCount: Int
        /// `SRC 0x... -> DST 0x...`, as `kimage redirect` prints them.
        package let redirectLines: [String]
        /// Every file the result depends on (the depfile's prerequisites).
        package let inputs: [String]
    }

    /// `onCommand` receives each command's shell line before it runs (for --print-commands).
    package static func link(_ options: LinkOptions, onCommand: (String) throws -> Void = { _ in }) throws -> Report {
        try checkInputs(options)
        let sources = RedirectSources(goTrees: options.goPackages, manifests: options.manifests,
                                      goImportRoot: options.goImportRoot,
                                      target: options.arch == .i386 ? GoTarget(uncheckedGOOS: "linux", goarch: "386") : .linuxAMD64)
        let collection: RedirectSources.Collection? = sources.isEmpty ? nil : try sources.collect()
        // The kernel written must not replace an input (an object, the script, a manifest, a Go
        // source, kimage.toml): refused before anything runs.
        try DistinctFiles.check(outputs: [NamedPath("-o", "the kernel", options.outputPath)]
                                    + (options.depfilePath.map { [NamedPath("--depfile", "the depfile", $0)] } ?? []),
                                inputs: options.objects.map { NamedPath("the object", "an object to link", $0) }
                                    + (options.scriptPath.map { [NamedPath("--script", "the linker script", $0)] } ?? [])
                                    + (collection.map { sources.namedInputs($0) } ?? []))

        let tmp = try makeWorkDirectory(for: options.outputPath)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        // The steps only announce through onCommand while link runs.
        let (linked, lines) = try withoutActuallyEscaping(onCommand) { announce in
            let run = LinkRun(options: options, tmp: tmp, onCommand: announce)
            try run.writeCounts(collection?.count ?? 0)
            let goObjects = try run.buildGoPackages()
            let linked = try run.ld(script: try run.linkerScript(), goObjects: goObjects)
            return (linked, try collection.map { try run.redirect(linked, $0) } ?? [])
        }

        try onCommand("mv " + LinkCommand.quote(linked) + " " + LinkCommand.quote(options.outputPath))
        guard rename(linked, options.outputPath) == 0 else {
            throw FileError.cannotReplace(path: options.outputPath, reason: String(cString: strerror(errno)))
        }
        var inputs = options.objects + (options.scriptPath.map { [$0] } ?? [])
        for package in options.goPackages { inputs += goPackageFiles(package) }
        inputs += collection?.filesRead ?? []
        var seen = Set<String>()
        inputs = inputs.filter { seen.insert($0).inserted }
        return Report(output: options.outputPath, redirectCount: collection?.count ?? 0, redirectLines: lines, inputs: inputs)
    }

    /// Every input is checked before anything runs.
    static func checkInputs(_ options: LinkOptions) throws {
        let fm = FileManager.default
        if options.goPackages.isEmpty && options.objects.isEmpty { throw LinkError.nothingToLink }
        for o in options.objects where !fm.fileExists(atPath: o) { throw LinkError.missingInput(kind: "object", path: o) }
        for p in options.goPackages {
            var st = stat()
            if stat(p, &st) != 0 || (st.st_mode & S_IFMT) != S_IFDIR {
                throw LinkError.missingInput(kind: "Go package directory", path: p)
            }
        }
        if let s = options.scriptPath, !fm.fileExists(atPath: s) { throw LinkError.missingInput(kind: "linker script", path: s) }
    }

    /// One name per output, so --print-commands is the same every run; a killed run's leftover
    /// is removed first. Beside the output, so the final rename stays on one file system.
    static func makeWorkDirectory(for output: String) throws -> String {
        let fm = FileManager.default
        let outputDir = PathNames.directory(of: output)
        let tmp = (outputDir.isEmpty ? "." : outputDir) + "/.\(PathNames.lastComponent(of: output)).kimage-link"
        try? fm.removeItem(atPath: tmp)
        do {
            try fm.createDirectory(atPath: tmp, withIntermediateDirectories: false)
        } catch {
            throw LinkError.noOutputDirectory(path: output, reason: String(describing: error))
        }
        return tmp
    }

    /// The files of a Go package tree a build reads: sources, assembly, headers, go.mod/go.sum.
    static func goPackageFiles(_ directory: String) -> [String] {
        return subpaths(of: directory).filter { name in
            let parts = name.split(separator: "/")
            if parts.contains(where: { $0.hasPrefix(".") || $0 == "build" || $0 == "testdata" }) { return false }
            return name.hasSuffix(".go") || name.hasSuffix(".s") || name.hasSuffix(".h") || name.hasSuffix("go.mod") || name.hasSuffix("go.sum")
        }.sorted().map { (directory.hasSuffix("/") ? directory : directory + "/") + $0 }
    }

    package static func writeDepfile(_ path: String, report: Report, target: String? = nil) throws {
        try OutputFile.write(Array(RedirectCount.depfile(target: target ?? report.output, prerequisites: report.inputs).utf8), to: path)
    }
}
