import ArgumentParser
import KImageKit

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show what is inside a kernel ELF, a boot-protocol image or a page-table blob.",
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

    @Option(help: "Page-table blobs: the paging mode, 32, pae, 4level or 5level.")
    var mode: String?

    @Option(help: ArgumentHelp("Page-table blobs: the physical address the tables were built for.", valueName: "PHYS"))
    var base: String?

    @Option(name: .customLong("table-section"), help: "ELF: the redirect table's section.")
    var tableSection: String = ".goredirectstbl"

    func run() throws {
        try reportingErrors {
            let mode = try self.mode.map { try PagingMode(parsing: $0) }
            let base = try self.base.map { try AddressParser.parse($0) }
            let report = try Inspector.inspect(path: file, mode: mode, base: base, redirectSection: tableSection)
            try StandardOutput.write(json ? report.json() : report.text(style: unicode ? .unicode : .ascii))
        }
    }
}
