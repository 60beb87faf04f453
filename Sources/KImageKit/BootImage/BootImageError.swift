/// Failures building or reading a boot-protocol image.
package enum BootImageError: KImageError, Equatable {
    case headerTruncated(path: String, size: UInt64, needed: UInt64)
    case noLoadSegments(path: String)
    case machineMismatch(path: String, detail: String)
    case segmentBelow1MiB(path: String, segment: Int, start: UInt64, end: UInt64, holdsHeaders: Bool, sectionsBelow: [String] = [])
    case stackAbove4GiB(path: String, kernelEnd: UInt64, stackTop: UInt64)
    case linuxHandoffNeedsVmlinux(path: String, detail: String)
    case linuxHandoffHasNoBootInfo(path: String, options: [String])
    case multibootHasNoBootInfo(path: String, handoff: Handoff, options: [String])
    case segmentAbove4GiB(path: String, segment: Int, start: UInt64, end: UInt64)
    /// A segment reaching into the last 4 KiB page of the 64-bit address space (or past it).
    case segmentAtTopOfAddressSpace(path: String, segment: Int, field: String, start: UInt64, size: UInt64)
    case segmentsOverlap(path: String, space: String, first: Int, firstStart: UInt64, firstEnd: UInt64,
                         second: Int, secondStart: UInt64, secondEnd: UInt64)
    case entryNotExecutable(path: String, entry: UInt64, executable: [String])
    case payloadCannotMoveClear(path: String, kernelStart: UInt64, kernelEnd: UInt64, imageSize: UInt64, needed: UInt64)
    case unsupportedProtocol(text: String)
    case paeNeedsELF32(path: String)
    case fiveLevelNeedsELF64(path: String)
    case fiveLevelWithPAE
    case optionsNeedKimageSetup32(path: String, options: [String])
    case segmentNotCanonical(path: String, segment: Int, start: UInt64, end: UInt64, mode: PagingMode, canonicalWithFiveLevel: Bool)
    case commandLineTooLong(length: Int, maximum: Int)
    case stubRejected(path: String, part: String, found: String, loader: String)
    case unknownHandoff(text: String)
    case handoffNeedsHeader(path: String, handoff: Handoff)
    case handoffNotSupported(path: String, handoff: Handoff, reason: String)
    case handoffWithOwnSetup32(path: String, handoff: Handoff, reason: String)
    case multibootRequestUnsupported(path: String, handoff: Handoff, what: String, fix: String)
    case entryNotInSegment(path: String, entry: UInt64, handoff: Handoff)
    case optionsNeedPaging(path: String, reason: String, options: [String])

    package var description: String { kernelDescription ?? optionDescription }

    /// What is wrong with the kernel ELF or an image read back.
    private var kernelDescription: String? {
        switch self {
        case .headerTruncated(let path, let size, let needed):
            return "\(path) is \(size) bytes, too short to hold a boot-protocol header (it ends at \(hex(needed))); expected a boot image of at least \(needed) bytes: rebuild it with kimage pack"
        case .noLoadSegments(let path):
            return "\(path) has no PT_LOAD segment with memory; expected a linked kernel ELF: check the linker script's PHDRS (readelf -l \(path))"
        case .machineMismatch(let path, let detail):
            return "\(path): \(detail)"
        case .segmentBelow1MiB(let path, let segment, let start, let end, let holdsHeaders, let sectionsBelow):
            var why = holdsHeaders ? " (it holds the ELF and program headers, as ld does with -Ttext: link with a linker script)" : " (AT() in the linker script)"
            if !sectionsBelow.isEmpty {
                why = " (below 1 MiB it holds \(sectionsBelow.joined(separator: ", ")), not only the ELF and program headers and notes that kimage can leave out: move them to 0x100000 or above)"
            }
            return "\(path): segment \(segment) is at physical \(hex(start))..\(hex(end)), below 1 MiB; expected every PT_LOAD at 0x100000 or above (low memory holds the BIOS, the loader and boot_params): link the kernel at 1 MiB or higher\(why)"
        case .segmentAtTopOfAddressSpace(let path, let segment, let field, let start, let size):
            return "\(path): segment \(segment) has \(field) \(hex(start)) and p_memsz \(hex(size)), which reach the last 4 KiB page of the 64-bit address space or wrap past it; expected it to end at or below 0xfffffffffffff000 (kimage keeps every range's end an address): link the kernel lower"
        case .segmentAbove4GiB(let path, let segment, let start, let end):
            return "\(path): segment \(segment) is at physical \(hex(start))..\(hex(end)), above 4 GiB; expected physical addresses below 0x100000000 (the setup stub copies in 32-bit mode): lower its load address (AT() in the linker script)"
        case .segmentsOverlap(let path, let space, let a, let aStart, let aEnd, let b, let bStart, let bEnd):
            return "\(path): segments \(a) (\(space) \(hex(aStart))..\(hex(aEnd))) and \(b) (\(hex(bStart))..\(hex(bEnd))) overlap; expected disjoint PT_LOAD segments (memory size included): fix the linker script so each output section has its own range"
        case .entryNotExecutable(let path, let entry, let executable):
            let list = executable.isEmpty ? "none" : executable.joined(separator: ", ")
            return "\(path): entry point \(hex(entry)) lies in no executable PT_LOAD segment (executable: \(list)); expected e_entry inside a segment with PF_X: check ENTRY() in the linker script"
        case .payloadCannotMoveClear(let path, let kernelStart, let kernelEnd, let imageSize, let needed):
            return "\(path): the kernel's physical range \(hex(kernelStart))..\(hex(kernelEnd)) overlaps where loaders put the image (0x100000, \(imageSize) bytes), and moving it clear needs memory up to \(hex(needed)), beyond 4 GiB; expected the kernel and a copy of the image to fit below 4 GiB: link the kernel lower, or make it smaller"
        default:
            return nil
        }
    }

    /// What is wrong with the options given for this kernel (handoff, paging, stubs).
    private var optionDescription: String {
        switch self {
        case .multibootHasNoBootInfo(let path, let handoff, let options):
            let list = options.joined(separator: ", ")
            return "\(path): the \(handoff.rawValue) handoff hands the kernel the \(handoff.rawValue) information, not kimage's boot info, so nothing would tell it where \(list) put their ELF; expected \(list) only with the kimage handoff: drop \(list), or pass --handoff kimage for a kernel that reads kimage's boot info (a kimage.toml [pack] key counts as the flag)"
        case .linuxHandoffHasNoBootInfo(let path, let options):
            let list = options.joined(separator: ", ")
            return "\(path): the linux handoff hands the kernel boot_params, not kimage's boot info, so nothing would tell it where \(list) put their ELF; expected \(list) only with the kimage handoff: drop \(list), or pass --handoff kimage for a kernel that reads kimage's boot info (a kimage.toml [pack] key counts as the flag)"
        case .linuxHandoffNeedsVmlinux(let path, let detail):
            return "--handoff linux was given but \(path) is no vmlinux: \(detail); expected an ELF64 x86-64 kernel linked like Linux's vmlinux (vaddr != paddr, e_entry the physical address of its 64-bit start code): use --handoff auto, or link the kernel that way"
        case .stackAbove4GiB(let path, let kernelEnd, let stackTop):
            return "\(path): the kernel ends at physical \(hex(kernelEnd)), so the setup's boot stack above it would end at \(hex(stackTop)), beyond 4 GiB; expected the stack and the boot info below 4 GiB (the setup runs in 32-bit mode): link the kernel lower (AT() in the linker script)"
        case .unsupportedProtocol(let text):
            return "--protocol \(text) is not supported; expected 2.11, 2.12 or 2.13 (GRUB linux needs 2.03+, init_size is read from 2.10 on, the header ends at 0x268 from 2.11; 2.14 is burned and 2.15 needs a kernel_info kimage does not write): use the default, 2.12"
        case .paeNeedsELF32(let path):
            return "--pae was given but \(path) is ELF64, which always runs in long mode (4-level tables, or 5-level with --five-level); expected an ELF32 kernel for PAE: drop --pae"
        case .fiveLevelNeedsELF64(let path):
            return "--five-level was given but \(path) is ELF32, which runs in protected mode (2-level or PAE tables); expected an ELF64 x86-64 kernel for 5-level paging: drop --five-level, or link the kernel with -m elf_x86_64"
        case .segmentNotCanonical(let path, let segment, let start, let end, let mode, let fiveLevel):
            let levels = mode == .fiveLevel ? "5-level" : "4-level"
            let fix = fiveLevel
                ? "it is canonical with 5-level paging (57-bit addresses): pack with --five-level (the CPU needs LA57), or link the kernel at 0xFFFF800000000000 or above"
                : "link the kernel at a canonical address (the linker script's . = or the section's address)"
            return "\(path): segment \(segment) is at virtual \(hex(start))..\(hex(end)), which is not canonical with \(levels) paging (\(mode.canonicalRule)); expected every PT_LOAD at canonical addresses: \(fix)"
        case .optionsNeedKimageSetup32(let path, let options):
            let list = options.joined(separator: ", ")
            let these = options.count == 1 ? "it" : "they"
            return "\(list) \(options.count == 1 ? "was" : "were") given with --setup32 \(path): with an own 32-bit setup kimage writes no load plan, no boot info and no page tables, so \(these) would be ignored; expected kimage's own 32-bit setup for \(list): drop --setup32, or drop \(list) and have your setup do \(options.count == 1 ? "its" : "their") work (a kimage.toml [pack] key counts as the flag)"
        case .fiveLevelWithPAE:
            return "--five-level and --pae were both given; expected at most one paging choice (--pae: PAE tables for an ELF32 kernel, --five-level: 5-level tables for an ELF64 kernel): drop one of them"
        case .commandLineTooLong(let length, let maximum):
            return "--cmdline is \(length) bytes; expected at most \(maximum) (cmdline_size): shorten it"
        case .stubRejected(let path, let part, let found, let loader):
            return "\(part) \(path): \(found); \(loader): fix the stub's source"
        case .unknownHandoff(let text):
            return "--handoff \(text) is not a handoff; expected one of \(HandoffRequest.choices.joined(separator: ", ")): use auto to choose from the kernel's headers"
        case .handoffNeedsHeader(let path, let handoff):
            let header = handoff == .multiboot2 ? "a multiboot2 header (magic 0xE85250D6, architecture 0, 8-byte aligned in the first 32 KiB)"
                                                : "a multiboot header (magic 0x1BADB002, 4-byte aligned in the first 8 KiB)"
            return "--handoff \(handoff.rawValue) was given but \(path) has no valid \(handoff.rawValue) header; expected \(header) whose checksum is right: fix the header, or use --handoff auto"
        case .handoffNotSupported(let path, let handoff, let reason):
            return "\(path): the \(handoff.rawValue) handoff (\(reason)) is not one this kimage can carry out yet; expected a kernel for the kimage handoff: pass --handoff kimage to enter it with kimage's boot info"
        case .handoffWithOwnSetup32(let path, let handoff, let reason):
            return "the \(handoff.rawValue) handoff (\(reason)) needs kimage's own 32-bit setup, but --setup32 \(path) was given: an own setup reads no load plan; expected kimage's setup for any handoff but kimage: drop --setup32, or pass --handoff kimage"
        case .multibootRequestUnsupported(let path, let handoff, let what, let fix):
            return "\(path): its \(handoff.rawValue) header: \(what); expected a header kimage can honour: \(fix) (or pass --handoff kimage)"
        case .optionsNeedPaging(let path, let reason, let options):
            let list = options.joined(separator: ", ")
            return "\(path): \(reason), so \(list) would be ignored; expected \(list) only for a kernel kimage enters with its own page tables: drop \(list) (a kimage.toml [pack] key counts as the flag)"
        case .entryNotInSegment(let path, let entry, let handoff):
            return "\(path): entry point \(hex(entry)) lies in no PT_LOAD segment's virtual or physical range, so the \(handoff.rawValue) handoff cannot tell where to jump; expected e_entry inside a segment, or an entry address in the header: check ENTRY() in the linker script"
        default:
            return kernelDescription ?? ""
        }
    }
}
