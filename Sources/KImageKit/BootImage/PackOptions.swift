/// What `kimage pack` was asked to build.
public struct PackOptions: Sendable {
    public var kernelPath: String
    public var outputPath: String
    public var loaderPath: String?
    /// Used when the boot loader passes no command line.
    public var commandLine: String = ""
    /// `--map VIRT=PHYS+SIZE[:FLAGS]` specs, added to the tables.
    public var maps: [String] = []
    public var recursiveSlot: Int?
    /// Carry the whole kernel ELF (symbols included) in the image.
    public var embedELF = false
    /// ELF32 kernels: PAE tables instead of 2-level ones.
    public var pae = false
    /// ELF64 kernels: 5-level tables (CR4.LA57, 57-bit virtual addresses) instead of 4-level ones.
    public var fiveLevel = false
    /// How the setup enters the kernel; `auto` chooses from the kernel's headers.
    public var handoff: HandoffRequest = .auto
    /// Enter the kernel with SSE usable (`--no-sse` turns it off): Go, and C or Rust built without
    /// -mgeneral-regs-only, use xmm registers in ordinary code.
    public var sse = true
    /// `--compress`: how the payload is stored (lz4: one LZ4 block per segment, decompressed by the setup).
    public var compress: Compression = .none
    /// Declared boot-protocol version, 0x020C by default.
    public var protocolVersion: UInt16 = 0x020C
    /// Make the image also a PE32+ EFI application (`--no-efi` clears it). Own boot sector or
    /// 16-bit setup: no PE header, the first sector is theirs.
    public var efi = true
    /// Own stubs (Jinue style); nil means kimage's built-in ones.
    public var bootSectorPath: String?
    public var setup16Path: String?
    public var setup32Path: String?
    /// `--depfile`: a make rule `IMAGE: INPUTS`, written together with the image (both or neither).
    public var depfilePath: String?
    /// `--target`: the depfile rule's target; nil is the image.
    public var depfileTarget: String?

    public init(kernelPath: String, outputPath: String) {
        self.kernelPath = kernelPath
        self.outputPath = outputPath
    }

    /// Every file the run reads, named as the user named it: outputs must differ from all of them.
    package var namedInputs: [NamedPath] {
        [NamedPath("--kernel", "the kernel", kernelPath)]
            + [("--loader", "the loader", loaderPath), ("--bootsector", "the boot sector", bootSectorPath),
               ("--setup16", "the 16-bit setup", setup16Path), ("--setup32", "the 32-bit setup", setup32Path)]
            .compactMap { option, role, path in path.map { NamedPath(option, role, $0) } }
    }

    package var namedOutputs: [NamedPath] {
        [NamedPath("-o", "the image", outputPath)] + (depfilePath.map { [NamedPath("--depfile", "the image", $0)] } ?? [])
    }

    /// Parses "2.12" (or 0x020C) for --protocol; only versions whose header ends at 0x268.
    package static func parseProtocol(_ text: String) throws -> UInt16 {
        let parts = text.split(separator: ".")
        var value: UInt16?
        if parts.count == 2, let major = UInt16(parts[0]), let minor = UInt16(parts[1]), major < 256, minor < 256 {
            value = major << 8 | minor
        } else if text.lowercased().hasPrefix("0x"), let v = UInt16(text.dropFirst(2), radix: 16) {
            value = v
        }
        guard let v = value, (0x020B...0x020D).contains(v) else {
            throw BootImageError.unsupportedProtocol(text: text)
        }
        return v
    }
}
