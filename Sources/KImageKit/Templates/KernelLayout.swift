/// The CPU a kernel made by `kimage init` is built for.
package enum KernelArch: String, CaseIterable, Sendable {
    case x86_64
    case i386

    /// The layout `kimage init` picks when none is named.
    package var defaultLayout: KernelLayout { self == .x86_64 ? .gopher : .jinue }
}

/// Where a kernel is linked: the three higher-half layouts of the seeds. Every one is loaded at
/// physical 1 MiB; `kimage pack` maps it at its link address.
package enum KernelLayout: String, CaseIterable, Sendable {
    /// 64-bit at PAGE_OFFSET 0xFFFF800000000000 + 1 MiB (gopher-os); C needs -mcmodel=large.
    case gopher
    /// 64-bit at 0xFFFFFFFF80000000 + 1 MiB (Emerald), the -mcmodel=kernel layout.
    case kernel
    /// 32-bit at 0xC0000000 + 1 MiB (Jinue's KLIMIT).
    case jinue

    package var arch: KernelArch { self == .jinue ? .i386 : .x86_64 }

    package var virtualBase: UInt64 {
        switch self {
        case .gopher: return 0xFFFF_8000_0000_0000
        case .kernel: return 0xFFFF_FFFF_8000_0000
        case .jinue: return 0xC000_0000
        }
    }

    /// What the linker script's opening comment says of the layout (lines after the first start
    /// with " * ", as in the rest of the comment).
    var summary: String {
        switch self {
        case .gopher:
            return """
                a 64-bit kernel linked at PAGE_OFFSET 0xFFFF800000000000 + 1 MiB and
                 * loaded at physical 1 MiB (gopher-os's layout). Outside the top 2 GiB, so C code needs
                 * -mcmodel=large. `kimage pack` maps every segment at its vaddr with its own permissions.
                """
        case .kernel:
            return """
                a 64-bit kernel linked at 0xFFFFFFFF80000000 + 1 MiB (the top 2 GiB,
                 * Emerald's layout) and loaded at physical 1 MiB. C code builds with -mcmodel=kernel;
                 * `kimage pack` maps every segment at its vaddr with its own permissions.
                """
        case .jinue:
            return """
                a 32-bit kernel linked at 0xC0000000 + 1 MiB (KLIMIT, the higher half
                 * of Jinue) and loaded at physical 1 MiB. `kimage pack` maps every segment at its vaddr with its
                 * own permissions (2-level tables; PAE with --pae).
                """
        }
    }

    /// The placeholders of templates/ld/layout.ld: one script serves every layout, and the values
    /// that differ come from the declarations they belong to (the redirect table entry, the load
    /// address), so a script cannot disagree with what redirect and pack expect.
    package var linkerScriptValues: [String: String] {
        let elfClass: ELFClass = arch == .x86_64 ? .elf64 : .elf32
        return [
            "layout": rawValue,
            "layout_summary": summary,
            "output_format": arch == .x86_64 ? "elf64-x86-64" : "elf32-i386",
            "output_arch": arch == .x86_64 ? "i386:x86-64" : "i386",
            "virtual_base": "0x" + String(virtualBase, radix: 16, uppercase: true),
            "physical_start": "0x" + String(BootImageLayout.loadAddress, radix: 16, uppercase: true),
            "slot_size": String(RedirectTable.entrySize(for: elfClass)),
            "slot_field": "u\(elfClass.addressSize * 8)",
        ]
    }

    /// This layout's linker script (what `kimage init` writes as linker.ld and `kimage link` uses).
    package func linkerScript() throws -> String {
        try Templates.render(Self.linkerScriptTemplate, values: linkerScriptValues)
    }

    /// The one linker-script template, under templates/.
    package static let linkerScriptTemplate = "ld/layout.ld"

    /// gcc flags for code linked in this layout.
    package var cflags: String {
        switch self {
        case .gopher: return "-m64 -mcmodel=large -mno-red-zone"
        case .kernel: return "-m64 -mcmodel=kernel -mno-red-zone"
        case .jinue: return "-m32 -march=i686"
        }
    }
}

/// The language of the kernel `kimage init` writes.
package enum KernelLanguage: String, CaseIterable, Sendable {
    /// C and nasm, linked by the project's Makefile (kimage.mk).
    case c
    /// Go (amd64) with an rt0 in Go assembly, linked by `kimage link`.
    case go
}
