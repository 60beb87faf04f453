/// The CPU a kernel made by `kimage init` is built for.
public enum KernelArch: String, CaseIterable, Sendable {
    case x86_64
    case i386

    /// The layout `kimage init` picks when none is named.
    public var defaultLayout: KernelLayout { self == .x86_64 ? .gopher : .jinue }
}

/// Where a kernel is linked: the three higher-half layouts of the seeds. Every one is loaded at
/// physical 1 MiB; `kimage pack` maps it at its link address.
public enum KernelLayout: String, CaseIterable, Sendable {
    /// 64-bit at PAGE_OFFSET 0xFFFF800000000000 + 1 MiB (gopher-os); C needs -mcmodel=large.
    case gopher
    /// 64-bit at 0xFFFFFFFF80000000 + 1 MiB (Emerald), the -mcmodel=kernel layout.
    case kernel
    /// 32-bit at 0xC0000000 + 1 MiB (Jinue's KLIMIT).
    case jinue

    public var arch: KernelArch { self == .jinue ? .i386 : .x86_64 }

    public var virtualBase: UInt64 {
        switch self {
        case .gopher: return 0xFFFF_8000_0000_0000
        case .kernel: return 0xFFFF_FFFF_8000_0000
        case .jinue: return 0xC000_0000
        }
    }

    /// gcc flags for code linked in this layout.
    public var cflags: String {
        switch self {
        case .gopher: return "-m64 -mcmodel=large -mno-red-zone"
        case .kernel: return "-m64 -mcmodel=kernel -mno-red-zone"
        case .jinue: return "-m32 -march=i686"
        }
    }
}

/// The language of the kernel `kimage init` writes.
public enum KernelLanguage: String, CaseIterable, Sendable {
    /// C and nasm, linked by the project's Makefile (kimage.mk).
    case c
    /// Go (amd64) with an rt0 in Go assembly, linked by `kimage link`.
    case go
}
