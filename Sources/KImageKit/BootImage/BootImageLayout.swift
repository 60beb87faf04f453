/// Where every part of a boot image goes, in the file and in physical memory, decided at pack
/// time from the kernel ELF: the load plan, the boot info template and the page tables.
///
/// Protected-mode part (loaded at 0x100000, moved to `runtimeBase` when the kernel overlaps it):
/// setup32 stub | load plan | boot info | EFI stub (unless --no-efi) | page tables (4 KiB-aligned) |
/// segment bytes | whole kernel ELF (--embed-elf) | loader ELF. Above everything: a 16 KiB boot
/// stack. With the EFI stub the part is padded to 512 bytes, the PE FileAlignment.
public struct BootImageLayout: Sendable {
    public static let loadAddress: UInt64 = 0x10_0000
    public static let stackSize: UInt64 = 16 * 1024
    public static let pageSize: UInt64 = 4096

    public struct SegmentPlacement: Sendable, Equatable {
        public let segment: ELFSegment
        /// Offset of its file bytes in the protected-mode part (nil when it has none).
        public let payloadOffset: Int?
    }

    public let kernelPath: String
    public let elfClass: ELFClass
    public let entry: UInt64
    public let handoff: HandoffChoice
    public let segments: [SegmentPlacement]
    public let setup32: [UInt8]
    public let planOffset: Int
    public let plan: LoadPlan
    public let bootInfoOffset: Int
    public let bootInfo: BootInfo
    /// Offset of the EFI stub in the protected-mode part; nil for --no-efi.
    public let efiOffset: Int?
    public let efiStub: [UInt8]
    public let tablesOffset: Int
    public let tables: PageTables?
    /// Bytes reserved for the tables (at least tables.byteCount).
    public let tablesReserved: Int
    public let kernelELFOffset: Int?
    public let kernelELFSize: Int
    public let loaderELFOffset: Int?
    /// The multiboot information's pack-time part, and where it sits (multiboot handoffs only).
    let multibootTemplate: MultibootInfoTemplate?
    public let handoffDataOffset: Int
    public let handoffData: [UInt8]
    /// Sections carried for the multiboot ELF-sections information, and where their bytes sit.
    public let sectionCopies: [(section: ELFSection, payloadOffset: Int)]
    public let loaderELFSize: Int
    /// Bytes of the protected-mode part (a multiple of 16).
    public let protectedModeSize: Int
    /// Where the protected-mode part runs (0x100000, or where it moves).
    public let runtimeBase: UInt64
    public let kernelStart: UInt64
    public let kernelEnd: UInt64
    public let stackTop: UInt64
    public let firstFree: UInt64
    /// What kimage decided on the kernel's behalf (e.g. a header page loaded from 1 MiB on).
    public var notes: [String] = []
    /// What may keep the image from booting on a typical machine (RAM it may not have).
    public var warnings: [String] = []
    /// The Linux handoff's boot_params template, written where the boot info would be.
    public var linuxBootParams: BootParams?

    public var moved: Bool { runtimeBase != Self.loadAddress }
    /// Bytes from 0x100000 the stub touches: the header's init_size.
    public var initSize: UInt64 { firstFree - Self.loadAddress }

