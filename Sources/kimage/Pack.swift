import ArgumentParser
import FoundationEssentials
import KImageKit

struct Pack: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pack",
        abstract: "Make a Linux/x86 boot-protocol image from a kernel ELF (QEMU -kernel, GRUB linux/linux16).",
        discussion: """
        The image holds kimage's boot sector, 16-bit and 32-bit setup stubs, a load plan, the boot
        info and page tables built now, and the kernel's loadable segments. ELF64 kernels enter in
        long mode (rdi = boot info, rsi = 0x6b696d67) with 4-level paging, or 5-level (CR4.LA57)
        with --five-level; ELF32 kernels in protected mode (ebx = boot info, eax = 0x6b696d67),
        with paging when vaddr != paddr. See templates/include/kimage/bootinfo.h.

        Example:
          kimage pack --kernel build/kernel.elf --loader build/loader.elf \\
              --cmdline "console=ttyS0" -o build/kernel.img --depfile build/kernel.img.d
          qemu-system-x86_64 -kernel build/kernel.img -append "debug"
          # a kernel linked at 0xFF00000000100000 (PML5[256]): 5-level paging
          kimage pack --kernel build/la57.elf --five-level -o build/la57.img
          qemu-system-x86_64 -cpu max -kernel build/la57.img
        """
    )

    @Option(help: "The kernel ELF (ELF32 i386 or ELF64 x86-64).")
    var kernel: String

    @Option(help: "A user-space loader ELF carried whole in the image (address in the boot info).")
    var loader: String?

    @Option(help: "Command line for the kernel when the boot loader passes none.")
    var cmdline: String = ""

    @Option(name: .customLong("map"), help: ArgumentHelp("Extra mapping, as for kimage pagetables (repeatable).", valueName: "VIRT=PHYS+SIZE[:FLAGS]"),
            transform: mappingArgument(.map))
    var maps: [String] = []

    @Option(help: "Top-level table slot that maps the tables themselves (gopher-os: 511), as for kimage pagetables.")
    var recursive: Int?

    @Flag(name: .customLong("embed-elf"), help: "Carry the whole kernel ELF (symbols included), not only its loadable segments.")
    var embedELF = false

    @Flag(help: "ELF32 kernels: PAE tables instead of 2-level ones.")
    var pae = false

    @Flag(name: .customLong("five-level"), help: "ELF64 kernels: 5-level tables (CR4.LA57, 57-bit virtual addresses) instead of 4-level ones; the CPU needs LA57.")
    var fiveLevel = false

    @Option(help: "How the kernel is entered: auto picks a multiboot2 header, else a multiboot header, else a Linux vmlinux, else kimage.")
    var handoff: HandoffRequest = .auto

    @Flag(inversion: .prefixedNo, help: "Enter the kernel with SSE usable (CR0.MP, CR4.OSFXSR|OSXMMEXCPT, fninit); --no-sse leaves CR0/CR4 as they were for kernels that set them up themselves.")
    var sse = true

    @Flag(inversion: .prefixedNo, help: "Make the image also a PE32+ EFI application with kimage's EFI stub (UEFI firmware starts it, and loaders through its EFI handover entry); --no-efi leaves the PE header out.")
    var efi = true

    @Option(help: "How the payload (the kernel's loadable bytes) is stored: lz4 compresses each segment into an LZ4 block the setup decompresses at boot; a segment that does not shrink stays uncompressed.")
    var compress: Compression = .none

    @Option(name: .customLong("protocol"), help: "Boot-protocol version to declare.")
    var protocolVersion: ProtocolArgument = .v2_12

    @Option(help: "Own boot sector (raw, at most 512 bytes, ending in 0xAA55) instead of kimage's.")
    var bootsector: String?

    @Option(help: "Own 16-bit setup (raw, file offset 0x200 on, with the \"HdrS\" header) instead of kimage's.")
    var setup16: String?

    @Option(help: "Own 32-bit setup (raw, loaded at 0x100000): kimage appends a part table, the kernel and loader ELFs whole.")
    var setup32: String?

    @Option(name: .shortAndLong, help: "The image to write (- for standard output).")
    var output: String

    @Option(help: ArgumentHelp("Also write a make rule naming the kernel, the loader and own stubs.", valueName: "file"))
    var depfile: String?

    @Option(help: ArgumentHelp("The depfile rule's target (default: the image).", valueName: "target"))
    var target: String?

    @Flag(name: .shortAndLong, help: "Print nothing but warnings and errors.")
    var quiet = false

    @Flag(help: "Print the layout as JSON.")
    var json = false

    func validate() throws {
        if target != nil && depfile == nil {
            throw ValidationError("--target names the depfile rule's target: give --depfile FILE too")
        }
        if output == OutputFile.standardOutput && json {
            throw ValidationError("-o - writes the image to standard output, where --json would go too: give -o FILE with --json")
        }
        if output == OutputFile.standardOutput && depfile != nil && target == nil {
            throw ValidationError("-o - has no file name for the depfile rule: give --target NAME with --depfile")
        }
        if let recursive, !(0..<1024).contains(recursive) {
            throw ValidationError("--recursive \(recursive) is no table slot; expected 0 to 511 (4-level, 5-level) or 0 to 1023 (32-bit paging)")
        }
    }

    func run() throws {
        try reportingErrors {
            var options = PackOptions(kernelPath: kernel, outputPath: output)
            options.loaderPath = loader
            options.commandLine = cmdline
            options.maps = maps
            options.recursiveSlot = recursive
            options.bootSectorPath = bootsector
            options.setup16Path = setup16
            options.setup32Path = setup32
            options.embedELF = embedELF
            options.pae = pae
            options.fiveLevel = fiveLevel
            options.handoff = handoff
            options.sse = sse
            options.efi = efi
            options.compress = compress
            options.protocolVersion = protocolVersion.version
            options.depfilePath = depfile
            options.depfileTarget = target
            let report = try BootImagePacker.pack(options)
            for warning in report.warnings {
                printError("kimage: warning: \(warning)")
            }
            if json {
                try StandardOutput.line(report.json().rendered())
            } else if !quiet {
                // With -o - standard output carries the image: the report goes to stderr.
                if output == OutputFile.standardOutput { printError(report.text) } else { try StandardOutput.line(report.text) }
            }
        }
    }
}
