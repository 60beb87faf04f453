/// `kimage pack`: a Linux/x86 boot-protocol image from a kernel ELF (and a loader ELF), with
/// kimage's own stubs. Every check runs before the first byte is written.
public enum BootImagePacker {
    /// Offset (from X) of the boot_params page the 16-bit setup builds; the setup must end before it.
    static let setup16BootParams = 0x1000
    /// setup_sects below 4 means 4 to old loaders (boot.rst): never write less. And at least 7:
    /// OVMF's legacy -kernel loader refuses a real-mode part shorter than boot_params, 4 KiB
    /// (LoadLinuxLib LoadLinuxCheckKernelSetup, given QEMU's setup size (setup_sects + 1) * 512).
    static let minimumSetupSects = 7
    static let kernelAlignment: UInt64 = 0x20_0000

    /// Packs `options.kernelPath` into the boot image at `options.outputPath` and reports what it
    /// wrote. Throws an error whose `description` says what is wrong and what to do; a failed run
    /// leaves every input as it was and writes nothing (the image appears by rename when complete).
    public static func pack(_ options: PackOptions) throws -> PackReport {
        try DistinctFiles.check(outputs: options.namedOutputs, inputs: options.namedInputs)
        // Headers only: segment bytes go file to file (copy_file_range), never through memory.
        let kernel = try ELFHeaders(path: options.kernelPath)
        var loader: ELFFile?
        if let loaderPath = options.loaderPath { loader = try ELFFile(path: loaderPath) }
        let stubs = try OwnStubs(options: options)
        // Loaders look for multiboot headers in the first 8 KiB (MB1) or 32 KiB (MB2).
        try kernel.file.load(offset: 0, count: UInt64(Multiboot2Header.searchLimit))
        let firstBytes = Array(kernel.bytes.prefix(Multiboot2Header.searchLimit))
        if let setup32 = stubs.setup32 {
            // An own setup enters the kernel its own way; only an explicit other handoff is an error.
            if case .explicit(let h) = options.handoff, h != .kimage {
                throw BootImageError.handoffWithOwnSetup32(path: options.setup32Path ?? "", handoff: h, reason: "--handoff \(h.rawValue)")
            }
            // Each of these is carried out by the load plan, which an own setup does not read.
            let ignored = [("--five-level", options.fiveLevel), ("--pae", options.pae), ("--map", !options.maps.isEmpty),
                           ("--recursive", options.recursiveSlot != nil), ("--cmdline", !options.commandLine.isEmpty),
                           ("--compress \(options.compress.rawValue)", options.compress != .none)]
                .filter(\.1).map(\.0)
            if !ignored.isEmpty {
                throw BootImageError.optionsNeedKimageSetup32(path: options.setup32Path ?? "", options: ignored)
            }
            return try packWithOwnSetup32(options: options, stubs: stubs, setup32: setup32, kernel: kernel, loader: loader)
        }
        // The PE header shares kimage's boot sector; an own boot sector or setup leaves it out.
        let efi = options.efi && options.bootSectorPath == nil && options.setup16Path == nil
        let handoff = try HandoffChoice.choose(options.handoff, kernel: kernel, head: firstBytes)
        let layout = try BootImageLayout.make(kernel: kernel, loaderSize: loader?.bytes.count,
                                              options: options, handoff: handoff, head: firstBytes,
                                              efi: efi, fileBase: realModeSize(options: options, stubs: stubs, efi: efi))
        let realMode = try realModePart(layout: layout, options: options, stubs: stubs)
        var copies = layout.segments.compactMap { p in
            p.payloadOffset.map { offset in
                p.block.map { PayloadCopy(offset: offset, from: .block($0), sourceOffset: 0, count: $0.count) }
                    ?? PayloadCopy(offset: offset, from: .kernel, sourceOffset: Int(p.segment.offset),
                                   count: Int(min(p.segment.fileSize, p.segment.memorySize)))
            }
        }
        if let offset = layout.kernelELFOffset { copies.append(PayloadCopy(offset: offset, from: .kernel, sourceOffset: 0, count: kernel.bytes.count)) }
        if let offset = layout.loaderELFOffset, let loader {
            copies.append(PayloadCopy(offset: offset, from: .loader, sourceOffset: 0, count: loader.bytes.count))
        }
        copies += layout.sectionCopies.map {
            PayloadCopy(offset: $0.payloadOffset, from: .kernel, sourceOffset: Int($0.section.offset), count: Int($0.section.size))
        }
        let image = try writeImage(options: options, realMode: realMode, head: layout.protectedModeHead(), copies: copies,
                                   protectedModeSize: layout.protectedModeSize, kernel: kernel, loader: loader)
        let report = PackReport(layout: layout, header: try SetupHeader(decoding: realMode), options: options)
        try commit(image, report: report, options: options)
        return report
    }

