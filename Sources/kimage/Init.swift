import ArgumentParser
import KImageKit

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a small kernel project that builds with gcc, nasm, ld and kimage.",
        discussion: """
        The project has C and nasm sources, a linker script for the layout, the redirect
        installer, a Makefile (over kimage.mk) that calls kimage count, redirect and pack, a
        manifest with one redirect and a kimage.toml. `make run` boots it in QEMU.

        Layouts: gopher  x86_64 at 0xFFFF800000000000 + 1 MiB (gopher-os; -mcmodel=large)
                 kernel  x86_64 at 0xFFFFFFFF80000000 + 1 MiB (-mcmodel=kernel)
                 jinue   i386   at 0xC0000000 + 1 MiB (Jinue)

        Example:
          kimage init hello --arch x86_64 --layout kernel
          cd hello && make run
          kimage init gohello --lang go          # a Go kernel, linked by kimage link
        """
    )

    @Argument(help: "The directory to write (created when missing; must be empty unless --force).")
    var directory: String

    @Option(help: "x86_64 or i386 (default: x86_64, or the layout's).")
    var arch: String?

    @Option(help: "gopher, kernel or jinue (default: gopher for x86_64, jinue for i386).")
    var layout: String?

    @Option(name: .customLong("lang"), help: "c (C and nasm, built by the Makefile) or go (an amd64 Go kernel built by kimage link; needs Go installed).")
    var language: String = "c"

    @Flag(help: "Write into a directory that is not empty, overwriting the project's files.")
    var force = false

    func validate() throws {
        let (arch, _) = try choose()
        guard let lang = KernelLanguage(rawValue: language) else {
            throw ValidationError("unknown --lang \(language); expected c or go")
        }
        if lang == .go && arch != .x86_64 {
            throw ValidationError("--lang go writes an amd64 Go kernel: use --arch x86_64 (layout gopher or kernel)")
        }
    }

    /// The arch and layout asked for; a mismatch or an unknown name is a usage error (exit 64).
    func choose() throws -> (KernelArch, KernelLayout) {
        let archValue: KernelArch?
        if let arch {
            guard let a = KernelArch(rawValue: arch) else {
                throw ValidationError("unknown --arch \(arch); expected x86_64 or i386")
            }
            archValue = a
        } else {
            archValue = nil
        }
        var layoutValue: KernelLayout?
        if let layout {
            guard let l = KernelLayout(rawValue: layout) else {
                throw ValidationError("unknown --layout \(layout); expected gopher, kernel or jinue")
            }
            layoutValue = l
        }
        let a = archValue ?? layoutValue?.arch ?? .x86_64
        let l = layoutValue ?? a.defaultLayout
        guard l.arch == a else {
            throw ValidationError("layout \(l.rawValue) is for \(l.arch.rawValue), not \(a.rawValue): use --arch \(l.arch.rawValue), or a layout for \(a.rawValue)")
        }
        return (a, l)
    }

    func run() throws {
        try reportingErrors {
            let (arch, layout) = try choose()
            let project = try InitProject(arch: arch, layout: layout, language: KernelLanguage(rawValue: language) ?? .c, kimageFallback: InitProject.runningExecutable())
            let (files, overwritten) = try project.write(to: directory, force: force)
            try StandardOutput.line("kimage init: wrote an \(arch.rawValue) \(project.language == .go ? "Go " : "")kernel (\(layout.rawValue) layout) in \(directory):")
            for file in files { try StandardOutput.line("  \(file.path)") }
            if !overwritten.isEmpty {
                try StandardOutput.line("replaced (--force): \(overwritten.joined(separator: " "))")
            }
            try StandardOutput.line("next: cd \(directory) && make run")
        }
    }
}
