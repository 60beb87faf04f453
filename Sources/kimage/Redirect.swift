import ArgumentParser
import KImageKit

struct Redirect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redirect",
        abstract: "Fill a linked kernel's redirect table (and, with --patch, write the trampolines).",
        discussion: """
        Resolves every redirect's source and destination in KERNEL's symbol table, checks that \
        both are functions in executable sections, that each source is long enough for its \
        trampoline (14 bytes in ELF64, 5 in ELF32) and that the table section has exactly one \
        slot per redirect, then writes the (src, dst) entries sorted by source name. Nothing is \
        written unless every check passes; the file is replaced atomically, its mode kept.

        Example:
          kimage redirect build/kernel.elf --go src/kernel --go-import-root src
          kimage redirect build/kernel.elf --manifest redirects.txt --patch
          kimage redirect build/kernel.elf --go . -o build/kernel.out.elf
          kimage redirect build/kernel.elf --go . --dry-run --json
        """
    )

    @Argument(help: "The linked kernel ELF (not stripped).")
    var kernel: String

    @OptionGroup var sources: RedirectSourceOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the result here instead of replacing KERNEL.", valueName: "file"))
    var output: String?

    @Option(help: "The table section (default .goredirectstbl).")
    var section: String?

    @Option(name: .customLong("table-symbol"), help: ArgumentHelp("The table is this data symbol's bytes (st_value, st_size), not a section: Go kernels (`GLOBL ·redirects(SB), NOPTR, $(NUM_REDIRECTS*16)`; name as `go tool nm` prints it).", valueName: "name"))
    var tableSymbol: String?

    @Flag(help: "Also write each trampoline at its source, so the kernel needs no installer at boot.")
    var patch = false

    @Flag(help: "Check and print, write nothing.")
    var dryRun = false

    @Flag(help: "Print the result as JSON.")
    var json = false

    @Flag(help: "Accept a table with more slots than redirects and zero-fill the rest (the boot code must stop at a zero entry).")
    var allowSpare = false

    func validate() throws {
        if section != nil && tableSymbol != nil {
            throw ValidationError("--section and --table-symbol both name the redirect table; give one: --section for a table section, --table-symbol for a data symbol (Go)")
        }
    }

    @Flag(name: .shortAndLong, help: "Print nothing but warnings and errors.")
    var quiet = false

    func run() throws {
        try reportingErrors {
            let redirectSources = try sources.sources()
            let collection = try redirectSources.collect()
            let elf = try ELFFile(symbolsOf: kernel)
            let (location, impliedNone) = RedirectTableLocation.choose(section: section, symbol: tableSymbol, patch: patch, elf: elf)
            let plan = try RedirectPlan(elf: elf, redirects: collection.redirects, table: location,
                                        patch: patch, allowSpare: allowSpare)
            let destination = output ?? kernel
            if !dryRun { try plan.write(to: destination, sources: redirectSources.namedInputs(collection)) }
            if json {
                try StandardOutput.line(plan.json(output: dryRun ? nil : destination))
            } else {
                // One write for all lines: 500 redirects are 500 system calls otherwise.
                let lines = quiet ? [] : plan.lines
                if !lines.isEmpty { try StandardOutput.write(lines.joined(separator: "\n") + "\n") }
            }
            if plan.spareSlots > 0 {
                printError("kimage: note: \(plan.spareSlots) spare slot\(plan.spareSlots == 1 ? "" : "s") of \(plan.section) zero-filled; the boot code must stop at the first zero entry")
            }
            if impliedNone {
                printError("kimage: note: \(kernel) has no \(RedirectTable.defaultSectionName) section: wrote the trampolines only, no table")
            }
        }
    }
}