    /// The header fields every image kimage's 16-bit setup starts gets, own 32-bit setup or not.
    static func baseHeader(setupSects: Int, version: UInt16, protectedModeSize: Int, initSize: UInt64) -> SetupHeader {
        var h = SetupHeader()
        h.setupSects = UInt8(setupSects)
        h.syssize = UInt32(protectedModeSize / 16)
        h.jump = 0x66EB                     // EB 66: the header ends at 0x268
        h.version = version
        h.initSize = UInt32(initSize)
        return h
    }

    /// The header as kimage fills it for `layout`.
    static func header(layout: BootImageLayout, options: PackOptions, setupSects: Int, kernelVersionOffset: Int) -> SetupHeader {
        var h = baseHeader(setupSects: setupSects, version: options.protocolVersion, protectedModeSize: layout.protectedModeSize,
                           initSize: layout.initSize)
        h.kernelVersion = UInt16(kernelVersionOffset - 0x200)
        h.loadflags = SetupHeader.loadedHigh
        h.code32Start = UInt32(BootImageLayout.loadAddress)
        h.xloadflags = SetupHeader.xlfKernel64       // setup32.asm's startup_64 at +0x200
        h.cmdlineSize = layout.bootInfo.cmdlineCapacity - 1
        // The setup moves the part to where its plan runs from wherever a loader put it
        // (relocate.inc): any page works (min_alignment 12). 2 MiB is the preference, as Linux's
        // CONFIG_PHYSICAL_ALIGN: OVMF's legacy loader tries 2 * kernel_alignment * n for n < 512
        // (LoadLinuxLib LoadLinuxAllocateKernelPages), so 4 KiB would stop its search at 4 MiB.
        h.relocatableKernel = 1
        h.kernelAlignment = UInt32(Self.kernelAlignment)
        h.minAlignment = 12
        h.prefAddress = BootImageLayout.loadAddress
        // payload_offset/payload_length stay 0 even with --compress lz4: boot.rst says the payload
        // decompresses to an ELF (Xen reads it as one); kimage's blocks are raw segment bytes.
        if let efiOffset = layout.efiOffset {
            // GRUB linuxefi, OVMF's legacy loader and old systemd enter the stub here, at
            // the protected-mode part + 0x200 + handover_offset (boot.rst, 64-bit).
            h.handoverOffset = UInt32(efiOffset + Int(EFIStub.assembledHandover) - 0x200)
            h.xloadflags |= SetupHeader.xlfEFIHandover64
        }
        return h
    }

    /// The PE32+ header of `layout`'s image, nil for --no-efi. The EFI stub's first words are
    /// "KEFI" and the offset of its entry point.
    static func peHeader(layout: BootImageLayout, realModeSize: Int) -> PEHeader? {
        guard let efiOffset = layout.efiOffset else { return nil }
        let entry = Int(EFIStub.assembledEntry)
        return PEHeader.kimage(realModeSize: realModeSize, protectedModeSize: layout.protectedModeSize,
                               codeSize: alignUp(layout.payloadOffset, Int(BootImageLayout.pageSize)), entryPoint: realModeSize + efiOffset + entry)
    }

