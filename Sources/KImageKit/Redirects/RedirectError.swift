/// Failures of finding, resolving, checking and writing redirects.
package enum RedirectError: KImageError, Equatable {
    // Where redirects come from.
    case noSources
    case notADirectory(path: String)
    case unknownGOOS(String)
    case unknownGOARCH(String)
    case noImportPath(directory: String)
    case outsideImportRoot(directory: String, root: String)
    case goModWithoutModule(path: String)
    case directiveWithoutSymbol(at: FileLocation)
    case directiveExtraWords(at: FileLocation, words: [String])
    /// `//go:redirect-from` followed by a colon, a no-break space or other non-separator.
    case directiveSeparator(at: FileLocation, found: Unicode.Scalar)
    case directiveNotOnFunction(at: FileLocation, found: String)
    case directiveOnGeneric(at: FileLocation, function: String)
    case directiveOnInit(at: FileLocation)
    case badBuildConstraint(at: FileLocation, line: String, detail: String)
    case manifestLine(at: FileLocation, text: String, words: Int)
    case duplicateSource(symbol: String, first: FileLocation, firstDestination: String, second: FileLocation, secondDestination: String)

    // Resolving names against the kernel's symbol table.
    case symbolNotFound(kernel: String, role: Role, name: String, origin: FileLocation, suggestions: [String])
    /// `definitions` lists at most SymbolResolver.listedDefinitions of the `count`.
    case symbolAmbiguous(kernel: String, role: Role, name: String, origin: FileLocation, count: Int, definitions: [String])
    case notAFunction(kernel: String, role: Role, name: String, origin: FileLocation, kind: String)
    case notInExecutableSection(kernel: String, role: Role, name: String, origin: FileLocation, section: String)
    case outsideItsSection(kernel: String, role: Role, name: String, origin: FileLocation, address: UInt64, section: String, start: UInt64, end: UInt64)
    case sourceTooSmall(kernel: String, name: String, address: UInt64, size: UInt64, needed: Int, next: String?, origin: FileLocation)
    case redirectToItself(name: String, destination: String, address: UInt64, origin: FileLocation)
    case trampolinesOverlap(first: String, firstAddress: UInt64, second: String, secondAddress: UInt64, length: Int)
    case sourceNotInFile(kernel: String, name: String, address: UInt64)
    case patchOutsideItsPlace(kernel: String, what: String, start: UInt64, end: UInt64, overwrites: String)
    /// Problems that get a closest-names search or a neighbour lookup (a pass over the symbols each).
    package static let detailedProblems = 10
    /// Problems `several` lists before "and K more".
    package static let listedProblems = 50
    case several([RedirectError])

    // The table section.
    case tableSectionMissing(kernel: String, section: String)
    case tableSectionNoBits(kernel: String, section: String)
    case tableSectionBadSize(section: String, size: UInt64, entrySize: Int)
    case tooFewSlots(section: String, slots: Int, needed: Int)
    case tooManySlots(section: String, slots: Int, needed: Int)
    // The table as a data symbol (--table-symbol), or no table (--patch alone).
    case tableSymbolMissing(kernel: String, symbol: String, suggestions: [String])
    case tableSymbolAmbiguous(kernel: String, symbol: String, count: Int, definitions: [String])
    case tableSymbolNotData(kernel: String, symbol: String, found: String)
    case tableSymbolNoBits(kernel: String, symbol: String, found: String)
    case tableSymbolNotLoaded(kernel: String, symbol: String, found: String)
    case noTableWithoutPatch(kernel: String)

    /// Which end of a redirect a symbol is.
    package enum Role: String, Sendable, Equatable {
        case source = "source"
        case destination = "destination"
    }

    package var description: String { sourceDescription ?? symbolDescription ?? tableDescription }

    /// What is wrong in the redirect sources: the Go tree, its directives, a manifest.
    private var sourceDescription: String? {
        switch self {
        case .noSources:
            return "no redirect sources given; expected at least one --go DIR or --manifest FILE"
        case .notADirectory(let path):
            return "--go \(path) is not a directory or a .go file; pass the Go tree that holds the //go:redirect-from annotations"
        case .unknownGOOS(let v):
            return "unknown GOOS \(v); expected one of \(GoTarget.knownOS.sorted().joined(separator: " "))"
        case .unknownGOARCH(let v):
            return "unknown GOARCH \(v); expected one of \(GoTarget.knownArch.sorted().joined(separator: " "))"
        case .noImportPath(let directory):
            return "\(directory) has no go.mod in it or above it, so its Go import path is unknown; add a go.mod, or pass --go-import-root with the GOPATH-style root (gopher-os: --go-import-root src)"
        case .outsideImportRoot(let directory, let root):
            return "\(directory) is not inside --go-import-root \(root); import paths are taken relative to that root: pass the directory that holds the import paths (GOPATH's src)"
        case .goModWithoutModule(let path):
            return "\(path) has no `module` line; expected `module example.com/path` naming the module's import path"
        case .directiveWithoutSymbol(let at):
            return "\(at): //go:redirect-from names no symbol; expected `//go:redirect-from SYMBOL`, e.g. `//go:redirect-from runtime.sysReserve`"
        case .directiveSeparator(let at, let found):
            let code = "U+" + String(found.value, radix: 16, uppercase: true).leftPadded(4)
            let name = found.properties.name.map { " (\($0.lowercased()))" } ?? ""
            return "\(at): //go:redirect-from is followed by \(code)\(name), not a space or tab, so the go tool would not read it as a directive; expected `//go:redirect-from SYMBOL` with an ASCII space: retype the separator"
        case .directiveExtraWords(let at, let words):
            return "\(at): //go:redirect-from takes one symbol but found \(words.count) words (\(words.joined(separator: " "))); write one directive per redirected symbol"
        case .directiveNotOnFunction(let at, let found):
            return "\(at): //go:redirect-from is not in the doc comment of a top-level function (found \(found)); put it in the comment directly above `func`, with no blank line between"
        case .directiveOnGeneric(let at, let function):
            return "\(at): //go:redirect-from is on the generic function \(function); the Go linker names generic code per instantiation and it expects a dictionary argument, so calls cannot be redirected to it: redirect to a non-generic function"
        case .directiveOnInit(let at):
            return "\(at): //go:redirect-from is on func init; the Go linker names init functions pkg.init.0, pkg.init.1, ... and runs them itself: redirect to a function with a name of its own"
        case .badBuildConstraint(let at, let line, let detail):
            return "\(at): cannot read the build constraint `\(line)`: \(detail); expected a Go build expression such as `//go:build linux && amd64`"
        case .manifestLine(let at, let text, let words):
            return "\(at): expected `SRC DST` (two symbol names) but found \(words) word\(words == 1 ? "" : "s"): `\(text)`; comments start with #"
        default:
            return nil
        }
    }

    /// What is wrong with a redirect's symbols or its trampoline in the kernel.
    private var symbolDescription: String? {
        switch self {
        case .duplicateSource(let symbol, let first, let firstDst, let second, let secondDst):
            return "\(symbol) is redirected twice: to \(firstDst) at \(first) and to \(secondDst) at \(second); a function can have one trampoline: remove one of them"
        case .symbolNotFound(let kernel, let role, let name, let origin, let suggestions):
            let hint = suggestions.isEmpty ? "check the name (Go renames runtime functions between releases)"
                : "closest names in the kernel: \(suggestions.joined(separator: ", "))"
            return "\(kernel) has no symbol \(name) (the redirect's \(role.rawValue), from \(origin)); \(hint)"
        case .symbolAmbiguous(let kernel, let role, let name, let origin, let count, let definitions):
            return "\(kernel) defines \(name) (the redirect's \(role.rawValue), from \(origin)) \(count) times: \(definitions.joined(separator: "; ")); expected exactly one definition: rename or make global only one of them"
        case .notAFunction(let kernel, let role, let name, let origin, let kind):
            return "\(kernel): \(name) (the redirect's \(role.rawValue), from \(origin)) is \(kind), not a function (STT_FUNC); mark it as one: nasm `global \(name):function`, GNU as `.type \(name), @function` with `.size`"
        case .notInExecutableSection(let kernel, let role, let name, let origin, let section):
            return "\(kernel): \(name) (the redirect's \(role.rawValue), from \(origin)) is in \(section), which is not an executable section; redirects go from code to code: check the name"
        case .outsideItsSection(let kernel, let role, let name, let origin, let address, let section, let start, let end):
            return "\(kernel): \(name) (the redirect's \(role.rawValue), from \(origin)) is at \(hex(address)), outside \(section) (\(hex(start))-\(hex(end))), the section its symbol table entry names; expected an address inside it: the symbol is defined past the section's end (an assignment in the linker script or assembly?) or the symbol table is damaged"
        case .sourceTooSmall(let kernel, let name, let address, let size, let needed, let next, let origin):
            let overwritten = next.map { "would overwrite the start of \($0)" } ?? "would overwrite what follows it"
            return "\(kernel): \(name) at \(hex(address)) is \(size) bytes long (from \(origin)), but its \(needed)-byte trampoline \(overwritten); expected st_size >= \(needed): redirect a larger function, or pad \(name) to \(needed) bytes"
        case .redirectToItself(let name, let destination, let address, let origin):
            return "\(origin): \(name) and \(destination) are both at \(hex(address)); the trampoline would jump to itself forever: redirect to a different function"
        case .trampolinesOverlap(let first, let fa, let second, let sa, let length):
            return "the \(length)-byte trampolines at \(first) (\(hex(fa))) and \(second) (\(hex(sa))) overlap; each source needs \(length) bytes of its own: drop one of the redirects"
        case .sourceNotInFile(let kernel, let name, let address):
            return "\(kernel): \(name) at \(hex(address)) has no bytes in the file to patch (bss or outside every segment); --patch needs the function's code in the file"
        case .patchOutsideItsPlace(let kernel, let what, let start, let end, let overwrites):
            return "\(kernel): \(what) would be written at file offset \(hex(start))..\(hex(end)), over \(overwrites); expected it to lie only inside its own section's bytes: the kernel's section and header layout overlap, so relink it (check the linker script's section offsets) before redirecting"
        case .several(let errors):
            let shown = errors.prefix(Self.listedProblems).map { "  " + $0.description }
            let more = errors.count > Self.listedProblems ? ["  and \(errors.count - Self.listedProblems) more"] : []
            return "\(errors.count) redirects are wrong:\n" + (shown + more).joined(separator: "\n")
        default:
            return nil
        }
    }

    /// What is wrong with the redirect table.
    private var tableDescription: String {
        switch self {
        case .tableSectionMissing(let kernel, let section):
            return "\(kernel) has no section \(section); expected rt0 to reserve the redirect table there (nasm: `section \(section)` with `resq 2*NUM_REDIRECTS` as data, or --section NAME if it is named otherwise; a Go-linked kernel has no such section: --table-symbol NAME for a table in a data symbol, or --patch alone for no table)"
        case .tableSectionNoBits(let kernel, let section):
            return "\(kernel): \(section) is NOBITS (like .bss), so it has no bytes in the file to fill; reserve it with data (nasm `times 2*NUM_REDIRECTS dq 0`, GNU as `.fill`) or make the linker script keep it as PROGBITS"
        case .tableSectionBadSize(let section, let size, let entrySize):
            return "\(section) is \(size) bytes, not a whole number of \(entrySize)-byte entries (src, dst); reserve NUM_REDIRECTS * \(entrySize) bytes"
        case .tooFewSlots(let section, let slots, let needed):
            return "\(section) has room for \(slots) redirect\(slots == 1 ? "" : "s") but \(needed) were found; rebuild rt0 with NUM_REDIRECTS=\(needed) (kimage count gives it) and relink"
        case .tableSymbolMissing(let kernel, let symbol, let suggestions):
            let hint = suggestions.isEmpty ? "" : " (closest names in the kernel: \(suggestions.joined(separator: ", ")))"
            return "\(kernel) has no symbol \(symbol) for the redirect table\(hint); expected a data symbol of NUM_REDIRECTS entries (Go assembly: `GLOBL ·redirects(SB), NOPTR, $(NUM_REDIRECTS*16)` with a DATA line; `go tool nm` shows the linker's name, e.g. main.redirects)"
        case .tableSymbolAmbiguous(let kernel, let symbol, let count, let definitions):
            return "\(kernel) defines \(symbol) \(count) times (\(definitions.joined(separator: "; "))); expected one table symbol: rename all but one"
        case .tableSymbolNotData(let kernel, let symbol, let found):
            return "\(kernel): the redirect table \(symbol) is \(found); expected a data symbol (STT_OBJECT) in a section: declare it with GLOBL (Go assembly) or as data in rt0"
        case .tableSymbolNoBits(let kernel, let symbol, let found):
            return "\(kernel): the redirect table \(symbol) is \(found), a NOBITS section (bss) with no bytes in the file to fill; give it a DATA line (Go assembly: `DATA ·redirects+0(SB)/8, $0`) so the linker puts it in .noptrdata"
        case .tableSymbolNotLoaded(let kernel, let symbol, let found):
            return "\(kernel): the redirect table \(symbol) is \(found), whose bytes are not all in the file inside one loadable segment, so the boot code could not read what kimage writes; expected st_size > 0 and the table in a PT_LOAD with file bytes"
        case .noTableWithoutPatch(let kernel):
            return "\(kernel): no redirect table and no --patch: nothing would be written; expected --section NAME, --table-symbol NAME, or --patch to write the trampolines at build time"
        case .tooManySlots(let section, let slots, let needed):
            return "\(section) has room for \(slots) redirects but \(needed) were found; rebuild rt0 with NUM_REDIRECTS=\(needed) (kimage count gives it), or pass --allow-spare to zero-fill the \(slots - needed) spare slot\(slots - needed == 1 ? "" : "s") if the boot code stops at a zero entry"
        default:
            return sourceDescription ?? symbolDescription ?? ""
        }
    }
}
