import ArgumentParser
import KImageKit

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show what is inside a kernel ELF, a boot-protocol image or a page-table blob.",
        usage: "kimage inspect <file> [--json] [--unicode] [<options>]",
        discussion: """
        The kind is recognised from the bytes: an ELF (7f 45 4c 46), a boot image (55 aa at \
        0x1fe and "HdrS" at 0x202), else a page-table blob, which needs --mode and --base. \
        Diagrams are ASCII unless --unicode; --json prints the schema the README documents.

        Examples:
          kimage inspect build/kernel.elf
          kimage inspect build/kernel.img --unicode
          kimage inspect /boot/vmlinuz --json | jq -r .bootImage.protocol
          kimage inspect tables.bin --mode 4level --base 0x100000
        """
    )

    @Argument(help: "The file to inspect.")
    var file: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Flag(help: "Draw diagrams with box-drawing characters instead of + - |.")
    var unicode = false

    @Option(help: "Page-table blobs: the paging mode.")
    var mode: PagingMode?

    @Option(help: ArgumentHelp("Page-table blobs: the physical address the tables were built for.", valueName: "PHYS"),
            transform: addressArgument)
    var base: UInt64?

    @Option(name: .customLong("section"), help: ArgumentHelp("ELF: the redirect table's section (default .goredirectstbl).", valueName: "NAME"))
    var section: String?

    /// The name before redirect's and link's `--section` was the one spelling; kept for a release.
    @Option(name: .customLong("table-section"), help: ArgumentHelp("Old spelling of --section.", visibility: .hidden))
    var tableSection: String?

    func validate() throws {
        if section != nil && tableSection != nil {
            throw ValidationError("--section and --table-section are the same option; give one")
        }
    }

    func run() throws {
        try reportingErrors {
            let report = try Inspector.inspect(path: file, mode: mode, base: base, redirectSection: section ?? tableSection ?? ".goredirectstbl")
            try StandardOutput.write(json ? report.json() : report.text(style: unicode ? .unicode : .ascii))
        }
    }
}