    /// Boot sector, 16-bit setup and the kernel_version string, with the header filled in.
    static func realModePart(layout: BootImageLayout, options: PackOptions, stubs: OwnStubs) throws -> [UInt8] {
        if let setup16 = stubs.setup16 {
            // The user's header: kimage fills only what it alone knows.
            var bytes = stubs.realModePart(setup16: setup16)
            let initSize = try SetupHeader(decoding: bytes).version >= 0x020A ? layout.initSize : nil
            fillUserHeader(&bytes, protectedModeSize: layout.protectedModeSize, initSize: initSize)
            return bytes
        }
        let efi = layout.efiOffset != nil
        var (bytes, setupSects, textOffset) = kimageSetup16(bootSector: efi ? StubBytes.bootsectorEFI : stubs.bootSector,
                                                            text: versionText(options), efi: efi)
        let h = header(layout: layout, options: options, setupSects: setupSects, kernelVersionOffset: textOffset)
        h.encode(into: &bytes)
        if let pe = peHeader(layout: layout, realModeSize: bytes.count) { pe.encode(into: &bytes) }
        return bytes
    }

    /// The kernel_version string: kimage's version and the kernel's file name.
    static func versionText(_ options: PackOptions) -> [UInt8] {
        let base = options.kernelPath.split(separator: "/").last.map(String.init) ?? options.kernelPath
        return Array("kimage \(KImageVersion.string) \(base)".utf8.prefix(200))
    }

    /// Where the protected-mode part starts in the file (the real-mode part's size), known
    /// before the layout, which places payloads relative to it.
    static func realModeSize(options: PackOptions, stubs: OwnStubs, efi: Bool) -> Int {
        if let setup16 = stubs.setup16 { return stubs.realModePart(setup16: setup16).count }
        return kimageSetup16(bootSector: efi ? StubBytes.bootsectorEFI : stubs.bootSector, text: versionText(options), efi: efi).bytes.count
    }

    /// kimage's boot sector and 16-bit setup, then `text` (the kernel_version string) and its NUL,
    /// padded to whole sectors: the bytes, setup_sects, and where the text starts.
    static func kimageSetup16(bootSector: [UInt8], text: [UInt8], efi: Bool) -> (bytes: [UInt8], setupSects: Int, textOffset: Int) {
        var bytes = bootSector + StubBytes.setup16
        let textOffset = bytes.count
        bytes += text + [0]
        var setupSects = max(minimumSetupSects, (bytes.count - 512 + 511) / 512)
        // PE sections start at file offset = RVA on a 4 KiB boundary: the setup fills 8n-1 sectors.
        if efi { setupSects = alignUp(setupSects + 1, 8) - 1 }
        precondition((setupSects + 1) * 512 <= setup16BootParams, "the 16-bit setup overlaps its boot_params page")
        bytes += [UInt8](repeating: 0, count: (setupSects + 1) * 512 - bytes.count)
        return (bytes, setupSects, textOffset)
    }

    /// What kimage alone knows, in a header the user brought: syssize, and init_size when given.
    static func fillUserHeader(_ bytes: inout [UInt8], protectedModeSize: Int, initSize: UInt64?) {
        let fields = SetupHeader.layout
        fields[\SetupHeader.syssize].store(UInt64(protectedModeSize / 16), into: &bytes)
        if let initSize { fields[\SetupHeader.initSize].store(initSize, into: &bytes) }
    }

    /// Bytes of the protected-mode part that come from an input file.
    struct PayloadCopy {
        /// A file's bytes, or bytes made at pack time (an LZ4 block).
        enum Source { case kernel, loader, block([UInt8]) }
        /// Offset in the protected-mode part.
        let offset: Int
        let from: Source
        let sourceOffset: Int
        let count: Int
    }

