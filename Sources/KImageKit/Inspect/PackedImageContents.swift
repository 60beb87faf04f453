/// What `kimage pack` put into an image beyond the boot-protocol parts: the load plan the 32-bit
/// setup runs, the boot info template, the kernel and loader ELFs it carries and the page tables
/// it built (walked). Found by the plan's "KPLN" magic, so images from other tools show none.
package struct PackedImageContents: Sendable {
    package struct Carried: Sendable, Equatable {
        package let name: String
        package let physical: UInt64
        package let fileOffset: UInt64
        package let size: UInt64
        package let isELF: Bool
    }

    package let planOffset: UInt64
    package let plan: LoadPlan
    /// The 32-bit setup before the plan: which of kimage's variants, nil when it is none of them.
    package let setup32Variant: Setup32Variant?
    package let setup32Size: Int
    /// Where the protected-mode part runs once the plan has moved it (1 MiB when it stays).
    package let runtimeBase: UInt64
    package let carried: [Carried]
    package let tables: PageTableInspection?
    /// The boot info and its UEFI extension, field by field from their declarations.
    package let bootInfoFields: [LayoutListing]
    package let warnings: [String]

    /// Looks for a plan in the first 64 KiB of the protected-mode part, 16-byte aligned.
    init?(raw: UnsafeRawBufferPointer, protectedModeOffset pm: Int, path: String) {
        var found: (Int, LoadPlan)?
        var at = pm
        while at < min(raw.count, pm + 0x10000) {
            if raw.loadLE(UInt32.self, at: at) == LoadPlan.magic, let plan = LoadPlan(decoding: raw, at: at) {
                found = (at, plan)
                break
            }
            at += 16
        }
        guard let (planAt, plan) = found else { return nil }
        planOffset = UInt64(planAt)
        self.plan = plan
        let base = plan.moveDestination ?? 0x10_0000
        runtimeBase = base
        setup32Size = planAt - pm
        let variant = Setup32Variant.identify(UnsafeRawBufferPointer(rebasing: raw[pm..<planAt]))
        setup32Variant = variant
        var warnings = Self.setup32Warnings(variant, plan: plan)
        // A physical address in the moved protected-mode part, as a file offset.
        func fileOffset(_ physical: UInt64, _ size: UInt64) -> UInt64? {
            guard physical >= base else { return nil }
            let o = UInt64(pm) + (physical - base)
            return o <= UInt64(raw.count) && size <= UInt64(raw.count) - o ? o : nil
        }
        // The boot info and the tables live in memory only: run the plan's steps to see them.
        let part = UnsafeRawBufferPointer(rebasing: raw[pm...])
        var carried: [Carried] = []
        var tables: PageTableInspection?
        var bootInfoFields: [LayoutListing] = []
        let writes = plan.steps.contains { $0.written.map { $0.destination <= plan.bootInfo && plan.bootInfo - $0.destination < $0.size } ?? false }
        if !writes {
            warnings.append("the load plan names \(plan.handoff == .linux ? "boot_params" : "boot info") at \(hex(plan.bootInfo)), where no step writes")
        } else if plan.handoff != .linux {
            // The Linux handoff hands a boot_params page and an identity map of 4 GiB: nothing to walk.
            let infoBytes = plan.execute(base: plan.bootInfo, count: BootInfo.layout.size, part: part)
            if let info = infoBytes.withUnsafeBytes({ BootInfo(decodingTemplate: $0, at: 0) }) {
                carried = Self.carried(info, fileOffset: fileOffset, raw: raw, warnings: &warnings)
                tables = Self.walk(plan: plan, info: info, part: part, path: path, warnings: &warnings)
                bootInfoFields = Self.listings(plan: plan, info: info, header: infoBytes, part: part)
            } else {
                warnings.append("the load plan names boot info at \(hex(plan.bootInfo)), where its steps put none")
            }
        }
        self.carried = carried
        self.tables = tables
        self.bootInfoFields = bootInfoFields
        self.warnings = warnings
    }

    /// What the plan needs that the setup before it does not carry (a setup of another kimage
    /// version, or changed bytes, is named but not judged).
    static func setup32Warnings(_ variant: Setup32Variant?, plan: LoadPlan) -> [String] {
        guard let variant else {
            return ["the 32-bit setup before the load plan is none of this kimage's (another version's, or changed): what it runs is not checked here"]
        }
        var warnings: [String] = []
        if !variant.carries(plan.handoff) {
            warnings.append("the load plan ends in the \(plan.handoff.rawValue) handoff, which the 32-bit setup \(variant.stubName) does not carry: the setup would enter the kernel its own way; repack the kernel")
        }
        if !variant.lz4, plan.steps.contains(where: { if case .decompress = $0 { true } else { false } }) {
            warnings.append("the load plan has LZ4 steps, but the 32-bit setup \(variant.stubName) has no LZ4 decoder and skips them: repack the kernel")
        }
        return warnings
    }

    /// The boot info's fields as the plan leaves them, then the UEFI extension's (filled at boot).
    static func listings(plan: LoadPlan, info: BootInfo, header: [UInt8], part: UnsafeRawBufferPointer) -> [LayoutListing] {
        let at = plan.bootInfo &+ UInt64(info.extensionOffset)
        let uefi = plan.execute(base: at, count: UEFIExtension.size, part: part)
        return [
            header.withUnsafeBytes {
                LayoutListing(title: "boot info at \(fullHex(plan.bootInfo, bits: 32)) (version \(BootInfo.version)) as the plan's steps leave it; the setup fills the (boot) fields:",
                              layout: BootInfo.layout, raw: $0)
            },
            uefi.withUnsafeBytes {
                LayoutListing(title: "its UEFI extension at \(fullHex(at, bits: 32)) (cmdline_buffer + cmdline_capacity), filled at boot on UEFI:",
                              layout: UEFIExtension.layout, raw: $0)
            },
        ]
    }

    /// The ELFs the boot info says the image carries, checked against the file.
    static func carried(_ info: BootInfo, fileOffset: (UInt64, UInt64) -> UInt64?, raw: UnsafeRawBufferPointer,
                        warnings: inout [String]) -> [Carried] {
        var carried: [Carried] = []
        for (name, addr, size) in [("kernel ELF", info.kernelELF, info.kernelELFSize), ("loader ELF", info.loaderELF, info.loaderELFSize)] where size > 0 {
            if let o = fileOffset(addr, size) {
                let magic = raw.loadLE(UInt32.self, at: Int(o)) == 0x464C_457F
                carried.append(Carried(name: name, physical: addr, fileOffset: o, size: size, isELF: magic))
                if !magic { warnings.append("the \(name) at \(hex(addr)) does not start with the ELF magic") }
            } else {
                warnings.append("the boot info places the \(name) at \(hex(addr)) (\(size) bytes), outside the image")
            }
        }
        return carried
    }

    /// The largest tables inspect rebuilds from a plan (a hostile boot info could claim 4 GiB).
    static let maxTableBytes: UInt64 = 64 << 20

    /// The tables the plan's steps write where the boot info says they are, walked.
    static func walk(plan: LoadPlan, info: BootInfo, part: UnsafeRawBufferPointer, path: String,
                     warnings: inout [String]) -> PageTableInspection? {
        let tablesAt = info.pageTables, tablesSize = info.pageTablesSize
        guard let mode = plan.pagingMode.pagingMode, tablesSize > 0 else { return nil }
        guard tablesSize <= maxTableBytes else {
            warnings.append("the boot info claims \(tablesSize) bytes of page tables at \(hex(tablesAt)); inspect walks at most \(maxTableBytes)")
            return nil
        }
        guard tablesAt <= UInt64.max - tablesSize else {
            warnings.append("the boot info claims \(tablesSize) bytes of page tables at \(hex(tablesAt)), past the end of the 64-bit address space; expected tables below 4 GiB: the image's boot info is damaged (repack it)")
            return nil
        }
        let blob = FileBytes(bytes: plan.execute(base: tablesAt, count: Int(tablesSize), part: part), name: "\(path) page tables")
        do {
            return try PageTableInspection(file: blob, mode: mode, base: plan.cr3)
        } catch let e as any KImageError {
            warnings.append("the page tables at \(hex(tablesAt)) do not walk: \(e.description)")
        } catch {
            warnings.append("the page tables at \(hex(tablesAt)) do not walk")
        }
        return nil
    }

    static func modeText(_ mode: BootPagingMode) -> String {
        switch mode {
        case .none: return "no paging (entry in 32-bit protected mode)"
        case .bits32: return "32-bit paging"
        case .pae: return "PAE paging"
        case .fourLevel: return "long mode, 4-level paging"
        case .fiveLevel: return "long mode, 5-level paging"
        }
    }

    package func text(style: BoxDiagram.Style) -> String {
        var out = "32-bit setup: \(setup32Variant?.name ?? "not one of this kimage's"), \(setup32Size) B\n"
        out += "kimage load plan (file offset \(hex(planOffset))), run by the 32-bit setup:\n"
        for case .needRAM(let dst, let size, let part) in plan.steps {
            out += "  check the E820 map has RAM at \(fullHex(dst, bits: 32))..\(fullHex(dst + size, bits: 32)) for \(part) (else halt with a message on COM1)\n"
        }
        if let move = plan.moveDestination {
            out += "  move the protected-mode part (\(HumanSize.text(plan.imageSize))) from 0x00100000 to \(fullHex(move, bits: 32)) first\n"
        }
        for (n, step) in plan.steps.filter({ if case .needRAM = $0 { return false } else { return true } }).enumerated() {
            switch step {
            case .needRAM: break
            case .copy(let dst, let src, let size):
                out += "  \(n + 1). copy \(HumanSize.text(size)) from part offset \(hex(src)) to \(fullHex(dst, bits: 32))\n"
            case .zero(let dst, let size):
                out += "  \(n + 1). zero \(HumanSize.text(size)) at \(fullHex(dst, bits: 32))\n"
            case .entries(let dst, let first, let shift, let count, let width):
                let each = count > 1 ? ", each \(HumanSize.text(UInt64(1) << shift)) more" : ""
                out += "  \(n + 1). write \(count) \(width)-byte table entr\(count == 1 ? "y" : "ies") at \(fullHex(dst, bits: 32)): \(hex(first, digits: width * 2))\(each)\n"
            case .decompress(let dst, let src, let packed, let size, _):
                out += "  \(n + 1). decompress LZ4 block of \(HumanSize.text(packed)) from part offset \(hex(src)) into \(HumanSize.text(size)) at \(fullHex(dst, bits: 32)) (\(Compression.ratioText(packed: packed, size: size)))\n"
            }
        }
        out += "  then \(Self.modeText(plan.pagingMode))\(plan.noExecute ? " with EFER.NXE" : ""), CR3 \(fullHex(plan.cr3, bits: 32)), stack top \(fullHex(plan.stackTop, bits: 32))\n"
        if plan.sse { out += "  SSE usable at entry: CR0.MP=1, CR0.EM=0, CR4.OSFXSR=1, CR4.OSXMMEXCPT=1, x87 initialised\n" }
        out += "  jump to \(hex(plan.entry, digits: 16)) with \(plan.handoff == .linux ? "rsi = boot_params" : "the boot info") at \(fullHex(plan.bootInfo, bits: 32))\n"
        if !plan.defaultCommandLine.isEmpty {
            out += "  --cmdline default: \"\(String(decoding: plan.defaultCommandLine, as: UTF8.self))\"\n"
        }
        for c in carried {
            out += "carries the \(c.name): \(HumanSize.text(c.size)) at \(fullHex(c.physical, bits: 32)) (file offset \(hex(c.fileOffset)))\(c.isELF ? ", starts with 7f 45 4c 46" : "")\n"
        }
        for listing in bootInfoFields { out += "\n" + listing.text() }
        if let tables {
            out += "\npage tables the plan's steps write (walked):\n"
            out += tables.text(style: style)
        }
        if !warnings.isEmpty { out += "\n" + warningText(warnings) }
        return out
    }

    package func json() -> JSONValue {
        .object([
            ("setup32", .object([("variant", setup32Variant.map { .string($0.stubName) } ?? .null), ("size", .address(UInt64(setup32Size)))])),
            ("planOffset", .address(planOffset)),
            ("moveTo", plan.moveDestination.map { .address($0) } ?? .null),
            ("pagingMode", .string(Self.modeText(plan.pagingMode))),
            ("noExecute", .bool(plan.noExecute)),
            ("sse", .bool(plan.sse)),
            ("cr3", .address(plan.cr3)),
            ("bootInfo", .address(plan.bootInfo)),
            ("stackTop", .address(plan.stackTop)),
            ("entry", .address(plan.entry)),
            ("steps", .array(plan.steps.map { step in
                switch step {
                case .copy(let dst, let src, let size):
                    return .object([("kind", .string("copy")), ("destination", .address(dst)), ("sourceOffset", .address(src)), ("size", .address(size))])
                case .zero(let dst, let size):
                    return .object([("kind", .string("zero")), ("destination", .address(dst)), ("size", .address(size))])
                case .needRAM(let dst, let size, let part):
                    return .object([("kind", .string("needRAM")), ("destination", .address(dst)), ("size", .address(size)), ("part", .string(part))])
                case .entries(let dst, let first, let shift, let count, let width):
                    return .object([("kind", .string("entries")), ("destination", .address(dst)), ("first", .address(first)),
                                    ("increment", .address(UInt64(1) << shift)), ("count", .int(count)), ("width", .int(width))])
                case .decompress(let dst, let src, let packed, let size, let checksum):
                    return .object([("kind", .string("lz4")), ("destination", .address(dst)), ("sourceOffset", .address(src)),
                                    ("packedSize", .address(packed)), ("size", .address(size)), ("checksum", .address(UInt64(checksum)))])
                }
            })),
            ("carried", .array(carried.map { c in
                .object([("name", .string(c.name)), ("physical", .address(c.physical)), ("fileOffset", .address(c.fileOffset)),
                         ("size", .address(c.size)), ("isELF", .bool(c.isELF))])
            })),
            ("bootInfoFields", bootInfoFields.first?.json() ?? .null),
            ("uefiExtensionFields", bootInfoFields.dropFirst().first?.json() ?? .null),
            ("pageTables", tables?.json() ?? .null),
            ("warnings", .array(warnings.map { .string($0) })),
        ])
    }
}