    /// Checks the kernel, places everything, builds the tables.
    public static func make(kernel: ELFHeaders, loaderSize: Int?, options: PackOptions, setup32: [UInt8],
                            handoff: HandoffChoice = HandoffChoice(handoff: .kimage, reason: "--handoff kimage"),
                            head: [UInt8] = [], efi: Bool = false) throws -> BootImageLayout {
        let path = kernel.path
        let multiboot = try MultibootLoading(handoff: handoff.handoff, kernel: kernel, head: head)
        var notes: [String] = []
        var segments: [ELFSegment] = []
        for s in multiboot == nil ? kernel.loadSegments.filter({ $0.memorySize > 0 }) : [] {
            if let trimmed = try headerPageTrimmed(s, kernel: kernel) {
                notes.append("segment \(s.index): its \(hex(loadAddress - s.physicalAddress)) bytes below 1 MiB (\(hex(s.physicalAddress))..0x100000) hold only the ELF and program headers\(trimmed.notes), as the Go linker's header page does: loaded from 0x100000 on")
                segments.append(trimmed.segment)
            } else {
                segments.append(s)
            }
        }
        if let multiboot { segments = multiboot.segments }
        guard !segments.isEmpty else { throw KImageError.bootImage(.noLoadSegments(path: path)) }
        switch (kernel.elfClass, kernel.machine) {
        case (.elf32, .i386), (.elf64, .x86_64): break
        default:
            throw KImageError.bootImage(.machineMismatch(path: path, detail: "is \(kernel.elfClass.rawValue) for \(kernel.machine.rawValue); expected ELF32 for i386 or ELF64 for x86-64: link with -m elf_i386 or -m elf_x86_64"))
        }
        for s in segments {
            for (field, start) in [("p_vaddr", s.virtualAddress), ("p_paddr", s.physicalAddress)] {
                let (end, wrapped) = start.addingReportingOverflow(s.memorySize)
                if wrapped || end > 0xFFFF_FFFF_FFFF_F000 {
                    throw KImageError.bootImage(.segmentAtTopOfAddressSpace(path: path, segment: s.index, field: field, start: start, size: s.memorySize))
                }
            }
            let end = s.physicalAddress &+ s.memorySize
            if s.physicalAddress < loadAddress {
                throw KImageError.bootImage(.segmentBelow1MiB(path: path, segment: s.index, start: s.physicalAddress, end: end,
                                                               holdsHeaders: s.offset == 0 && s.fileSize > 0))
            }
            if end > 1 << 32 || end < s.physicalAddress {
                throw KImageError.bootImage(.segmentAbove4GiB(path: path, segment: s.index, start: s.physicalAddress, end: end))
            }
        }
        try checkDisjoint(segments, path: path, space: "physical", start: \.physicalAddress)
        try checkDisjoint(segments, path: path, space: "virtual", start: \.virtualAddress)
        let executable = segments.filter(\.isExecutable)
        // The kimage handoff enters at a virtual e_entry with the tables on; an e_entry in the
        // physical range of an executable segment linked elsewhere is entered there, paging off,
        // as QEMU's multiboot loader does (hw/i386/multiboot.c loads by p_paddr).
        var entry = kernel.entry
        var pagingOffReason: String?
        let linux = handoff.handoff == .linux
        if let multiboot {
            entry = multiboot.entry
            pagingOffReason = "the \(handoff.handoff.rawValue) handoff enters with paging off"
            let unfindable = [("--loader", options.loaderPath != nil), ("--embed-elf", options.embedELF)].filter(\.1).map(\.0)
            if !unfindable.isEmpty {
                throw KImageError.bootImage(.multibootHasNoBootInfo(path: path, handoff: handoff.handoff, options: unfindable))
            }
        } else if linux {
            try checkLinuxHandoff(kernel: kernel, executable: executable, options: options)
        } else if !executable.contains(where: { kernel.entry >= $0.virtualAddress && kernel.entry - $0.virtualAddress < $0.memorySize }) {
            guard executable.contains(where: { $0.virtualAddress != $0.physicalAddress && kernel.entry >= $0.physicalAddress
                                               && kernel.entry - $0.physicalAddress < $0.memorySize }) else {
                throw KImageError.bootImage(.entryNotExecutable(path: path, entry: kernel.entry, executable: executable.map {
                    "segment \($0.index) \(hex($0.virtualAddress))..\(hex($0.virtualAddress &+ $0.memorySize))"
                }))
            }
            pagingOffReason = "the entry point \(hex(kernel.entry)) is physical, so the kernel is entered with paging off"
        }

        // Paging mode: ELF64 always long mode; ELF32 only when it needs tables.
        let userMaps = try options.maps.map { try MappingSpec.parse($0, as: .map) }
        if options.pae && options.fiveLevel { throw KImageError.bootImage(.fiveLevelWithPAE) }
        let mode: BootPagingMode
        if linux {
            mode = .fourLevel
        } else if let pagingOffReason {
            let ignored = [("--five-level", options.fiveLevel), ("--pae", options.pae), ("--map", !options.maps.isEmpty),
                           ("--recursive", options.recursiveSlot != nil)].filter(\.1).map(\.0)
            if !ignored.isEmpty {
                throw KImageError.bootImage(.optionsNeedPaging(path: path, reason: pagingOffReason, options: ignored))
            }
            mode = .none
        } else {
        switch kernel.elfClass {
        case .elf64:
            if options.pae { throw KImageError.bootImage(.paeNeedsELF32(path: path)) }
            mode = options.fiveLevel ? .fiveLevel : .fourLevel
        case .elf32:
            if options.fiveLevel { throw KImageError.bootImage(.fiveLevelNeedsELF64(path: path)) }
            let identity = segments.allSatisfy { $0.virtualAddress == $0.physicalAddress }
            if options.pae { mode = .pae }
            else if identity && userMaps.isEmpty && options.recursiveSlot == nil { mode = .none }
            else { mode = .bits32 }
        }
        }
        if let pagingMode = mode.pagingMode, pagingMode.virtualBits > 32 {
            try checkCanonical(segments, path: path, mode: pagingMode)
        }
        // The Linux handoff maps no segment at its vaddr: startup_64 runs identity-mapped.
        let kernelMappings = linux ? [] : try Mapping.fromLoadSegments(segments, path: path)

        var plan = LoadPlan()
        plan.pagingMode = mode
        plan.entry = entry
        plan.handoff = handoff.handoff
        plan.defaultCommandLine = Array(options.commandLine.utf8)
        var bootInfo = BootInfo()
        if plan.defaultCommandLine.count > Int(bootInfo.cmdlineCapacity) - 1 {
            throw KImageError.bootImage(.commandLineTooLong(length: plan.defaultCommandLine.count, maximum: Int(bootInfo.cmdlineCapacity) - 1))
        }
        // Steps are known before addresses are: their count fixes the plan's size.
        let stepCount = segments.reduce(0) { $0 + ($1.fileSize > 0 ? 1 : 0) + ($1.memorySize > $1.fileSize ? 1 : 0) }
        plan.steps = ramChecks(segments: segments, image: (0, 0), stackTop: 0)
            + Array(repeating: .zero(destination: 0, size: 0), count: stepCount)

        let planOffset = setup32.count
        // The boot info gets pages of its own: the stub's pages are mapped read-only and executable.
        let bootInfoOffset = alignUp(planOffset + plan.encodedSize, Int(pageSize))
        let template = multiboot.map {
            MultibootInfoTemplate(handoff: handoff.handoff, framebuffer: $0.wantsFramebuffer, sections: $0.sections,
                                  cmdlineCapacity: Int(bootInfo.cmdlineCapacity), loadBase: $0.loadBase)
        }
        if let multiboot {
            notes.append("entered at \(hex(multiboot.entry)): \(multiboot.entryReason)")
            if let r = multiboot.relocation { notes.append("relocatable kernel " + r) }
        }
        let handoffDataOffset = alignUp(bootInfoOffset + (linux ? BootParams.regionSize : bootInfo.size), 16)
        let handoffDataSize = template?.encode(base: 0, sectionAddresses: [:]).count ?? 0
        // The EFI stub, with room for one range per step plus the image's own.
        let efiSize = efi ? alignUp(EFIStub.size(rangeCount: stepCount + 1), 16) : 0
        let efiOffset = efi ? alignUp(handoffDataOffset + handoffDataSize, 16) : nil
        let tablesOffset = alignUp((efiOffset ?? handoffDataOffset + handoffDataSize) + efiSize, Int(pageSize))
        let kernelStart = segments.map(\.physicalAddress).min()!
        let kernelEnd = segments.map { $0.physicalAddress + $0.memorySize }.max()!
        let kernelELFSize = kernel.bytes.count

        var reserved = 0
        for _ in 0..<16 {
            // File offsets of everything after the tables.
            var cursor = tablesOffset + reserved
            var placements: [SegmentPlacement] = []
            for s in segments {
                if s.fileSize > 0 {
                    placements.append(SegmentPlacement(segment: s, payloadOffset: cursor))
                    cursor = alignUp(cursor + Int(min(s.fileSize, s.memorySize)), 16)
                } else {
                    placements.append(SegmentPlacement(segment: s, payloadOffset: nil))
                }
            }
            var kernelELFOffset: Int?
            if options.embedELF {
                kernelELFOffset = cursor
                cursor = alignUp(cursor + kernelELFSize, 16)
            }
            var loaderELFOffset: Int?
            if let loaderSize {
                loaderELFOffset = cursor
                cursor = alignUp(cursor + loaderSize, 16)
            }
            var sectionCopies: [(section: ELFSection, payloadOffset: Int)] = []
            for section in template?.sections?.carried ?? [] {
                sectionCopies.append((section, cursor))
                cursor = alignUp(cursor + Int(section.size), 16)
            }
            let pmSize = alignUp(cursor, efi ? 512 : 16)
            let imageEnd = loadAddress + UInt64(pmSize)
            let overlaps = segments.contains { $0.physicalAddress < imageEnd && $0.physicalAddress + $0.memorySize > loadAddress }
            let runtimeBase = overlaps ? alignUp(max(kernelEnd, imageEnd), pageSize) : loadAddress
            let stackBottom = alignUp(max(runtimeBase + UInt64(pmSize), kernelEnd), pageSize)
            let stackTop = stackBottom + stackSize
            if stackTop > 1 << 32 && !overlaps {
                throw KImageError.bootImage(.stackAbove4GiB(path: path, kernelEnd: kernelEnd, stackTop: stackTop))
            }
            if stackTop > 1 << 32 {
                throw KImageError.bootImage(.payloadCannotMoveClear(path: path, kernelStart: kernelStart, kernelEnd: kernelEnd,
                                                                    imageSize: UInt64(pmSize), needed: stackTop))
            }

            var tables: PageTables?
            if linux {
                tables = try linuxIdentityTables(base: runtimeBase + UInt64(tablesOffset))
            } else if let pagingMode = mode.pagingMode {
                let stubRange = (runtimeBase, runtimeBase + alignUp(UInt64(setup32.count), pageSize))
                tables = try buildTables(mode: pagingMode, kernel: kernelMappings, user: userMaps,
                                         recursiveSlot: options.recursiveSlot, stub: stubRange,
                                         base: runtimeBase + UInt64(tablesOffset))
            }
            let needed = alignUp(tables?.byteCount ?? 0, Int(pageSize))
            if needed > reserved {
                reserved = needed
                continue
            }

            plan.steps = ramChecks(segments: segments, image: (runtimeBase, UInt64(pmSize)), stackTop: stackTop)
            for p in placements {
                let s = p.segment
                let copied = min(s.fileSize, s.memorySize)
                if let offset = p.payloadOffset {
                    plan.steps.append(.copy(destination: s.physicalAddress, sourceOffset: UInt64(offset), size: copied))
                }
                if s.memorySize > copied {
                    plan.steps.append(.zero(destination: s.physicalAddress + copied, size: s.memorySize - copied))
                }
            }
            plan.moveDestination = overlaps ? runtimeBase : nil
            plan.imageSize = UInt64(pmSize)
            plan.noExecute = linux ? false : mode.pagingMode?.hasNoExecute ?? false
            // Only kimage's own handoff enables SSE; the others keep their specifications' state.
            plan.sse = options.sse && handoff.handoff == .kimage
            plan.cr3 = tables?.cr3 ?? 0
            plan.bootInfo = runtimeBase + UInt64(bootInfoOffset)
            var handoffData: [UInt8] = []
            if let template {
                plan.handoffData = runtimeBase + UInt64(handoffDataOffset)
                let addresses = Dictionary(uniqueKeysWithValues: sectionCopies.map { ($0.section.index, runtimeBase + UInt64($0.payloadOffset)) })
                handoffData = template.encode(base: plan.handoffData, sectionAddresses: addresses)
            }
            plan.stackTop = stackTop

            bootInfo.address = plan.bootInfo
            bootInfo.pagingMode = mode
            bootInfo.image = runtimeBase
            bootInfo.imageSize = UInt64(pmSize)
            bootInfo.kernelStart = kernelStart
            bootInfo.kernelEnd = kernelEnd
            if let o = kernelELFOffset {
                bootInfo.kernelELF = runtimeBase + UInt64(o)
                bootInfo.kernelELFSize = UInt64(kernelELFSize)
            }
            if let o = loaderELFOffset, let loaderSize {
                bootInfo.loaderELF = runtimeBase + UInt64(o)
                bootInfo.loaderELFSize = UInt64(loaderSize)
            }
            if let tables {
                bootInfo.pageTables = tables.base
                bootInfo.pageTablesSize = UInt64(tables.byteCount)
                bootInfo.cr3 = tables.cr3
            }
            bootInfo.firstFree = stackTop
            bootInfo.entry = entry
            bootInfo.stackTop = stackTop
            let efiStub = efiOffset.map {
                EFIStub(pmOffset: $0, pmSize: pmSize,
                        runtimeBase: runtimeBase, bootInfo: plan.bootInfo, initSize: stackTop - loadAddress,
                        ranges: EFIStub.ranges(steps: plan.steps, runtimeBase: runtimeBase, imageSize: UInt64(pmSize),
                                               stackTop: stackTop))
                    .encode(padTo: efiSize)
            }

            var layout = BootImageLayout(
                kernelPath: path, elfClass: kernel.elfClass, entry: entry, handoff: handoff, segments: placements,
                setup32: setup32, planOffset: planOffset, plan: plan, bootInfoOffset: bootInfoOffset,
                bootInfo: bootInfo, efiOffset: efiOffset, efiStub: efiStub ?? [],
                tablesOffset: tablesOffset, tables: tables, tablesReserved: reserved,
                kernelELFOffset: kernelELFOffset, kernelELFSize: kernelELFSize,
                loaderELFOffset: loaderELFOffset,
                multibootTemplate: template, handoffDataOffset: handoffDataOffset, handoffData: handoffData, sectionCopies: sectionCopies,
                loaderELFSize: loaderSize ?? 0,
                protectedModeSize: pmSize, runtimeBase: runtimeBase, kernelStart: kernelStart,
                kernelEnd: kernelEnd, stackTop: stackTop, firstFree: stackTop)
            layout.notes = notes
            if linux {
                var params = BootParams()
                params.address = plan.bootInfo
                params.version = options.protocolVersion
                layout.linuxBootParams = params
            }
            layout.warnings = ramWarnings(top: stackTop, kernelStart: kernelStart, kernelEnd: kernelEnd)
            return layout
        }
        fatalError("page table size did not settle")  // it only grows, and is bounded by the mappings
    }