    /// The image: the real-mode part, `head`, then `copies` (in offset order) file to file, with
    /// zeros between them and up to `protectedModeSize`. Fails, writing nothing, when the kernel
    /// changed while being read.
    static func writeImage(options: PackOptions, realMode: [UInt8], head: [UInt8], copies: [PayloadCopy],
                           protectedModeSize: Int, kernel: ELFHeaders, loader: ELFFile?) throws -> PendingOutput {
        let kernelSource = PayloadSource(file: kernel.file)
        let loaderSource = loader.flatMap { PayloadSource(path: $0.path, bytes: $0.bytes) }
        defer {
            kernelSource?.close()
            loaderSource?.close()
        }
        guard kernelSource != nil else { throw FileError.changedWhileReading(path: kernel.path) }
        return try OutputFile.prepare(to: options.outputPath, mode: 0o644, durable: false) { sink in
            // The whole image's blocks reserved before its first byte: a single block written
            // first as delayed allocation makes ext4's rename over an existing image flush the
            // whole file first (auto_da_alloc; 170 ms of a 114 MiB pack, measured), and reserved
            // blocks need no delayed allocation.
            sink.reserve(offset: 0, count: UInt64(realMode.count + protectedModeSize))
            try sink.write(realMode)
            try sink.write(head)
            var written = head.count
            for c in copies {
                try sink.writeZeros(c.offset - written)
                switch c.from {
                case .kernel: try sink.copy(from: kernelSource, memory: kernel.bytes, offset: c.sourceOffset, count: c.count)
                case .loader:
                    guard let loader else { continue }
                    try sink.copy(from: loaderSource, memory: loader.bytes, offset: c.sourceOffset, count: c.count)
                case .block(let bytes): try sink.write(bytes)
                }
                written = c.offset + c.count
            }
            try sink.writeZeros(protectedModeSize - written)
            try kernel.file.verifyUnchanged()
        }
    }
}

/// What `kimage pack` built, for its text and JSON output.
public struct PackReport: Sendable, Equatable {
    /// One part of the image: a stub, the plan, a segment's bytes, or what exists only in memory.
    public struct Part: Sendable, Equatable {
        public let name: String
        /// nil for what exists only in memory, written there by the load plan's steps.
        public let fileOffset: UInt64?
        public let size: UInt64
        /// Physical address at run time (after any move).
        public let physical: UInt64
    }

    /// A kernel PT_LOAD segment as packed.
    public struct Segment: Sendable, Equatable {
        public let index: Int
        public let virtualAddress: UInt64
        public let physicalAddress: UInt64
        public let fileSize: UInt64
        public let memorySize: UInt64
        public let flags: String
    }

    /// The image's path, as given in PackOptions.outputPath.
    public let image: String
    /// Bytes written: the real-mode part plus the protected-mode part.
    public let imageSize: UInt64
    /// The boot-protocol version the header declares, as "2.12".
    public let protocolVersion: String
    /// The header's setup_sects, syssize and init_size.
    public let setupSects: Int
    public let syssize: UInt32
    public let initSize: UInt32
    /// The paging mode the tables are built for, as pack prints it.
    public let pagingMode: String
    /// How the setup enters the kernel and why; nil with an own 32-bit setup.
    public let handoff: Handoff?
    public let handoffReason: String?
    /// The kernel's entry point (virtual), and the CR3 the setup loads.
    public let entry: UInt64
    public let cr3: UInt64
    /// How many page tables the plan builds, and where the boot info lies (physical).
    public let tableCount: Int
    public let bootInfo: UInt64
    /// Where the setup builds the MBI / MBI2 (ebx at the entry); nil for the other handoffs.
    public let multibootInfo: UInt64?
    /// Where the protected-mode part moves first when the kernel overlaps it; nil when it stays.
    public let movedTo: UInt64?
    /// The setup's stack top and the first byte after everything the plan writes (physical).
    public let stackTop: UInt64
    public let firstFree: UInt64
    /// The kernel's PT_LOAD segments, and the image's parts in file order.
    public let segments: [Segment]
    public let parts: [Part]
    /// Every file the run read (for depfiles).
    public let inputs: [String]
    /// RVA (= file offset) of the PE entry point, the EFI stub; nil without a PE header.
    public let efiEntry: UInt64?
    /// What kimage decided on the kernel's behalf.
    public var notes: [String] = []
    /// What may keep the image from booting (the CLI prints these on stderr).
    public var warnings: [String] = []

