import ArgumentParser
import FoundationEssentials
import KImageKit

struct Pagetables: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pagetables",
        abstract: "Build identity and higher-half page tables for 32-bit, PAE, 4-level or 5-level paging.",
        discussion: """
        Numbers are hex with 0x (or with a hex letter: FFFF_FFFF_8000_0000) or decimal, with \
        optional _ separators and K, M, G suffixes. FLAGS: r, rw, rx or rwx, then u (user), \
        g (global), one cache mode uc, wt or wb; default rwx.

        Example (gopher-os: identity 0-8 MiB, PAGE_OFFSET alias, PML4[511]):
          kimage pagetables --mode 4level --identity 0+8M \\
            --higher-half 0xFFFF800000000000+8M --page-size 2M \\
            --recursive 511 --base 0x100000 --format bin -o tables.bin
        Example (nasm the linker places; kernel linked at 0xC0000000 + phys):
          kimage pagetables --mode 32 --identity 0+2M \\
            --map 0xC0000000=0x100000+64K:rx --link-offset 0xC0000000 \\
            --format nasm -o tables.asm
        """
    )

    @Option(name: .long, help: "Paging mode.")
    var mode: PagingMode

    @Option(name: .long, help: ArgumentHelp("Identity-map START+SIZE[:FLAGS] (repeatable).", valueName: "START+SIZE[:FLAGS]"),
            transform: mappingArgument(.identity))
    var identity: [String] = []

    @Option(name: .long, help: ArgumentHelp("Map VIRT=PHYS+SIZE[:FLAGS] (repeatable).", valueName: "VIRT=PHYS+SIZE[:FLAGS]"),
            transform: mappingArgument(.map))
    var map: [String] = []

    @Option(name: .customLong("higher-half"), help: ArgumentHelp("Map OFFSET+p to p for p below SIZE (repeatable).", valueName: "OFFSET+SIZE[:FLAGS]"),
            transform: mappingArgument(.higherHalf))
    var higherHalf: [String] = []

    @Option(name: .customLong("kernel"), help: ArgumentHelp("Map each PT_LOAD segment of KERNEL, p_vaddr onto p_paddr, flags from p_flags.", valueName: "KERNEL"))
    var kernel: String?

    /// The name before pack's `--kernel` was the one spelling of a kernel; kept for a release.
    @Option(name: .customLong("from-elf"), help: ArgumentHelp("Old spelling of --kernel.", valueName: "KERNEL", visibility: .hidden))
    var oldFromELF: String?

    var fromELF: String? { kernel ?? oldFromELF }

    @Option(name: .long, help: ArgumentHelp("Point this slot of the top table back at itself.", valueName: "SLOT"))
    var recursive: Int?

    @Option(name: .customLong("page-size"), help: ArgumentHelp("Largest page to use (4M: mode 32 only; default 4M in mode 32, else 2M).", valueName: "SIZE"))
    var pageSize: PageSizeArgument?

    @Option(name: .long, help: ArgumentHelp("Physical address the tables will live at; required for bin and c, default 0 otherwise.", valueName: "PHYS"),
            transform: addressArgument)
    var base: UInt64?

    @Option(name: .customLong("link-offset"), help: ArgumentHelp("nasm/gas: link address minus physical address of the tables; default 0.", valueName: "OFFSET"),
            transform: addressArgument)
    var linkOffset: UInt64?

    @Option(name: .customLong("symbol-prefix"), help: ArgumentHelp("nasm/gas/c: prefix of the emitted symbols (NAME_0, NAME_cr3, ...).", valueName: "NAME"))
    var symbolPrefix: String = "kimage_pt"

    @Option(name: .long, help: "Output format.")
    var format: PageTablesFormat = .summary

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the output to FILE (required for bin; - is standard output).", valueName: "FILE"))
    var output: String?

    @Flag(name: .shortAndLong, help: "Print nothing but warnings and errors.")
    var quiet = false

    func validate() throws {
        let f = format
        if f == .bin && output == nil {
            throw ValidationError("--format bin writes binary: give -o FILE")
        }
        if f.bakesInBase && base == nil {
            throw ValidationError("--format \(format) holds physical table addresses: give --base PHYS, the address the tables will be loaded at")
        }
        let identifier = symbolPrefix.unicodeScalars
        guard let head = identifier.first, head == "_" || (head.isASCII && head.properties.isAlphabetic),
              identifier.allSatisfy({ $0 == "_" || ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) }) else {
            throw ValidationError("--symbol-prefix `\(symbolPrefix)` is not an identifier; use letters, digits and _, not starting with a digit")
        }
        if kernel != nil && oldFromELF != nil {
            throw ValidationError("--kernel and --from-elf are the same option; give --kernel")
        }
        if identity.isEmpty && map.isEmpty && higherHalf.isEmpty && fromELF == nil {
            throw ValidationError("no mappings: give --identity, --map, --higher-half or --kernel")
        }
        // A page size the mode lacks or a recursive slot it cannot have is a usage error too.
        do { _ = try PageTableBuilder(mode: mode, maxPageSize: pageSize?.bytes, recursiveSlot: recursive) } catch let error as any KImageError {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        try reportingErrors {
            var builder = try PageTableBuilder(mode: mode, maxPageSize: pageSize?.bytes, recursiveSlot: recursive)
            for spec in identity { try builder.add(MappingSpec.parse(spec, as: .identity)) }
            for spec in map { try builder.add(MappingSpec.parse(spec, as: .map)) }
            for spec in higherHalf { try builder.add(MappingSpec.parse(spec, as: .higherHalf)) }
            if let fromELF {
                try builder.add(Mapping.fromLoadSegments(of: ELFFile(path: fromELF)))
            }
            let baseAddress = base ?? 0
            let offset = linkOffset ?? 0
            let tables = try builder.build(base: baseAddress)
            let f = format
            let bytes = tables.emit(f, linkOffset: offset, symbolPrefix: symbolPrefix)
            if let output, output != "-" {
                try DistinctFiles.check(outputs: [NamedPath("-o", "the tables", output)],
                                        inputs: fromELF.map { [NamedPath(kernel != nil ? "--kernel" : "--from-elf", "the kernel", $0)] } ?? [])
                try OutputFile.write(to: output) { (sink: inout FileSink) throws in try sink.write(bytes) }
                if f == .bin && !quiet {
                    printError("CR3 \(hex(tables.cr3)): \(tables.tableCount) tables, \(tables.byteCount) bytes at \(hex(tables.base)) in \(output)")
                }
            } else {
                try StandardOutput.write(bytes)
            }
        }
    }
}