    /// The Linux handoff's demands on the kernel: ELF64 x86-64 entered at a physical e_entry
    /// inside an executable segment (phys_startup_64), and none of the options that shape
    /// kimage's own tables, which this handoff does not use.
    static func checkLinuxHandoff(kernel: ELFHeaders, executable: [ELFSegment], options: PackOptions) throws {
        let path = kernel.path
        guard kernel.elfClass == .elf64, kernel.machine == .x86_64 else {
            throw KImageError.bootImage(.linuxHandoffNeedsVmlinux(path: path, detail: "it is \(kernel.elfClass.rawValue) for \(kernel.machine.rawValue), not ELF64 x86-64"))
        }
        guard executable.contains(where: { kernel.entry >= $0.physicalAddress && kernel.entry - $0.physicalAddress < $0.memorySize }) else {
            throw KImageError.bootImage(.linuxHandoffNeedsVmlinux(path: path, detail: "its entry point \(hex(kernel.entry)) lies in no executable segment's physical range (a vmlinux's e_entry is phys_startup_64)"))
        }
        let ignored = [("--five-level", options.fiveLevel), ("--pae", options.pae), ("--map", !options.maps.isEmpty),
                       ("--recursive", options.recursiveSlot != nil)].filter(\.1).map(\.0)
        let unfindable = [("--loader", options.loaderPath != nil), ("--embed-elf", options.embedELF)].filter(\.1).map(\.0)
        if !unfindable.isEmpty {
            throw KImageError.bootImage(.linuxHandoffHasNoBootInfo(path: path, options: unfindable))
        }
        if !ignored.isEmpty {
            throw KImageError.bootImage(.optionsNeedPaging(path: path, reason: "the linux handoff enters on an identity map of the first 4 GiB, as Linux's 64-bit boot protocol asks, and the kernel builds its own tables", options: ignored))
        }
    }