    init(layout: BootImageLayout, header: SetupHeader, options: PackOptions) {
        image = options.outputPath
        let pmStart = UInt64(header.realModeSize)
        imageSize = pmStart + UInt64(layout.protectedModeSize)
        protocolVersion = header.versionString
        setupSects = Int(header.setupSects)
        syssize = header.syssize
        initSize = header.initSize
        pagingMode = layout.plan.pagingMode.name
        handoff = layout.handoff.handoff
        handoffReason = layout.handoff.reason
        entry = layout.entry
        cr3 = layout.plan.cr3
        tableCount = layout.tables?.tableCount ?? 0
        bootInfo = layout.bootInfo.address
        multibootInfo = layout.plan.handoffData == 0 ? nil : layout.handoffData.loadLE(UInt32.self, at: 0).map(UInt64.init)
        movedTo = layout.plan.moveDestination
        stackTop = layout.stackTop
        firstFree = layout.firstFree
        segments = layout.segments.map {
            Segment(index: $0.segment.index, virtualAddress: $0.segment.virtualAddress, physicalAddress: $0.segment.physicalAddress,
                    fileSize: $0.segment.fileSize, memorySize: $0.segment.memorySize, flags: $0.segment.flagString)
        }
        parts = Self.parts(of: layout, realModeSize: header.realModeSize)
        efiEntry = BootImagePacker.peHeader(layout: layout, realModeSize: header.realModeSize).map { $0["AddressOfEntryPoint"] }
        inputs = options.namedInputs.map(\.path)
        notes = layout.notes
        warnings = layout.warnings
    }

    /// Every part of `layout`'s image: file offset, size, and where it runs.
    static func parts(of layout: BootImageLayout, realModeSize: Int) -> [Part] {
        let pmStart = UInt64(realModeSize)
        let base = layout.runtimeBase
        var parts: [Part] = [
            Part(name: "boot sector", fileOffset: 0, size: 512, physical: 0),
            Part(name: "16-bit setup", fileOffset: 512, size: UInt64(realModeSize - 512), physical: 0),
            Part(name: "32-bit setup", fileOffset: pmStart, size: UInt64(layout.setup32.count), physical: base),
            Part(name: "load plan", fileOffset: pmStart + UInt64(layout.planOffset), size: UInt64(layout.plan.encodedSize),
                 physical: base + UInt64(layout.planOffset)),
            Part(name: layout.linuxBootParams == nil ? "boot info template" : "boot_params template",
                 fileOffset: pmStart + UInt64(layout.bootInfoTemplateOffset), size: UInt64(layout.bootInfoTemplateSize),
                 physical: base + UInt64(layout.bootInfoTemplateOffset)),
        ]
        if layout.plan.handoffData != 0 {
            let name = layout.handoff.handoff == .multiboot2 ? "multiboot2 information" : "multiboot information"
            parts.append(Part(name: name, fileOffset: pmStart + UInt64(layout.handoffDataOffset), size: UInt64(layout.handoffData.count),
                              physical: layout.plan.handoffData))
        }
        if let o = layout.efiOffset {
            parts.append(Part(name: "EFI stub", fileOffset: pmStart + UInt64(o), size: UInt64(layout.efiStub.count),
                              physical: base + UInt64(o)))
        }
        for p in layout.segments {
            if let o = p.payloadOffset {
                parts.append(Part(name: "segment \(p.segment.index) \(p.block == nil ? "source" : "LZ4 block")", fileOffset: pmStart + UInt64(o),
                                  size: p.block.map { UInt64($0.count) } ?? min(p.segment.fileSize, p.segment.memorySize), physical: base + UInt64(o)))
            }
        }
        if let o = layout.kernelELFOffset {
            parts.append(Part(name: "kernel ELF", fileOffset: pmStart + UInt64(o), size: UInt64(layout.kernelELFSize), physical: base + UInt64(o)))
        }
        if let o = layout.loaderELFOffset {
            parts.append(Part(name: "loader ELF", fileOffset: pmStart + UInt64(o), size: UInt64(layout.loaderELFSize), physical: base + UInt64(o)))
        }
        for (section, o) in layout.sectionCopies {
            parts.append(Part(name: "section \(section.index) \(section.shownName)", fileOffset: pmStart + UInt64(o), size: section.size,
                              physical: base + UInt64(o)))
        }
        // Written by the plan's steps, above the part and the kernel: no file bytes of their own.
        parts.append(Part(name: layout.linuxBootParams == nil ? "boot info" : "boot_params + command line", fileOffset: nil,
                          size: UInt64(layout.linuxBootParams == nil ? layout.bootInfo.size : BootParams.regionSize),
                          physical: layout.bootInfo.address))
        if let tables = layout.tables {
            parts.append(Part(name: "page tables", fileOffset: nil, size: UInt64(tables.byteCount), physical: tables.base))
        }
        return parts
    }
}

