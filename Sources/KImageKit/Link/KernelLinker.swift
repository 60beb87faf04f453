import Foundation

/// `kimage link`: objects and Go packages to a linked, redirected kernel ELF. Steps: NUM_REDIRECTS
/// from the redirect sources (kimage_redirects.h for Go assembly, redirects.ld for the script);
/// each Go package built by the installed Go toolchain into ONE relocatable object (external
/// link mode with templates/go/extld-relocatable as the "linker", which runs `ld -r`: no
/// rewriting of `go build -n`); the entry and exports made global (objcopy); ld with the
/// layout's script; then the redirect step. Everything happens in a temporary directory beside
/// the output, renamed over it only when every step succeeded.
public enum KernelLinker {
    public struct Report: Sendable {
        public let output: String
        public let redirectCount: Int
        /// `SRC 0x... -> DST 0x...`, as `kimage redirect` prints them.
        public let redirectLines: [String]
        /// Every file the result depends on (the depfile's prerequisites).
        public let inputs: [String]
    }

    /// `onCommand` receives each command's shell line before it runs (for --print-commands).
    public static func link(_ options: LinkOptions, onCommand: (String) throws -> Void = { _ in }) throws -> Report {
        let fm = FileManager.default
        // Every input is checked before anything runs.
        if options.goPackages.isEmpty && options.objects.isEmpty { throw KImageError.link(.nothingToLink) }
        for o in options.objects where !fm.fileExists(atPath: o) { throw KImageError.link(.missingInput(kind: "object", path: o)) }
        for p in options.goPackages {
            var isDir: ObjCBool = false
            if !fm.fileExists(atPath: p, isDirectory: &isDir) || !isDir.boolValue {
                throw KImageError.link(.missingInput(kind: "Go package directory", path: p))
            }
        }
        if let s = options.scriptPath, !fm.fileExists(atPath: s) { throw KImageError.link(.missingInput(kind: "linker script", path: s)) }

        let sources = RedirectSources(goTrees: options.goPackages, manifests: options.manifests,
                                      goImportRoot: options.goImportRoot,
                                      target: options.arch == .i386 ? GoTarget(uncheckedGOOS: "linux", goarch: "386") : .linuxAMD64)
        let collection: RedirectSources.Collection? = sources.isEmpty ? nil : try sources.collect()
        let count = collection?.count ?? 0
        // The kernel written must not replace an input (an object, the script, a manifest, a Go
        // source, kimage.toml): refused before anything runs.
        try DistinctFiles.check(outputs: [NamedPath("-o", "the kernel", options.outputPath)]
                                    + (options.depfilePath.map { [NamedPath("--depfile", "the depfile", $0)] } ?? []),
                                inputs: options.objects.map { NamedPath("the object", "an object to link", $0) }
                                    + (options.scriptPath.map { [NamedPath("--script", "the linker script", $0)] } ?? [])
                                    + (collection.map { sources.namedInputs($0) } ?? []))

        let outputDir = (options.outputPath as NSString).deletingLastPathComponent
        // One name per output, so --print-commands is the same every run; a killed run's leftover
        // is removed first.
        let base = (options.outputPath as NSString).lastPathComponent
        let tmp = (outputDir.isEmpty ? "." : outputDir) + "/.\(base).kimage-link"
        try? fm.removeItem(atPath: tmp)
        do {
            try fm.createDirectory(atPath: tmp, withIntermediateDirectories: false)
        } catch {
            throw KImageError.link(.noOutputDirectory(path: options.outputPath, reason: String(describing: error)))
        }
        defer { try? fm.removeItem(atPath: tmp) }

        let sourceArgs = options.goPackages.flatMap { ["--go", $0] }
            + (options.goImportRoot.map { ["--go-import-root", $0] } ?? []) + options.manifests.flatMap { ["--manifest", $0] }
        // NUM_REDIRECTS for Go assembly and for the linker script, from the same sources.
        let header = tmp + "/kimage_redirects.h", ldDefs = tmp + "/redirects.ld"
        try onCommand((["kimage", "count"] + sourceArgs + ["--format", "go-asm"]).map(LinkCommand.quote).joined(separator: " ") + " > " + LinkCommand.quote(header))
        try OutputFile.write(Array("#define \(RedirectCount.symbol) \(count)\n".utf8), to: header)
        try onCommand((["kimage", "count"] + sourceArgs + ["--format", "ld"]).map(LinkCommand.quote).joined(separator: " ") + " > " + LinkCommand.quote(ldDefs))
        try OutputFile.write(Array("\(RedirectCount.symbol) = \(count);\n".utf8), to: ldDefs)

        func run(_ command: LinkCommand) throws {
            try onCommand(command.shellLine)
            let r = try command.run()
            if r.status != 0 {
                throw KImageError.link(.stepFailed(step: command.step, command: command.shellLine, status: r.status, output: r.output))
            }
        }

        // Go packages: one relocatable object each.
        var goObjects: [String] = []
        if !options.goPackages.isEmpty {
            let extld = tmp + "/extld"
            try onCommand("cp templates/go/extld-relocatable " + LinkCommand.quote(extld) + "  # kimage's copy: ld -r of the objects Go hands over")
            try OutputFile.write(Array(try Templates.text("go/extld-relocatable").utf8), to: extld, mode: 0o755)
            let absoluteTmp = URL(fileURLWithPath: tmp).standardizedFileURL.path
            for (i, package) in options.goPackages.enumerated() {
                let object = URL(fileURLWithPath: "\(absoluteTmp)/go-\(i).o").path
                try run(LinkCommand(step: "go build \(package)", "go", [
                    "build", "-buildvcs=false", "-asmflags=-I " + LinkCommand.quote(absoluteTmp),
                    "-ldflags=-linkmode=external -extld=" + LinkCommand.quote(absoluteTmp + "/extld"),
                    "-o", object, ".",
                ], directory: package, environment: ["GOOS": "linux", "GOARCH": options.arch == .i386 ? "386" : "amd64", "CGO_ENABLED": "0"]))
                let globals = (options.effectiveEntry.map { [$0] } ?? []) + options.exports
                if !globals.isEmpty {
                    try run(LinkCommand(step: "objcopy (make the entry and exports global)", "objcopy",
                                        globals.map { "--globalize-symbol=" + $0 } + [object]))
                }
                goObjects.append(object)
            }
        }

        // The linker script: the layout's, or the user's; either finds redirects.ld through -L.
        let script: String
        if let s = options.scriptPath {
            script = s
        } else {
            let layout = options.layout ?? .gopher
            script = tmp + "/\(layout.rawValue).ld"
            try onCommand("# the \(layout.rawValue) layout's linker script (the linker.ld kimage init writes) > " + LinkCommand.quote(script))
            try OutputFile.write(Array(try layout.linkerScript().utf8), to: script)
        }
        let linked = tmp + "/kernel.elf"
        var ldArgs = ["-m", options.arch == .i386 ? "elf_i386" : "elf_x86_64", "-nostdlib", "-z", "noexecstack", "-z", "max-page-size=4096",
                      "-L", tmp, "-T", script]  // -L first: ld reads the script's INCLUDE at -T
        if let entry = options.effectiveEntry { ldArgs += ["-e", entry] }
        ldArgs += ["-o", linked] + options.objects + goObjects
        try run(LinkCommand(step: "ld", "ld", ldArgs))

        // The redirect step, on the temporary result.
        var lines: [String] = []
        if let collection {
            var redirectArgs = ["kimage", "redirect", linked] + sourceArgs
            if let s = options.tableSection { redirectArgs += ["--section", s] }
            if let s = options.tableSymbol { redirectArgs += ["--table-symbol", s] }
            if options.patch { redirectArgs += ["--patch"] }
            if options.allowSpare { redirectArgs += ["--allow-spare"] }
            let line = redirectArgs.map(LinkCommand.quote).joined(separator: " ")
            try onCommand(line)
            do {
                let elf = try ELFFile(path: linked)
                let (location, _) = RedirectTableLocation.choose(section: options.tableSection, symbol: options.tableSymbol,
                                                                 patch: options.patch, elf: elf)
                let plan = try RedirectPlan(elf: elf, redirects: collection.redirects, table: location,
                                            patch: options.patch, allowSpare: options.allowSpare)
                try plan.write(to: linked)
                lines = plan.lines
            } catch let error as KImageError {
                throw KImageError.link(.redirectFailed(command: line, message: error.description))
            }
        }

        try onCommand("mv " + LinkCommand.quote(linked) + " " + LinkCommand.quote(options.outputPath))
        guard rename(linked, options.outputPath) == 0 else {
            throw KImageError.file(.cannotReplace(path: options.outputPath, reason: String(cString: strerror(errno))))
        }
        var inputs = options.objects + (options.scriptPath.map { [$0] } ?? [])
        for package in options.goPackages { inputs += goPackageFiles(package) }
        inputs += collection?.filesRead ?? []
        var seen = Set<String>()
        inputs = inputs.filter { seen.insert($0).inserted }
        return Report(output: options.outputPath, redirectCount: count, redirectLines: lines, inputs: inputs)
    }

    /// The files of a Go package tree a build reads: sources, assembly, headers, go.mod/go.sum.
    static func goPackageFiles(_ directory: String) -> [String] {
        guard let names = FileManager.default.subpaths(atPath: directory) else { return [] }
        return names.filter { name in
            let parts = name.split(separator: "/")
            if parts.contains(where: { $0.hasPrefix(".") || $0 == "build" || $0 == "testdata" }) { return false }
            return name.hasSuffix(".go") || name.hasSuffix(".s") || name.hasSuffix(".h") || name.hasSuffix("go.mod") || name.hasSuffix("go.sum")
        }.sorted().map { (directory.hasSuffix("/") ? directory : directory + "/") + $0 }
    }

    public static func writeDepfile(_ path: String, report: Report, target: String? = nil) throws {
        try OutputFile.write(Array(RedirectCount.depfile(target: target ?? report.output, prerequisites: report.inputs).utf8), to: path)
    }
}