    /// The Linux handoff's tables: the first 4 GiB identity-mapped, writable and executable, with
    /// 2 MiB pages. That covers the kernel (min p_paddr .. max p_paddr + p_memsz), boot_params, the
    /// command line, the initrd and this stub; startup_64 builds its own tables at once (head64.c).
    static func linuxIdentityTables(base: UInt64) throws -> PageTables {
        var builder = try PageTableBuilder(mode: .fourLevel, maxPageSize: PageSize.size2M, recursiveSlot: nil)
        try builder.add(Mapping(virtualStart: 0, physicalStart: 0, size: 1 << 32, flags: MappingFlags(writable: true, executable: true)))
        return try builder.build(base: base)
    }

    /// What the setup checks against the E820 map before its first copy: every segment, the
    /// protected-mode part where it runs, the boot stack. Labels are fixed so the plan's size is
    /// known before the addresses are.
    static func ramChecks(segments: [ELFSegment], image: (base: UInt64, size: UInt64), stackTop: UInt64) -> [LoadStep] {
        segments.map { .needRAM(destination: $0.physicalAddress, size: $0.memorySize, part: "segment \($0.index)") }
            + [.needRAM(destination: image.base, size: image.size, part: "the protected-mode part (setup, plan, tables)"),
               .needRAM(destination: stackTop &- stackSize, size: stackSize, part: "the boot stack")]
    }

