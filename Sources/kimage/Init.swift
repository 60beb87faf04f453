import ArgumentParser
import KImageKit

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a small kernel project that builds with gcc, nasm, ld and kimage.",
        usage: "kimage init <directory> [--arch <arch>] [--layout <layout>] [<options>]",
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

    @Option(help: "The CPU (default: x86_64, or the layout's).")
    var arch: KernelArch?

    @Option(help: "Where the kernel is linked (default: gopher for x86_64, jinue for i386).")
    var layout: KernelLayout?

    @Option(name: .customLong("lang"), help: "c: C and nasm, built by the Makefile; go: an amd64 Go kernel built by kimage link (needs Go).")
    var language: KernelLanguage = .c

    @Flag(help: "Write into a directory that is not empty, overwriting the project's files.")
    var force = false

    @Flag(name: .shortAndLong, help: "Print nothing but warnings and errors.")
    var quiet = false

    func validate() throws {
        let (arch, _) = try choose()
        if language == .go && arch != .x86_64 {
            throw ValidationError("--lang go writes an amd64 Go kernel: use --arch x86_64 (layout gopher or kernel)")
        }
    }

    /// The arch and layout asked for; a mismatch or an unknown name is a usage error (exit 64).
    func choose() throws -> (KernelArch, KernelLayout) {
        let a = arch ?? layout?.arch ?? .x86_64
        let l = layout ?? a.defaultLayout
        guard l.arch == a else {
            throw ValidationError("layout \(l.rawValue) is for \(l.arch.rawValue), not \(a.rawValue): use --arch \(l.arch.rawValue), or a layout for \(a.rawValue)")
        }
        return (a, l)
    }

    func run() throws {
        try reportingErrors {
            let (arch, layout) = try choose()
            let project = try InitProject(arch: arch, layout: layout, language: language, kimageFallback: InitProject.runningExecutable())
            let (files, overwritten) = try project.write(to: directory, force: force)
            if quiet { return }
            try StandardOutput.line("kimage init: wrote an \(arch.rawValue) \(project.language == .go ? "Go " : "")kernel (\(layout.rawValue) layout) in \(directory):")
            for file in files { try StandardOutput.line("  \(file.path)") }
            if !overwritten.isEmpty {
                try StandardOutput.line("replaced (--force): \(overwritten.joined(separator: " "))")
            }
            try StandardOutput.line("next: cd \(directory) && make run")
        }
    }
}
