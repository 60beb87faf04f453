import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// The steps of one `kimage link` inside its work directory, each announced through `onCommand`
/// (as --print-commands shows them) before it runs.
struct LinkRun {
    let options: LinkOptions
    let tmp: String
    let onCommand: (String) throws -> Void

    /// The redirect sources as `kimage count`/`redirect` options, for the printed commands.
    var sourceArgs: [String] {
        options.goPackages.flatMap { ["--go", $0] }
            + (options.goImportRoot.map { ["--go-import-root", $0] } ?? []) + options.manifests.flatMap { ["--manifest", $0] }
    }

    /// NUM_REDIRECTS for Go assembly and for the linker script, from the same sources.
    func writeCounts(_ count: Int) throws {
        let header = tmp + "/kimage_redirects.h", ldDefs = tmp + "/redirects.ld"
        try onCommand((["kimage", "count"] + sourceArgs + ["--format", "go-asm"]).map(LinkCommand.quote).joined(separator: " ") + " > " + LinkCommand.quote(header))
        try OutputFile.write(Array("#define \(RedirectCount.symbol) \(count)\n".utf8), to: header)
        try onCommand((["kimage", "count"] + sourceArgs + ["--format", "ld"]).map(LinkCommand.quote).joined(separator: " ") + " > " + LinkCommand.quote(ldDefs))
        try OutputFile.write(Array("\(RedirectCount.symbol) = \(count);\n".utf8), to: ldDefs)
    }

    func run(_ command: LinkCommand) throws {
        try onCommand(command.shellLine)
        let r = try command.run()
        if r.status != 0 {
            throw LinkError.stepFailed(step: command.step, command: command.shellLine, status: r.status, output: r.output)
        }
    }

    /// Go packages: one relocatable object each, with the entry and exports made global.
    func buildGoPackages() throws -> [String] {
        guard !options.goPackages.isEmpty else { return [] }
        let extld = tmp + "/extld"
        try onCommand("cp templates/go/extld-relocatable " + LinkCommand.quote(extld) + "  # kimage's copy: ld -r of the objects Go hands over")
        try OutputFile.write(Array(try Templates.text("go/extld-relocatable").utf8), to: extld, mode: 0o755)
        let absoluteTmp = URL(fileURLWithPath: tmp).standardizedFileURL.path
        var objects: [String] = []
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
            objects.append(object)
        }
        return objects
    }

    /// The linker script: the layout's, or the user's; either finds redirects.ld through -L.
    func linkerScript() throws -> String {
        if let s = options.scriptPath { return s }
        let layout = options.layout ?? .gopher
        let script = tmp + "/\(layout.rawValue).ld"
        try onCommand("# the \(layout.rawValue) layout's linker script (the linker.ld kimage init writes) > " + LinkCommand.quote(script))
        try OutputFile.write(Array(try layout.linkerScript().utf8), to: script)
        return script
    }

    /// ld over the objects; returns the linked kernel, still inside the work directory.
    func ld(script: String, goObjects: [String]) throws -> String {
        let linked = tmp + "/kernel.elf"
        var args = ["-m", options.arch == .i386 ? "elf_i386" : "elf_x86_64", "-nostdlib", "-z", "noexecstack", "-z", "max-page-size=4096",
                    "-L", tmp, "-T", script]  // -L first: ld reads the script's INCLUDE at -T
        if let entry = options.effectiveEntry { args += ["-e", entry] }
        args += ["-o", linked] + options.objects + goObjects
        try run(LinkCommand(step: "ld", "ld", args))
        return linked
    }

    /// The redirect step, on the temporary result; returns redirect's lines.
    func redirect(_ linked: String, _ collection: RedirectSources.Collection) throws -> [String] {
        var args = ["kimage", "redirect", linked] + sourceArgs
        if let s = options.tableSection { args += ["--section", s] }
        if let s = options.tableSymbol { args += ["--table-symbol", s] }
        if options.patch { args += ["--patch"] }
        if options.allowSpare { args += ["--allow-spare"] }
        let line = args.map(LinkCommand.quote).joined(separator: " ")
        try onCommand(line)
        do {
            let elf = try ELFFile(path: linked)
            let (location, _) = RedirectTableLocation.choose(section: options.tableSection, symbol: options.tableSymbol,
                                                             patch: options.patch, elf: elf)
            let plan = try RedirectPlan(elf: elf, redirects: collection.redirects, table: location,
                                        patch: options.patch, allowSpare: options.allowSpare)
            try plan.write(to: linked)
            return plan.lines
        } catch let error as any KImageError {
            throw LinkError.redirectFailed(command: line, message: error.description)
        }
    }
}