    /// RAM a typical machine (QEMU's default -m 128, up to -m 512) has: QEMU's E820 ends usable
    /// RAM 128 KiB below the -m size (ACPI tables at the top, measured with -m 128).
    public static let typicalRAM: UInt64 = 128 << 20
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
        func refuse(_ held: [String]) -> KImageError {
            .bootImage(.segmentBelow1MiB(path: kernel.path, segment: s.index, start: s.physicalAddress, end: end,
                                         holdsHeaders: s.offset == 0 && s.fileSize > 0, sectionsBelow: held))
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

    /// The protected-mode part's first bytes: stub, plan, boot info, tables (and their padding).
    public func protectedModeHead() -> [UInt8] {
        var b = setup32
        b += plan.encode(at: planOffset)
        b += [UInt8](repeating: 0, count: bootInfoOffset - b.count)
        b += linuxBootParams?.encode() ?? bootInfo.encode()
        b += [UInt8](repeating: 0, count: handoffDataOffset - b.count)
        b += handoffData
        if let efiOffset {
            b += [UInt8](repeating: 0, count: efiOffset - b.count)
            b += efiStub
        }
        b += [UInt8](repeating: 0, count: tablesOffset - b.count)
        if let tables { b += tables.bytes }
        b += [UInt8](repeating: 0, count: tablesOffset + tablesReserved - b.count)
        return b
    }

    static func checkDisjoint(_ segments: [ELFSegment], path: String, space: String, start: KeyPath<ELFSegment, UInt64>) throws {
        let sorted = segments.sorted { $0[keyPath: start] < $1[keyPath: start] }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a[keyPath: start] &+ a.memorySize > b[keyPath: start] {
            throw KImageError.bootImage(.segmentsOverlap(
                path: path, space: space, first: a.index, firstStart: a[keyPath: start], firstEnd: a[keyPath: start] &+ a.memorySize,
                second: b.index, secondStart: b[keyPath: start], secondEnd: b[keyPath: start] &+ b.memorySize))
        }
    }

    /// Long mode: every segment's vaddr range canonical, within one half (the builder would refuse
    /// its mapping too, but only the segment names what to relink, and whether --five-level helps).
    static func checkCanonical(_ segments: [ELFSegment], path: String, mode: PagingMode) throws {
        for s in segments {
            let last = s.virtualAddress &+ (s.memorySize - 1)
            guard !mode.isCanonical(first: s.virtualAddress, last: last) else { continue }
            throw KImageError.bootImage(.segmentNotCanonical(
                path: path, segment: s.index, start: s.virtualAddress, end: s.virtualAddress &+ s.memorySize, mode: mode,
                canonicalWithFiveLevel: mode == .fourLevel && PagingMode.fiveLevel.isCanonical(first: s.virtualAddress, last: last)))
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
        let limit: UInt64 = 1 << 32
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