extension BootImagePacker {
    /// `IMAGE: KERNEL LOADER` for make's -include, escaped by the one make escaper count uses.
    package static func depfileRule(_ report: PackReport, target: String? = nil) throws -> String {
        try MakeRule.text(target: target ?? report.image, prerequisites: report.inputs, phony: false)
    }

    /// The image's temporary is renamed only once the depfile's is written too: a depfile that
    /// cannot be written leaves the old image and the old depfile, as the message says.
    static func commit(_ image: PendingOutput, report: PackReport, options: PackOptions) throws {
        var depfile: PendingOutput?
        if let path = options.depfilePath {
            let rule = try depfileRule(report, target: options.depfileTarget)
            depfile = try OutputFile.prepare(to: path) { sink in try sink.write(Array(rule.utf8)) }
        }
        try image.commit()
        try depfile?.commit()
    }
}

extension PackReport {
    /// The human-readable summary `kimage pack` prints.
    package var text: String {
        var lines: [String] = []
        lines.append("\(image): \(imageSize) bytes, boot protocol \(protocolVersion), setup_sects \(setupSects), syssize \(syssize), init_size \(hex(initSize))")
        if let handoff, let handoffReason {
            lines.append("handoff \(handoff.rawValue): \(handoffReason)")
        }
        if bootInfo != 0 {
            var mode = "\(pagingMode), entry \(hex(entry))"
            if cr3 != 0 { mode += ", CR3 \(hex(cr3)) (\(tableCount) tables)" }
            lines.append(mode)
            if let movedTo { lines.append("the kernel overlaps the image at 0x100000: the image moves to \(hex(movedTo)) first") }
            if let multibootInfo {
                // The kernel gets the MBI, not kimage's boot info: say where that is.
                lines.append("\(handoff == .multiboot2 ? "MBI2" : "MBI") (ebx) at \(hex(multibootInfo)), completed by the setup at boot, stack top \(hex(stackTop)), first free \(hex(firstFree))")
            } else {
                lines.append("\(handoff == .linux ? "boot_params (rsi)" : "boot info") at \(hex(bootInfo)), stack top \(hex(stackTop)), first free \(hex(firstFree))")
            }
        } else {
            lines.append("\(pagingMode) at 0x100000; the part table follows it")
        }
        if let efiEntry {
            lines.append("PE32+ EFI application (x86-64): entry point RVA \(hex(efiEntry)) (the EFI stub)")
        }
        lines.append("  file offset  size        physical            part")
        // At most listedRows of each list: 200,000 segments made 400,000 lines (issue 12).
        let limit = PageTableInspection.listedRows
        for p in parts.prefix(limit) {
            let phys = p.physical == 0 && (p.fileOffset ?? 0) < 0x1000 ? "(real mode)" : hex(p.physical, digits: 8)
            let offset = p.fileOffset.map { hex($0, digits: 8) } ?? "(memory)"
            lines.append("  " + pad(offset, 12) + " " + pad(String(p.size), 11) + " " + pad(phys, 19) + " " + p.name)
        }
        if parts.count > limit { lines.append("  ... \(parts.count - limit) more parts not listed (pack lists at most \(limit))") }
        for s in segments.prefix(limit) {
            lines.append("  segment \(s.index): \(s.flags) vaddr \(hex(s.virtualAddress, digits: 8)) paddr \(hex(s.physicalAddress, digits: 8)) filesz \(hex(s.fileSize)) memsz \(hex(s.memorySize))")
        }
        if segments.count > limit { lines.append("  ... \(segments.count - limit) more segments not listed (pack lists at most \(limit))") }
        lines += notes.map { "note: " + $0 }
        return lines.joined(separator: "\n")
    }

    private func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
}
