/// Where every part of a boot image goes, in the file and in physical memory, decided at pack
/// time from the kernel ELF: the load plan, the boot info template and the page tables.
///
/// Protected-mode part (loaded at 0x100000, moved to `runtimeBase` when the kernel overlaps it):
/// setup32 stub | load plan | boot info template (its pack-time fields) | handoff data | EFI stub
/// (unless --no-efi) | segment bytes | whole kernel ELF (--embed-elf) | loader ELF. With the EFI
/// stub the part is padded to 512 bytes, the PE FileAlignment. Above the part and the kernel, in
/// memory only: the boot info and the page tables, which the plan's steps write (a zero step,
/// the template's copy, runs of entries), then a 16 KiB boot stack.
package struct BootImageLayout: Sendable {
    package static let loadAddress: UInt64 = 0x10_0000
    package static let stackSize: UInt64 = 16 * 1024
    package static let pageSize: UInt64 = 4096
    /// The PE FileAlignment: with the EFI stub the protected-mode part is a whole number of these.
    static let peFileAlignment = 512
    /// Physical addresses the 32-bit setup reaches (it copies with paging off).
    static let fourGiB: UInt64 = 1 << 32

    package struct SegmentPlacement: Sendable, Equatable {
        package let segment: ELFSegment
        /// Offset of its file bytes in the protected-mode part (nil when it has none).
        package let payloadOffset: Int?
        /// Its LZ4 block (`--compress lz4`), stored at payloadOffset instead of its bytes.
        package var block: [UInt8]? = nil
    }

    package let kernelPath: String
    package let elfClass: ELFClass
    package let entry: UInt64
    package let handoff: HandoffChoice
    package let segments: [SegmentPlacement]
    package let setup32: [UInt8]
    /// Which of kimage's setups `setup32` is; nil when the caller gave other bytes.
    package let setup32Variant: Setup32Variant?
    package let planOffset: Int
    package let plan: LoadPlan
    /// Bytes the plan takes in the part (at least plan.encodedSize; room for its entries steps).
    package let planSize: Int
    /// Offset of the boot info template's pack-time bytes, which a plan step copies into place.
    package let bootInfoTemplateOffset: Int
    package let bootInfoTemplateSize: Int
    package let bootInfo: BootInfo
    /// Offset of the EFI stub in the protected-mode part; nil for --no-efi.
    package let efiOffset: Int?
    package let efiStub: [UInt8]
    /// Offset of the first payload byte: everything before it is stubs, plan and templates.
    package let payloadOffset: Int
    /// The tables the plan's entries steps write (at tables.base), nil without paging.
    package let tables: PageTables?
    package let kernelELFOffset: Int?
    package let kernelELFSize: Int
    package let loaderELFOffset: Int?
    /// The multiboot information's pack-time part, and where it sits (multiboot handoffs only).
    let multibootTemplate: MultibootInfoTemplate?
    package let handoffDataOffset: Int
    package let handoffData: [UInt8]
    /// Sections carried for the multiboot ELF-sections information, and where their bytes sit.
    package let sectionCopies: [(section: ELFSection, payloadOffset: Int)]
    package let loaderELFSize: Int
    /// Bytes of the protected-mode part (a multiple of 16).
    package let protectedModeSize: Int
    /// Where the protected-mode part runs (0x100000, or where it moves).
    package let runtimeBase: UInt64
    package let kernelStart: UInt64
    package let kernelEnd: UInt64
    package let stackTop: UInt64
    package let firstFree: UInt64
    /// What kimage decided on the kernel's behalf (e.g. a header page loaded from 1 MiB on).
    package var notes: [String] = []
    /// What may keep the image from booting on a typical machine (RAM it may not have).
    package var warnings: [String] = []
    /// The Linux handoff's boot_params template, written where the boot info would be.
    package var linuxBootParams: BootParams?

    package var moved: Bool { runtimeBase != Self.loadAddress }
    /// Bytes from 0x100000 the stub touches: the header's init_size.
    package var initSize: UInt64 { firstFree - Self.loadAddress }

    /// Checks the kernel, chooses the paging mode, places every part, fills the plan and the
    /// boot info. `setup32` nil: kimage's setup variant for the handoff and the compression.
    package static func make(kernel: ELFHeaders, loaderSize: Int?, options: PackOptions, setup32: [UInt8]? = nil,
                            handoff: HandoffChoice = HandoffChoice(handoff: .kimage, reason: "--handoff kimage"),
                            head: [UInt8] = [], efi: Bool = false, fileBase: Int = 0) throws -> BootImageLayout {
        let checked = try validate(kernel: kernel, options: options, handoff: handoff, head: head, efi: efi)
        let paging = try choosePaging(kernel: kernel, checked: checked, options: options, handoff: handoff.handoff)
        let compression = try PayloadCompression(segments: checked.segments, kernel: kernel, method: options.compress)
        // Only the code the plan runs: the handoff's, and the decoder when a segment has a block.
        let variant = setup32 == nil ? Setup32Variant(handoff: handoff.handoff, lz4: !compression.blocks.isEmpty) : nil
        let input = Input(kernel: kernel, loaderSize: loaderSize, options: options, setup32: setup32 ?? variant?.bytes ?? [],
                          setup32Variant: variant, handoff: handoff,
                          efi: efi, checked: checked, paging: paging, compression: compression, fileBase: fileBase)
        let skeleton = try makeSkeleton(input)
        let placed = try place(input, skeleton: skeleton)
        return fill(input, skeleton: skeleton, placed: placed)
    }

    /// What `make` works from: its arguments and what the checks found.
    struct Input {
        let kernel: ELFHeaders
        let loaderSize: Int?
        let options: PackOptions
        let setup32: [UInt8]
        let setup32Variant: Setup32Variant?
        let handoff: HandoffChoice
        let efi: Bool
        let checked: CheckedKernel
        let paging: Paging
        /// The segments' LZ4 blocks (`--compress lz4`).
        let compression: PayloadCompression
        /// Where the protected-mode part starts in the file (the real-mode part's size).
        let fileBase: Int
        var linux: Bool { handoff.handoff == .linux }
        var segments: [ELFSegment] { checked.segments }
        var kernelStart: UInt64 { segments.map(\.physicalAddress).min()! }
        var kernelEnd: UInt64 { segments.map { $0.physicalAddress + $0.memorySize }.max()! }
        /// One copy step per segment with file bytes, one zero step per segment with bss.
        var segmentStepCount: Int { segments.reduce(0) { $0 + ($1.fileSize > 0 ? 1 : 0) + ($1.memorySize > $1.fileSize ? 1 : 0) } }
    }

    /// The kernel as `validate` accepted it.
    struct CheckedKernel {
        /// What the plan loads (header page trimmed, or what the multiboot header asks for).
        let segments: [ELFSegment]
        let entry: UInt64
        /// Why the kernel is entered with paging off, when it is.
        let pagingOffReason: String?
        let multiboot: MultibootLoading?
        let notes: [String]
    }

    /// The paging mode and the mappings its tables hold.
    struct Paging {
        let mode: BootPagingMode
        let userMaps: [Mapping]
        let kernelMappings: [Mapping]
    }

    /// What is known before any address: the plan without addresses (its fixed steps counted),
    /// the boot info and handoff templates and their sizes.
    struct Skeleton {
        let plan: LoadPlan
        let bootInfo: BootInfo
        let template: MultibootInfoTemplate?
        /// Bytes of the boot info (or boot_params and command line) in memory.
        let bootInfoSize: Int
        /// Bytes of its template the plan copies: up to its last field written at pack time.
        let bootInfoTemplateSize: Int
        let handoffDataSize: Int
        /// The EFI stub's bytes, with room for a range per fixed step and the image's own.
        let efiSize: Int
    }

    /// Offsets in the protected-mode part of what precedes the payload, for a plan with room for
    /// `entriesRoom` bytes of entries steps.
    struct HeadPlacement {
        let planOffset: Int
        let planSize: Int
        let bootInfoTemplateOffset: Int
        let handoffDataOffset: Int
        let efiOffset: Int?
        let payloadOffset: Int
    }

    /// Offsets in the protected-mode part of the payload.
    struct PayloadPlacement {
        let segments: [SegmentPlacement]
        let kernelELFOffset: Int?
        let loaderELFOffset: Int?
        let sectionCopies: [(section: ELFSection, payloadOffset: Int)]
        /// Bytes of the protected-mode part.
        let size: Int
    }

    /// Where the protected-mode part runs, the memory-only regions above it and the kernel
    /// (boot info, tables) and the boot stack above them.
    struct MemoryPlacement {
        let runtimeBase: UInt64
        let moved: Bool
        let bootInfo: UInt64
        let tablesBase: UInt64
        /// The first byte past the boot info and tables: the stack's bottom.
        let regionsEnd: UInt64
        var stackTop: UInt64 { regionsEnd + stackSize }
    }

    /// Everything placed, the tables built for where they run and turned into entries steps.
    struct Placement {
        let head: HeadPlacement
        let payload: PayloadPlacement
        let memory: MemoryPlacement
        let tables: PageTables?
        let entrySteps: [LoadStep]
        let entriesRoom: Int
        var entriesNeeded: Int { entrySteps.count * LoadStep.encodedSize }
    }

    // MARK: validate

    /// Every check on the kernel and the handoff's demands, before anything is placed.
    static func validate(kernel: ELFHeaders, options: PackOptions, handoff: HandoffChoice, head: [UInt8], efi: Bool) throws -> CheckedKernel {
        let path = kernel.path
        let multiboot = try MultibootLoading(handoff: handoff.handoff, kernel: kernel, head: head, efi: efi)
        var notes: [String] = []
        var segments: [ELFSegment] = []
        if let multiboot {
            segments = multiboot.segments
        } else {
            (segments, notes) = try loadedSegments(kernel)
        }
        guard !segments.isEmpty else { throw BootImageError.noLoadSegments(path: path) }
        switch (kernel.elfClass, kernel.machine) {
        case (.elf32, .i386), (.elf64, .x86_64): break
        default:
            throw BootImageError.machineMismatch(path: path, detail: "is \(kernel.elfClass.rawValue) for \(kernel.machine.rawValue); expected ELF32 for i386 or ELF64 for x86-64: link with -m elf_i386 or -m elf_x86_64")
        }
        try checkRanges(segments, path: path)
        try checkDisjoint(segments, path: path, space: "physical", start: \.physicalAddress)
        try checkDisjoint(segments, path: path, space: "virtual", start: \.virtualAddress)
        let (entry, pagingOffReason) = try checkEntry(kernel: kernel, segments: segments, multiboot: multiboot,
                                                      options: options, handoff: handoff.handoff)
        if let multiboot {
            notes.append("entered at \(hex(multiboot.entry)): \(multiboot.entryReason)")
            if let r = multiboot.relocation { notes.append("relocatable kernel " + r) }
            if multiboot.needsUEFI { notes.append("the kernel requires multiboot2 information tag 12 or 17, which only a UEFI boot gives: a BIOS boot stops in the setup with a message") }
        }
        return CheckedKernel(segments: segments, entry: entry, pagingOffReason: pagingOffReason, multiboot: multiboot, notes: notes)
    }

    /// The kernel's PT_LOAD segments with memory, a Go-style header page trimmed to 1 MiB.
    static func loadedSegments(_ kernel: ELFHeaders) throws -> ([ELFSegment], notes: [String]) {
        var notes: [String] = []
        var segments: [ELFSegment] = []
        for s in kernel.loadSegments.filter({ $0.memorySize > 0 }) {
            if let trimmed = try headerPageTrimmed(s, kernel: kernel) {
                notes.append("segment \(s.index): its \(hex(loadAddress - s.physicalAddress)) bytes below 1 MiB (\(hex(s.physicalAddress))..0x100000) hold only the ELF and program headers\(trimmed.notes), as the Go linker's header page does: loaded from 0x100000 on")
                segments.append(trimmed.segment)
            } else {
                segments.append(s)
            }
        }
        return (segments, notes)
    }

    /// Every segment's ranges inside the address space, physically between 1 MiB and 4 GiB.
    static func checkRanges(_ segments: [ELFSegment], path: String) throws {
        for s in segments {
            for (field, start) in [("p_vaddr", s.virtualAddress), ("p_paddr", s.physicalAddress)] {
                let (end, wrapped) = start.addingReportingOverflow(s.memorySize)
                if wrapped || end > 0xFFFF_FFFF_FFFF_F000 {
                    throw BootImageError.segmentAtTopOfAddressSpace(path: path, segment: s.index, field: field, start: start, size: s.memorySize)
                }
            }
            let end = s.physicalAddress &+ s.memorySize
            if s.physicalAddress < loadAddress {
                throw BootImageError.segmentBelow1MiB(path: path, segment: s.index, start: s.physicalAddress, end: end,
                                                       holdsHeaders: s.offset == 0 && s.fileSize > 0)
            }
            if end > fourGiB || end < s.physicalAddress {
                throw BootImageError.segmentAbove4GiB(path: path, segment: s.index, start: s.physicalAddress, end: end)
            }
        }
    }

    /// The entry point, and why paging is off at it (nil: the kimage handoff's tables are on).
    /// The kimage handoff enters at a virtual e_entry with the tables on; an e_entry in the
    /// physical range of an executable segment linked elsewhere is entered there, paging off,
    /// as QEMU's multiboot loader does (hw/i386/multiboot.c loads by p_paddr).
    static func checkEntry(kernel: ELFHeaders, segments: [ELFSegment], multiboot: MultibootLoading?, options: PackOptions,
                           handoff: Handoff) throws -> (entry: UInt64, pagingOffReason: String?) {
        let path = kernel.path
        let executable = segments.filter(\.isExecutable)
        if let multiboot {
            let unfindable = [("--loader", options.loaderPath != nil), ("--embed-elf", options.embedELF)].filter(\.1).map(\.0)
            if !unfindable.isEmpty {
                throw BootImageError.multibootHasNoBootInfo(path: path, handoff: handoff, options: unfindable)
            }
            return (multiboot.entry, "the \(handoff.rawValue) handoff enters with paging off")
        }
        if handoff == .linux {
            try checkLinuxHandoff(kernel: kernel, executable: executable, options: options)
            return (kernel.entry, nil)
        }
        let entry = kernel.entry
        if executable.contains(where: { entry >= $0.virtualAddress && entry - $0.virtualAddress < $0.memorySize }) {
            return (entry, nil)
        }
        guard executable.contains(where: { $0.virtualAddress != $0.physicalAddress && entry >= $0.physicalAddress
                                           && entry - $0.physicalAddress < $0.memorySize }) else {
            throw BootImageError.entryNotExecutable(path: path, entry: entry, executable: executable.map {
                "segment \($0.index) \(hex($0.virtualAddress))..\(hex($0.virtualAddress &+ $0.memorySize))"
            })
        }
        return (entry, "the entry point \(hex(entry)) is physical, so the kernel is entered with paging off")
    }

    // MARK: choose paging

    /// The paging mode: ELF64 always long mode; ELF32 only when it needs tables; none when the
    /// kernel is entered with paging off. Options that shape tables are refused without them.
    static func choosePaging(kernel: ELFHeaders, checked: CheckedKernel, options: PackOptions, handoff: Handoff) throws -> Paging {
        let path = kernel.path
        let userMaps = try options.maps.map { try MappingSpec.parse($0, as: .map) }
        if options.pae && options.fiveLevel { throw BootImageError.fiveLevelWithPAE }
        let mode: BootPagingMode
        if handoff == .linux {
            mode = .fourLevel
        } else if let reason = checked.pagingOffReason {
            let ignored = [("--five-level", options.fiveLevel), ("--pae", options.pae), ("--map", !options.maps.isEmpty),
                           ("--recursive", options.recursiveSlot != nil)].filter(\.1).map(\.0)
            if !ignored.isEmpty {
                throw BootImageError.optionsNeedPaging(path: path, reason: reason, options: ignored)
            }
            mode = .none
        } else {
            mode = try tableMode(kernel: kernel, segments: checked.segments, options: options, userMaps: userMaps)
        }
        if let pagingMode = mode.pagingMode, pagingMode.virtualBits > 32 {
            try checkCanonical(checked.segments, path: path, mode: pagingMode)
        }
        // The Linux handoff maps no segment at its vaddr: startup_64 runs identity-mapped.
        let kernelMappings = handoff == .linux ? [] : try Mapping.fromLoadSegments(checked.segments, path: path)
        return Paging(mode: mode, userMaps: userMaps, kernelMappings: kernelMappings)
    }

    /// The kimage handoff's mode for the kernel's class and the options.
    static func tableMode(kernel: ELFHeaders, segments: [ELFSegment], options: PackOptions, userMaps: [Mapping]) throws -> BootPagingMode {
        switch kernel.elfClass {
        case .elf64:
            if options.pae { throw BootImageError.paeNeedsELF32(path: kernel.path) }
            return options.fiveLevel ? .fiveLevel : .fourLevel
        case .elf32:
            if options.fiveLevel { throw BootImageError.fiveLevelNeedsELF64(path: kernel.path) }
            let identity = segments.allSatisfy { $0.virtualAddress == $0.physicalAddress }
            if options.pae { return .pae }
            if identity && userMaps.isEmpty && options.recursiveSlot == nil { return .none }
            return .bits32
        }
    }

    // MARK: place

    /// The plan's skeleton and the templates' sizes: the fixed steps are known before the
    /// addresses are, and their count fixes most of the plan's size.
    static func makeSkeleton(_ input: Input) throws -> Skeleton {
        var plan = LoadPlan()
        plan.pagingMode = input.paging.mode
        plan.entry = input.checked.entry
        plan.handoff = input.handoff.handoff
        plan.defaultCommandLine = Array(input.options.commandLine.utf8)
        let bootInfo = BootInfo()
        if plan.defaultCommandLine.count > Int(bootInfo.cmdlineCapacity) - 1 {
            throw BootImageError.commandLineTooLong(length: plan.defaultCommandLine.count, maximum: Int(bootInfo.cmdlineCapacity) - 1)
        }
        // RAM checks, the segments' copies and zeros, the regions' zero, the template's copies.
        plan.steps = ramChecks(segments: input.segments, image: (0, 0), stackTop: 0, regions: (0, 0))
            + Array(repeating: .zero(destination: 0, size: 0), count: input.segmentStepCount + 1 + bootInfoCopyCount(input))
            // An LZ4 step takes a second slot: one more per block.
            + Array(repeating: .zero(destination: 0, size: 0), count: input.compression.blocks.count)
        let template = input.checked.multiboot.map {
            MultibootInfoTemplate(handoff: input.handoff.handoff, framebuffer: $0.wantsFramebuffer, sections: $0.sections,
                                  cmdlineCapacity: Int(bootInfo.cmdlineCapacity), loadBase: $0.loadBase, efi: input.efi, needsUEFI: $0.needsUEFI)
        }
        // boot_params: up to its last pack-time field. The boot info: its header, flags included,
        // then its UEFI extension, both of which the EFI stub fills in this template before the
        // plan copies them into place (over the zeroed boot info).
        let templateSize = input.linux ? alignUp(BootParams.layout.packTimeEnd, 16)
            : BootInfo.e820EntriesOffset + (input.efi ? UEFIExtension.size : 0)
        // Ranges: one per segment step, the image, the regions with the stack, and one to spare.
        let efiSize = input.efi ? alignUp(EFIStub.size(rangeCount: input.segmentStepCount + 3), 16) : 0
        return Skeleton(plan: plan, bootInfo: bootInfo, template: template,
                        bootInfoSize: input.linux ? BootParams.regionSize : bootInfo.size,
                        bootInfoTemplateSize: templateSize,
                        handoffDataSize: template?.encode(base: 0, sectionAddresses: [:]).count ?? 0, efiSize: efiSize)
    }

    /// Payload, memory, tables and their entries steps. The steps sit in the plan, before the
    /// payload, and the tables are built for where they run, which can move with the plan's size:
    /// reserve what the last pass needed until it fits. `bound`, a step per non-zero entry of any
    /// base's tables (a base only changes how the stub's pages split the identity map: at most a
    /// table more per level at each end of the stub), always fits and ends the passes.
    static func place(_ input: Input, skeleton: Skeleton) throws -> Placement {
        let first = try place(input, skeleton: skeleton, entriesRoom: 0)
        var placed = first
        let levels = input.paging.mode.pagingMode?.levels ?? PagingMode.fourLevel.levels
        for _ in 0..<2 * levels where placed.entriesNeeded > placed.entriesRoom {
            placed = try place(input, skeleton: skeleton, entriesRoom: placed.entriesNeeded)
        }
        guard placed.entriesNeeded > placed.entriesRoom, let tables = first.tables else { return placed }
        let width = tables.mode.entrySize
        let nonZero = stride(from: 0, to: tables.bytes.count, by: width).filter { at in tables.bytes[at..<at + width].contains { $0 != 0 } }.count
        let bound = (nonZero + 2 * levels * tables.mode.entriesPerTable) * LoadStep.encodedSize
        return try place(input, skeleton: skeleton, entriesRoom: bound)
    }

    /// One placement with room for `entriesRoom` bytes of entries steps in the plan.
    static func place(_ input: Input, skeleton: Skeleton, entriesRoom: Int) throws -> Placement {
        let head = placeHead(input, skeleton: skeleton, entriesRoom: entriesRoom)
        let payload = placePayload(input, skeleton: skeleton, at: head.payloadOffset)
        let (runtimeBase, moved) = placeImage(input, size: payload.size)
        let bootInfo = alignUp(max(runtimeBase + UInt64(payload.size), input.kernelEnd), pageSize)
        let tablesBase = bootInfo + alignUp(UInt64(skeleton.bootInfoSize), pageSize)
        try checkStack(input, size: payload.size, moved: moved, stackTop: tablesBase + stackSize)
        var tables: PageTables?
        if input.linux {
            tables = try linuxIdentityTables(base: tablesBase)
        } else if let pagingMode = input.paging.mode.pagingMode {
            let stubRange = (runtimeBase, runtimeBase + alignUp(UInt64(input.setup32.count), pageSize))
            tables = try buildTables(mode: pagingMode, kernel: input.paging.kernelMappings, user: input.paging.userMaps,
                                     recursiveSlot: input.options.recursiveSlot, stub: stubRange, base: tablesBase)
        }
        let memory = MemoryPlacement(runtimeBase: runtimeBase, moved: moved, bootInfo: bootInfo, tablesBase: tablesBase,
                                     regionsEnd: tablesBase + alignUp(UInt64(tables?.byteCount ?? 0), pageSize))
        try checkStack(input, size: payload.size, moved: moved, stackTop: memory.stackTop)
        return Placement(head: head, payload: payload, memory: memory, tables: tables,
                         entrySteps: tables?.entrySteps() ?? [], entriesRoom: entriesRoom)
    }

    /// Offsets before the payload: the plan with its room, the templates, the EFI stub.
    static func placeHead(_ input: Input, skeleton: Skeleton, entriesRoom: Int) -> HeadPlacement {
        let planOffset = input.setup32.count
        let planSize = skeleton.plan.encodedSize + entriesRoom
        let templateOffset = alignUp(planOffset + planSize, 16)
        let handoffDataOffset = alignUp(templateOffset + skeleton.bootInfoTemplateSize, 16)
        let handoffDataEnd = handoffDataOffset + skeleton.handoffDataSize
        let efiOffset = input.efi ? alignUp(handoffDataEnd, 16) : nil
        return HeadPlacement(planOffset: planOffset, planSize: planSize, bootInfoTemplateOffset: templateOffset,
                             handoffDataOffset: handoffDataOffset, efiOffset: efiOffset,
                             payloadOffset: alignUp((efiOffset ?? handoffDataEnd) + skeleton.efiSize, 16))
    }

    /// File offsets of the segment bytes, the whole ELFs and the carried sections, from `start`.
    static func placePayload(_ input: Input, skeleton: Skeleton, at start: Int) -> PayloadPlacement {
        var cursor = start
        func take(_ count: Int) -> Int {
            defer { cursor = alignUp(cursor + count, 16) }
            return cursor
        }
        let placements = input.segments.map { s in
            if let block = input.compression.blocks[s.index] {
                return SegmentPlacement(segment: s, payloadOffset: take(block.count), block: block)
            }
            let count = Int(min(s.fileSize, s.memorySize))
            if count >= congruentMinimum { cursor = congruent(cursor, fileBase: input.fileBase, to: Int(s.offset)) }
            return SegmentPlacement(segment: s, payloadOffset: s.fileSize > 0 ? take(count) : nil)
        }
        let kernelELFOffset = input.options.embedELF ? take(input.kernel.bytes.count) : nil
        let loaderELFOffset = input.loaderSize.map { take($0) }
        let sectionCopies = (skeleton.template?.sections?.carried ?? []).map { (section: $0, payloadOffset: take(Int($0.size))) }
        return PayloadPlacement(segments: placements, kernelELFOffset: kernelELFOffset, loaderELFOffset: loaderELFOffset,
                                sectionCopies: sectionCopies, size: alignUp(cursor, input.efi ? peFileAlignment : 16))
    }

    /// Segments of at least this many bytes start at a file offset congruent to their ELF offset
    /// modulo the page size, so copy_file_range moves whole pages (a filesystem that shares
    /// extents can share them); a smaller one packs 16-byte aligned, since up to 4 KiB of padding
    /// would cost more than it saves (examples/hello's image stays within loadable bytes + 8 KiB).
    static let congruentMinimum = 256 * 1024

    /// The first offset from `cursor` on whose file offset (`fileBase` + it) is congruent to
    /// `source` modulo the page size.
    static func congruent(_ cursor: Int, fileBase: Int, to source: Int) -> Int {
        let page = Int(pageSize)
        let want = ((source - fileBase) % page + page) % page
        return cursor + ((want - cursor % page) + page) % page
    }

    /// Where the protected-mode part of `size` bytes runs: at 1 MiB, or past the kernel when the
    /// kernel overlaps it there.
    static func placeImage(_ input: Input, size: Int) -> (runtimeBase: UInt64, moved: Bool) {
        let imageEnd = loadAddress + UInt64(size)
        let overlaps = input.segments.contains { $0.physicalAddress < imageEnd && $0.physicalAddress + $0.memorySize > loadAddress }
        return (overlaps ? alignUp(max(input.kernelEnd, imageEnd), pageSize) : loadAddress, overlaps)
    }

    /// The boot stack, the highest thing the setup writes, must end below 4 GiB.
    static func checkStack(_ input: Input, size: Int, moved: Bool, stackTop: UInt64) throws {
        guard stackTop > fourGiB else { return }
        if !moved {
            throw BootImageError.stackAbove4GiB(path: input.kernel.path, kernelEnd: input.kernelEnd, stackTop: stackTop)
        }
        throw BootImageError.payloadCannotMoveClear(path: input.kernel.path, kernelStart: input.kernelStart, kernelEnd: input.kernelEnd,
                                                    imageSize: UInt64(size), needed: stackTop)
    }

    // MARK: fill

    /// The plan, the boot info, the handoff data and the EFI stub for the placed image.
    static func fill(_ input: Input, skeleton: Skeleton, placed: Placement) -> BootImageLayout {
        let payload = placed.payload, memory = placed.memory, head = placed.head, base = memory.runtimeBase
        let plan = fillPlan(input, skeleton: skeleton, placed: placed)
        var handoffData: [UInt8] = []
        if let template = skeleton.template {
            let addresses = Dictionary(uniqueKeysWithValues: payload.sectionCopies.map { ($0.section.index, base + UInt64($0.payloadOffset)) })
            handoffData = template.encode(base: plan.handoffData, sectionAddresses: addresses)
        }
        let bootInfo = fillBootInfo(input, skeleton: skeleton, placed: placed)
        let efiStub = head.efiOffset.map {
            // The stub fills the template's UEFI fields where the part runs; the plan copies them on.
            EFIStub(pmOffset: $0, pmSize: payload.size, runtimeBase: base, bootInfo: base + UInt64(head.bootInfoTemplateOffset),
                    initSize: memory.stackTop - loadAddress,
                    ranges: EFIStub.ranges(steps: plan.steps, runtimeBase: base, imageSize: UInt64(payload.size), stackTop: memory.stackTop))
                .encode(padTo: skeleton.efiSize)
        }
        var layout = BootImageLayout(
            kernelPath: input.kernel.path, elfClass: input.kernel.elfClass, entry: input.checked.entry, handoff: input.handoff,
            segments: payload.segments, setup32: input.setup32, setup32Variant: input.setup32Variant, planOffset: head.planOffset, plan: plan, planSize: head.planSize,
            bootInfoTemplateOffset: head.bootInfoTemplateOffset, bootInfoTemplateSize: skeleton.bootInfoTemplateSize, bootInfo: bootInfo,
            efiOffset: head.efiOffset, efiStub: efiStub ?? [], payloadOffset: head.payloadOffset, tables: placed.tables,
            kernelELFOffset: payload.kernelELFOffset, kernelELFSize: input.kernel.bytes.count, loaderELFOffset: payload.loaderELFOffset,
            multibootTemplate: skeleton.template, handoffDataOffset: head.handoffDataOffset, handoffData: handoffData,
            sectionCopies: payload.sectionCopies, loaderELFSize: input.loaderSize ?? 0, protectedModeSize: payload.size,
            runtimeBase: base, kernelStart: input.kernelStart, kernelEnd: input.kernelEnd, stackTop: memory.stackTop,
            firstFree: memory.stackTop)
        layout.notes = input.checked.notes + input.compression.notes(segments: input.segments)
        if input.linux {
            var params = BootParams()
            params.address = plan.bootInfo
            params.version = input.options.protocolVersion
            layout.linuxBootParams = params
        }
        layout.warnings = ramWarnings(top: memory.stackTop, kernelStart: input.kernelStart, kernelEnd: input.kernelEnd)
        return layout
    }

    /// The plan with its steps and addresses: the RAM checks, a copy and a zero per segment, the
    /// boot info and tables zeroed, the boot info template copied, the tables' entries written.
    static func fillPlan(_ input: Input, skeleton: Skeleton, placed: Placement) -> LoadPlan {
        let memory = placed.memory, base = memory.runtimeBase, size = placed.payload.size
        let regions = (memory.bootInfo, memory.regionsEnd - memory.bootInfo)
        var plan = skeleton.plan
        plan.steps = ramChecks(segments: input.segments, image: (base, UInt64(size)), stackTop: memory.stackTop, regions: regions)
        for p in placed.payload.segments {
            let s = p.segment
            let copied = min(s.fileSize, s.memorySize)
            if let offset = p.payloadOffset, let block = p.block {
                plan.steps.append(.decompress(destination: s.physicalAddress, sourceOffset: UInt64(offset),
                                              packedSize: UInt64(block.count), size: copied, checksum: LZ4Block.checksum(block)))
            } else if let offset = p.payloadOffset {
                plan.steps.append(.copy(destination: s.physicalAddress, sourceOffset: UInt64(offset), size: copied))
            }
            if s.memorySize > copied {
                plan.steps.append(.zero(destination: s.physicalAddress + copied, size: s.memorySize - copied))
            }
        }
        plan.steps.append(.zero(destination: regions.0, size: regions.1))
        plan.steps += bootInfoCopies(input, skeleton: skeleton, placed: placed)
        plan.steps += placed.entrySteps
        plan.moveDestination = memory.moved ? base : nil
        plan.imageSize = UInt64(size)
        plan.noExecute = input.linux ? false : input.paging.mode.pagingMode?.hasNoExecute ?? false
        // Only kimage's own handoff enables SSE; the others keep their specifications' state.
        plan.sse = input.options.sse && input.handoff.handoff == .kimage
        plan.cr3 = placed.tables?.cr3 ?? 0
        plan.bootInfo = memory.bootInfo
        if skeleton.template != nil { plan.handoffData = base + UInt64(placed.head.handoffDataOffset) }
        plan.stackTop = memory.stackTop
        return plan
    }

    /// The template's copies into the zeroed boot info: boot_params' head, or the boot info's
    /// header and its UEFI extension (after the command line buffer).
    static func bootInfoCopies(_ input: Input, skeleton: Skeleton, placed: Placement) -> [LoadStep] {
        let at = UInt64(placed.head.bootInfoTemplateOffset), bootInfo = placed.memory.bootInfo
        if input.linux { return [.copy(destination: bootInfo, sourceOffset: at, size: UInt64(skeleton.bootInfoTemplateSize))] }
        let header = UInt64(BootInfo.e820EntriesOffset)
        let copies: [LoadStep] = [.copy(destination: bootInfo, sourceOffset: at, size: header),
                                  .copy(destination: bootInfo + UInt64(skeleton.bootInfo.extensionOffset), sourceOffset: at + header,
                                        size: UInt64(UEFIExtension.size))]
        // Without the EFI stub nothing fills the extension: the zero step leaves it as it should be.
        return Array(copies.prefix(bootInfoCopyCount(input)))
    }

    /// How many copies `bootInfoCopies` makes: known before any address, for the plan's size.
    static func bootInfoCopyCount(_ input: Input) -> Int { input.linux || !input.efi ? 1 : 2 }

    /// The boot info's pack-time part: where everything is; the setup adds what the loader gave.
    static func fillBootInfo(_ input: Input, skeleton: Skeleton, placed: Placement) -> BootInfo {
        let base = placed.memory.runtimeBase
        var bootInfo = skeleton.bootInfo
        bootInfo.address = placed.memory.bootInfo
        bootInfo.pagingMode = input.paging.mode
        bootInfo.image = base
        bootInfo.imageSize = UInt64(placed.payload.size)
        bootInfo.kernelStart = input.kernelStart
        bootInfo.kernelEnd = input.kernelEnd
        if let o = placed.payload.kernelELFOffset {
            bootInfo.kernelELF = base + UInt64(o)
            bootInfo.kernelELFSize = UInt64(input.kernel.bytes.count)
        }
        if let o = placed.payload.loaderELFOffset, let loaderSize = input.loaderSize {
            bootInfo.loaderELF = base + UInt64(o)
            bootInfo.loaderELFSize = UInt64(loaderSize)
        }
        if let tables = placed.tables {
            bootInfo.pageTables = tables.base
            bootInfo.pageTablesSize = UInt64(tables.byteCount)
            bootInfo.cr3 = tables.cr3
        }
        bootInfo.firstFree = placed.memory.stackTop
        bootInfo.entry = input.checked.entry
        bootInfo.stackTop = placed.memory.stackTop
        return bootInfo
    }

    /// The Linux handoff's demands on the kernel: ELF64 x86-64 entered at a physical e_entry
    /// inside an executable segment (phys_startup_64), and none of the options that shape
    /// kimage's own tables, which this handoff does not use.
    static func checkLinuxHandoff(kernel: ELFHeaders, executable: [ELFSegment], options: PackOptions) throws {
        let path = kernel.path
        guard kernel.elfClass == .elf64, kernel.machine == .x86_64 else {
            throw BootImageError.linuxHandoffNeedsVmlinux(path: path, detail: "it is \(kernel.elfClass.rawValue) for \(kernel.machine.rawValue), not ELF64 x86-64")
        }
        guard executable.contains(where: { kernel.entry >= $0.physicalAddress && kernel.entry - $0.physicalAddress < $0.memorySize }) else {
            throw BootImageError.linuxHandoffNeedsVmlinux(path: path, detail: "its entry point \(hex(kernel.entry)) lies in no executable segment's physical range (a vmlinux's e_entry is phys_startup_64)")
        }
        let ignored = [("--five-level", options.fiveLevel), ("--pae", options.pae), ("--map", !options.maps.isEmpty),
                       ("--recursive", options.recursiveSlot != nil)].filter(\.1).map(\.0)
        let unfindable = [("--loader", options.loaderPath != nil), ("--embed-elf", options.embedELF)].filter(\.1).map(\.0)
        if !unfindable.isEmpty {
            throw BootImageError.linuxHandoffHasNoBootInfo(path: path, options: unfindable)
        }
        if !ignored.isEmpty {
            throw BootImageError.optionsNeedPaging(path: path, reason: "the linux handoff enters on an identity map of the first 4 GiB, as Linux's 64-bit boot protocol asks, and the kernel builds its own tables", options: ignored)
        }
    }

    /// The Linux handoff's tables: the first 4 GiB identity-mapped, writable and executable, with
    /// 2 MiB pages. That covers the kernel (min p_paddr .. max p_paddr + p_memsz), boot_params, the
    /// command line, the initrd and this stub; startup_64 builds its own tables at once (head64.c).
    static func linuxIdentityTables(base: UInt64) throws -> PageTables {
        var builder = try PageTableBuilder(mode: .fourLevel, maxPageSize: PageSize.size2M, recursiveSlot: nil)
        try builder.add(Mapping(virtualStart: 0, physicalStart: 0, size: fourGiB, flags: MappingFlags(writable: true, executable: true)))
        return try builder.build(base: base)
    }

    /// What the setup checks against the E820 map before its first copy: every segment, the
    /// protected-mode part where it runs, the boot stack, the boot info and tables below it.
    /// Labels are fixed so the plan's size is known before the addresses are.
    static func ramChecks(segments: [ELFSegment], image: (base: UInt64, size: UInt64), stackTop: UInt64,
                          regions: (base: UInt64, size: UInt64)) -> [LoadStep] {
        segments.map { .needRAM(destination: $0.physicalAddress, size: $0.memorySize, part: "segment \($0.index)") }
            + [.needRAM(destination: image.base, size: image.size, part: "the protected-mode part (setup, plan, payload)"),
               .needRAM(destination: stackTop &- stackSize, size: stackSize, part: "the boot stack"),
               .needRAM(destination: regions.base, size: regions.size, part: "the boot info and page tables")]
    }

    /// RAM a typical machine (QEMU's default -m 128, up to -m 512) has: QEMU's E820 ends usable
    /// RAM 128 KiB below the -m size (ACPI tables at the top, measured with -m 128).
    package static let typicalRAM: UInt64 = 128 << 20
    static let firmwareReserve: UInt64 = 128 << 10

    /// A warning when the image needs RAM up to `top` beyond what -m 128 gives.
    static func ramWarnings(top: UInt64, kernelStart: UInt64, kernelEnd: UInt64) -> [String] {
        guard top + firmwareReserve > typicalRAM else { return [] }
        let neededMiB = (top + firmwareReserve + (1 << 20) - 1) >> 20
        let typical = neededMiB > 512 ? "a typical machine (-m 128 .. -m 512)" : "a machine with -m 128 (QEMU's default)"
        return ["the image needs RAM up to \(hex(top)) (kernel \(hex(kernelStart))..\(hex(kernelEnd)), then the boot stack); \(typical) has none there and the setup will halt with a message: boot with -m \(neededMiB)M or more, or link the kernel lower (AT() in the linker script)"]
    }

    /// A PT_LOAD starting below 1 MiB whose bytes there are only the ELF and program headers
    /// (and notes), as `go build -ldflags "-T 0x100000"` makes it (first PT_LOAD at 0xff000,
    /// .text at 0x100000): the same segment from 1 MiB on. nil when the segment starts at 1 MiB
    /// or above; throws when code or data lies below 1 MiB.
    static func headerPageTrimmed(_ s: ELFSegment, kernel: ELFHeaders) throws -> (segment: ELFSegment, notes: String)? {
        guard s.physicalAddress < loadAddress else { return nil }
        let end = s.physicalAddress &+ s.memorySize
        let below = loadAddress - s.physicalAddress
        func refuse(_ held: [String]) -> BootImageError {
            .segmentBelow1MiB(path: kernel.path, segment: s.index, start: s.physicalAddress, end: end,
                              holdsHeaders: s.offset == 0 && s.fileSize > 0, sectionsBelow: held)
        }
        // Only a segment that starts with the file (the headers) and goes on past 1 MiB qualifies.
        guard s.offset == 0, end > loadAddress, s.fileSize >= below, kernel.sections.count > 1 else { throw refuse([]) }
        let headersEnd = kernel.headersEnd
        guard headersEnd <= below else { throw refuse([]) }
        let low = kernel.sections.filter {
            $0.isAlloc && $0.size > 0 && $0.address < s.virtualAddress &+ below && $0.address &+ $0.size > s.virtualAddress
        }
        let held = low.filter { $0.type != ELFSection.typeNote }
        guard held.isEmpty else { throw refuse(held.map(\.shownName)) }
        let trimmed = ELFSegment(index: s.index, type: s.type, flags: s.flags, offset: s.offset + below,
                                 virtualAddress: s.virtualAddress + below, physicalAddress: loadAddress,
                                 fileSize: s.fileSize - below, memorySize: s.memorySize - below, alignment: s.alignment)
        let noteNames = low.map(\.shownName)
        return (trimmed, noteNames.isEmpty ? "" : " and notes (\(noteNames.joined(separator: ", ")))")
    }

    /// The protected-mode part's first bytes, up to the payload: stub, plan (with its room),
    /// boot info template, handoff data, EFI stub (and their padding).
    package func protectedModeHead() -> [UInt8] {
        var b = setup32
        b += plan.encode(at: planOffset)
        b += [UInt8](repeating: 0, count: bootInfoTemplateOffset - b.count)
        b += (linuxBootParams?.encode() ?? bootInfo.encode()).prefix(bootInfoTemplateSize)
        b += [UInt8](repeating: 0, count: handoffDataOffset - b.count)
        b += handoffData
        if let efiOffset {
            b += [UInt8](repeating: 0, count: efiOffset - b.count)
            b += efiStub
        }
        b += [UInt8](repeating: 0, count: payloadOffset - b.count)
        return b
    }

    static func checkDisjoint(_ segments: [ELFSegment], path: String, space: String, start: KeyPath<ELFSegment, UInt64>) throws {
        let sorted = segments.sorted { $0[keyPath: start] < $1[keyPath: start] }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a[keyPath: start] &+ a.memorySize > b[keyPath: start] {
            throw BootImageError.segmentsOverlap(
                path: path, space: space, first: a.index, firstStart: a[keyPath: start], firstEnd: a[keyPath: start] &+ a.memorySize,
                second: b.index, secondStart: b[keyPath: start], secondEnd: b[keyPath: start] &+ b.memorySize)
        }
    }

    /// Long mode: every segment's vaddr range canonical, within one half (the builder would refuse
    /// its mapping too, but only the segment names what to relink, and whether --five-level helps).
    static func checkCanonical(_ segments: [ELFSegment], path: String, mode: PagingMode) throws {
        for s in segments {
            let last = s.virtualAddress &+ (s.memorySize - 1)
            guard !mode.isCanonical(first: s.virtualAddress, last: last) else { continue }
            throw BootImageError.segmentNotCanonical(
                path: path, segment: s.index, start: s.virtualAddress, end: s.virtualAddress &+ s.memorySize, mode: mode,
                canonicalWithFiveLevel: mode == .fourLevel && PagingMode.fiveLevel.isCanonical(first: s.virtualAddress, last: last))
        }
    }


    /// The kernel's segments, the user's --map, and an identity map of the first 4 GiB around
    /// them: everything the stub and the kernel's early code touch (boot_params, command line,
    /// boot info, initrd, the image). The identity map is writable and not executable, except
    /// the stub's own pages, which are read-only and executable (paging turns on there).
    static func buildTables(mode: PagingMode, kernel: [Mapping], user: [Mapping], recursiveSlot: Int?,
                            stub: (UInt64, UInt64), base: UInt64) throws -> PageTables {
        var builder = try PageTableBuilder(mode: mode, maxPageSize: mode.defaultMaxPageSize, recursiveSlot: recursiveSlot)
        try builder.add(kernel)
        try builder.add(user)
        var taken: [(UInt64, UInt64)] = (kernel + user).map { ($0.virtualStart, $0.virtualEnd) }
        if let window = builder.recursiveWindow { taken.append((window.start, window.last &+ 1)) }
        taken.sort { $0.0 < $1.0 }
        let data = MappingFlags(writable: true, executable: false)
        let code = MappingFlags(writable: false, executable: true)
        var free: [(UInt64, UInt64)] = []
        var cursor: UInt64 = 0
        let limit = fourGiB
        for (s, e) in taken where cursor < limit {
            if s > cursor { free.append((cursor, min(s, limit))) }
            cursor = max(cursor, e == 0 ? limit : e)
        }
        if cursor < limit { free.append((cursor, limit)) }
        var identity: [Mapping] = []
        for (s, e) in free {
            // Split around the stub's pages.
            let pieces: [(UInt64, UInt64, MappingFlags)] = [
                (s, min(e, stub.0), data),
                (max(s, stub.0), min(e, stub.1), code),
                (max(s, stub.1), e, data),
            ]
            for (ps, pe, flags) in pieces where pe > ps {
                identity.append(Mapping(virtualStart: ps, physicalStart: ps, size: pe - ps, flags: flags))
            }
        }
        // One batch: a kernel of 200,000 segments leaves as many gaps (issue 12).
        try builder.add(identity)
        return try builder.build(base: base)
    }
}
