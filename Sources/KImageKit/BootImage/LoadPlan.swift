/// One step of a load plan, executed by the 32-bit setup in order.
package enum LoadStep: Sendable, Equatable {
    /// Copy `size` bytes from `sourceOffset` (from the start of the protected-mode part, wherever
    /// it runs) to the physical `destination`.
    case copy(destination: UInt64, sourceOffset: UInt64, size: UInt64)
    /// Zero `size` bytes at the physical `destination` (bss, the boot info, the page tables).
    case zero(destination: UInt64, size: UInt64)
    /// Not a step the loop runs: before anything moves, the setup checks that the E820 map has
    /// RAM for `size` bytes at `destination`, and names `part` on COM1 when it has not.
    case needRAM(destination: UInt64, size: UInt64, part: String)
    /// Write `count` page-table entries of `width` bytes (8, or 4 for 32-bit paging) at the
    /// physical `destination`: the first is `first`, each next one `1 << shift` more. A regular
    /// run of the identity map or of a segment's pages costs one step instead of its bytes.
    case entries(destination: UInt64, first: UInt64, shift: Int, count: Int, width: Int)
    /// Decode the LZ4 block of `packedSize` bytes at `sourceOffset` (LZ4Block) into exactly `size`
    /// bytes at the physical `destination` (templates/boot/lz4.inc; `pack --compress lz4`), once
    /// the block's bytes sum to `checksum` (LZ4Block.checksum).
    case decompress(destination: UInt64, sourceOffset: UInt64, packedSize: UInt64, size: UInt64, checksum: UInt32)

    static let copyKind: UInt8 = 1
    static let zeroKind: UInt8 = 2
    static let needRAMKind: UInt8 = 3
    static let lz4Kind: UInt8 = 4
    static let entriesKind: UInt8 = 5
    static let entries32Kind: UInt8 = 6
    /// The second slot of an LZ4 step (its block's size and checksum); the loops skip it.
    static let dataKind: UInt8 = 0
    package static var encodedSize: Int { layout.size }
    /// The most entries one step writes (its count is 16 bits).
    static let maxEntries = Int(UInt16.max)

    /// Slots of `encodedSize` bytes the step takes: an LZ4 step carries its block's size and
    /// checksum in a second one, so the others stay 16 bytes.
    var slots: Int { if case .decompress = self { 2 } else { 1 } }

    /// A step slot as the stub reads it (plan.inc's STEP_*).
    struct Wire: Sendable, Equatable {
        var kind: UInt8 = 0
        var shift: UInt8 = 0
        var count: UInt16 = 0
        var destination: UInt32 = 0
        var sourceOffset: UInt32 = 0
        var size: UInt32 = 0
    }

    /// Bytes of physical memory the step writes (0 for a RAM check).
    var written: (destination: UInt64, size: UInt64)? {
        switch self {
        case .copy(let dst, _, let size), .zero(let dst, let size), .decompress(let dst, _, _, let size, _): (dst, size)
        case .entries(let dst, _, _, let count, let width): (dst, UInt64(count * width))
        case .needRAM: nil
        }
    }

    /// The step's slots as the stub reads them; `nameOffset` is where a RAM check's part name lies.
    func wires(nameOffset: Int) -> [Wire] {
        if case .decompress(let dst, let src, let packed, let size, let checksum) = self {
            return [Wire(kind: Self.lz4Kind, destination: UInt32(dst), sourceOffset: UInt32(src), size: UInt32(size)),
                    Wire(kind: Self.dataKind, sourceOffset: UInt32(packed), size: checksum)]
        }
        return [wire(nameOffset: nameOffset)]
    }

    /// The one slot of a step other than LZ4's.
    private func wire(nameOffset: Int) -> Wire {
        switch self {
        case .copy(let dst, let src, let size): Wire(kind: Self.copyKind, destination: UInt32(dst), sourceOffset: UInt32(src), size: UInt32(size))
        case .zero(let dst, let size): Wire(kind: Self.zeroKind, destination: UInt32(dst), sourceOffset: 0, size: UInt32(size))
        case .needRAM(let dst, let size, _): Wire(kind: Self.needRAMKind, destination: UInt32(dst), sourceOffset: UInt32(nameOffset), size: UInt32(size))
        case .entries(let dst, let first, let shift, let count, let width):
            Wire(kind: width == 4 ? Self.entries32Kind : Self.entriesKind, shift: UInt8(shift), count: UInt16(count), destination: UInt32(dst),
                 sourceOffset: UInt32(truncatingIfNeeded: first), size: UInt32(truncatingIfNeeded: first >> 32))
        case .decompress: Wire()
        }
    }

    /// `name` reads a RAM check's part name at an offset from the start of the protected-mode
    /// part; `next` is the slot after `w` (an LZ4 step's second one).
    init?(_ w: Wire, next: Wire?, name: (UInt32) -> String?) {
        switch w.kind {
        case Self.copyKind: self = .copy(destination: UInt64(w.destination), sourceOffset: UInt64(w.sourceOffset), size: UInt64(w.size))
        case Self.zeroKind: self = .zero(destination: UInt64(w.destination), size: UInt64(w.size))
        case Self.needRAMKind:
            guard let part = name(w.sourceOffset) else { return nil }
            self = .needRAM(destination: UInt64(w.destination), size: UInt64(w.size), part: part)
        case Self.entriesKind, Self.entries32Kind:
            guard w.shift < 32 else { return nil }
            self = .entries(destination: UInt64(w.destination), first: UInt64(w.sourceOffset) | UInt64(w.size) << 32, shift: Int(w.shift),
                            count: Int(w.count), width: w.kind == Self.entries32Kind ? 4 : 8)
        case Self.lz4Kind:
            guard let next, next.kind == Self.dataKind else { return nil }
            self = .decompress(destination: UInt64(w.destination), sourceOffset: UInt64(w.sourceOffset),
                               packedSize: UInt64(next.sourceOffset), size: UInt64(w.size), checksum: next.size)
        default: return nil
        }
    }

    static let layout = BinaryLayout<Wire>(
        cName: "kimage_plan_step", nasmPrefix: "STEP_", size: 0x10, sizeName: "STEP_SIZE", [
        .field("kind", at: 0x00, \.kind, "STEP_COPY, STEP_ZERO, STEP_NEED_RAM, STEP_LZ4, STEP_ENTRIES, STEP_ENTRIES32; STEP_DATA: an LZ4 step's second slot"),
        .field("shift", at: 0x01, \.shift, "entries: each entry is 1 << shift more than the one before"),
        .field("count", at: 0x02, \.count, "entries: how many"),
        .field("dest", at: 0x04, \.destination, "physical destination"),
        .field("source", at: 0x08, \.sourceOffset, "copy, LZ4: offset of the bytes in the protected-mode part; need RAM: of the part's name; entries: the first entry, bits 0..31; LZ4's second slot: the block's bytes"),
        .field("length", at: 0x0C, \.size, "bytes (LZ4: decompressed, exactly); entries: the first entry, bits 32..63; LZ4's second slot: the block's checksum"),
    ])
}

/// What the table-driven 32-bit setup does (templates/boot/plan.inc): optionally move the
/// protected-mode part clear of the kernel, run the steps, fill the boot info, enable paging
/// with CR3, jump to the entry. Every address is physical and below 4 GiB (the stub runs in
/// 32-bit protected mode without paging).
package struct LoadPlan: Sendable, Equatable {
    package static let magic: UInt32 = 0x4E4C_504B  // "KPLN"
    package static var headerSize: Int { layout.size }
    static let flagMove: UInt32 = 1
    static let flagNXE: UInt32 = 2
    static let flagSSE: UInt32 = 4

    /// Where the protected-mode part moves before the steps run; nil when it stays at 1 MiB.
    package var moveDestination: UInt64?
    package var imageSize: UInt64 = 0
    package var pagingMode: BootPagingMode = .none
    /// The tables use execute-disable bits: EFER.NXE must be set.
    package var noExecute = false
    /// Enter with SSE usable (CR0.MP, CR4.OSFXSR|OSXMMEXCPT, fninit): compiled code uses xmm registers.
    package var sse = false
    package var cr3: UInt64 = 0
    package var bootInfo: UInt64 = 0
    package var stackTop: UInt64 = 0
    package var entry: UInt64 = 0
    /// How the setup enters the kernel (PLAN_HANDOFF).
    package var handoff: Handoff = .kimage
    /// Physical address of the handoff's pack-time data (PLAN_HANDOFF_DATA; multiboot: the fill
    /// table of MultibootInfoTemplate), 0 for none.
    package var handoffData: UInt64 = 0
    package var steps: [LoadStep] = []
    /// The `--cmdline` default, used when the loader passes none.
    package var defaultCommandLine: [UInt8] = []

    package init() {}

    /// The names of the parts the RAM checks name, each NUL-terminated, after the command line.
    var partNames: [UInt8] {
        steps.reduce(into: []) { b, step in
            if case .needRAM(_, _, let part) = step { b += Array(part.utf8) + [0] }
        }
    }

    /// Step slots (PLAN_STEP_COUNT): an LZ4 step takes two.
    var slotCount: Int { steps.reduce(0) { $0 + $1.slots } }

    /// Bytes of the encoded plan: header, steps, command line and its NUL, part names, padded to 16.
    package var encodedSize: Int {
        alignUp(Self.headerSize + slotCount * LoadStep.encodedSize + defaultCommandLine.count + 1 + partNames.count, 16)
    }

    /// The plan as the stub reads it; `offset` is where it sits in the protected-mode part.
    package func encode(at offset: Int) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: encodedSize)
        let stepsOffset = offset + Self.headerSize
        let cmdlineOffset = stepsOffset + slotCount * LoadStep.encodedSize
        let header = Header(flags: (moveDestination != nil ? Self.flagMove : 0) | (noExecute ? Self.flagNXE : 0) | (sse ? Self.flagSSE : 0),
                            mode: pagingMode, moveDestination: UInt32(moveDestination ?? BootImageLayout.loadAddress), imageSize: UInt32(imageSize),
                            cr3: UInt32(cr3), bootInfo: UInt32(bootInfo), stackTop: UInt32(stackTop), entry: entry,
                            stepsOffset: UInt32(stepsOffset), stepCount: UInt32(slotCount), cmdlineOffset: UInt32(cmdlineOffset),
                            handoff: handoff, handoffData: UInt32(handoffData))
        Self.layout.encode(header, into: &b)
        var nameOffset = cmdlineOffset + defaultCommandLine.count + 1
        var slot = 0
        for step in steps {
            for wire in step.wires(nameOffset: nameOffset) {
                LoadStep.layout.encode(wire, into: &b, at: Self.headerSize + slot * LoadStep.encodedSize)
                slot += 1
            }
            if case .needRAM(_, _, let part) = step { nameOffset += part.utf8.count + 1 }
        }
        let cmdlineAt = Self.headerSize + slotCount * LoadStep.encodedSize
        b.replaceSubrange(cmdlineAt..<cmdlineAt + defaultCommandLine.count, with: defaultCommandLine)
        let names = partNames
        b.replaceSubrange(cmdlineAt + defaultCommandLine.count + 1..<cmdlineAt + defaultCommandLine.count + 1 + names.count, with: names)
        return b
    }

    /// The plan header as the stub reads it (plan.inc's PLAN_*): offsets count from the start of
    /// the protected-mode part.
    struct Header: Sendable, Equatable {
        var flags: UInt32 = 0
        var mode: BootPagingMode = .none
        var moveDestination: UInt32 = 0
        var imageSize: UInt32 = 0
        var cr3: UInt32 = 0
        var bootInfo: UInt32 = 0
        var stackTop: UInt32 = 0
        var entry: UInt64 = 0
        var stepsOffset: UInt32 = 0
        var stepCount: UInt32 = 0
        var cmdlineOffset: UInt32 = 0
        var handoff: Handoff = .kimage
        var handoffData: UInt32 = 0
    }

    static let layout = BinaryLayout<Header>(
        cName: "kimage_plan", nasmPrefix: "PLAN_", size: 0x40, sizeName: "PLAN_HEADER_SIZE", [
        .constant("magic", at: 0x00, width: 4, UInt64(magic), "PLAN_MAGIC_VALUE"),
        .field("flags", at: 0x04, \.flags, "PLAN_F_*"),
        .field("mode", at: 0x08, \.mode, "KIMAGE_PAGING_*"),
        .field("move_dest", at: 0x0C, \.moveDestination, "physical address the protected-mode part runs at: the setup moves it there from wherever the loader put it"),
        .field("image_size", at: 0x10, \.imageSize, "bytes of the protected-mode part"),
        .field("cr3", at: 0x14, \.cr3, ""),
        .field("bootinfo", at: 0x18, \.bootInfo, "physical address of the boot info"),
        .field("stack_top", at: 0x1C, \.stackTop, "physical top of the boot stack"),
        .field("entry", at: 0x20, \.entry, "the kernel's entry point"),
        .field("steps", at: 0x28, \.stepsOffset, "offset of the first step"),
        .field("step_count", at: 0x2C, \.stepCount, ""),
        .field("cmdline", at: 0x30, \.cmdlineOffset, "offset of the --cmdline default (NUL-terminated)"),
        .derived("handoff", at: 0x34, width: 4, "HANDOFF_*: how the setup enters the kernel",
                 get: { UInt64($0.handoff.planValue) },
                 set: { m, v in
                     guard let h = Handoff(planValue: UInt32(truncatingIfNeeded: v)) else { return false }
                     m.handoff = h
                     return true
                 }),
        .field("handoff_data", at: 0x38, \.handoffData, "physical address of the handoff's pack-time data, 0 for none"),
    ])
}

extension LoadPlan {
    /// Decodes a plan from `raw` at `offset` (the inverse of `encode(at:)`, for `inspect`).
    /// nil when there is no "KPLN" there or a count or offset points outside `raw`.
    package init?(decoding raw: UnsafeRawBufferPointer, at offset: Int) {
        guard offset >= 0, let h = Self.layout.decode(raw, at: offset, into: Header()) else { return nil }
        self.init()
        moveDestination = h.flags & Self.flagMove != 0 ? UInt64(h.moveDestination) : nil
        noExecute = h.flags & Self.flagNXE != 0
        sse = h.flags & Self.flagSSE != 0
        pagingMode = h.mode
        imageSize = UInt64(h.imageSize)
        cr3 = UInt64(h.cr3)
        bootInfo = UInt64(h.bootInfo)
        stackTop = UInt64(h.stackTop)
        entry = h.entry
        handoff = h.handoff
        handoffData = UInt64(h.handoffData)
        guard h.stepCount <= 4096, Int(h.stepsOffset) >= Self.headerSize else { return nil }
        // The plan's offsets count from the start of the protected-mode part; its steps follow
        // its header, which places that start.
        let pmStart = offset + Self.headerSize - Int(h.stepsOffset)
        let slots = Int(h.stepCount)
        func slot(_ i: Int) -> LoadStep.Wire? {
            i < slots ? LoadStep.layout.decode(raw, at: offset + Self.headerSize + i * LoadStep.encodedSize, into: LoadStep.Wire()) : nil
        }
        var i = 0
        while i < slots {
            guard let wire = slot(i),
                  let step = LoadStep(wire, next: slot(i + 1), name: { Self.string(raw, at: pmStart + Int($0)) }) else { return nil }
            steps.append(step)
            i += step.slots
        }
        let cmdline = pmStart + Int(h.cmdlineOffset)
        guard cmdline >= 0, cmdline < raw.count else { return nil }
        var end = cmdline
        while end < raw.count && raw[end] != 0 { end += 1 }
        defaultCommandLine = Array(raw[cmdline..<end])
    }

    /// The NUL-terminated string at `at` of `raw`, nil when it is outside or unterminated.
    static func string(_ raw: UnsafeRawBufferPointer, at: Int) -> String? {
        guard at >= 0, at < raw.count else { return nil }
        var end = at
        while end < raw.count && raw[end] != 0 { end += 1 }
        guard end < raw.count else { return nil }
        return String(decoding: raw[at..<end], as: UTF8.self)
    }
}

// `alignment - 1` first: `value + alignment` alone would wrap for a value in the top page.
func alignUp(_ value: Int, _ alignment: Int) -> Int { (value + (alignment - 1)) / alignment * alignment }
func alignUp(_ value: UInt64, _ alignment: UInt64) -> UInt64 { (value + (alignment - 1)) / alignment * alignment }

extension LoadPlan {
    /// What the setup's copy, zero and entries steps leave in the `count` bytes at physical
    /// `base`, on memory that was zero; copies read `part` (the protected-mode part's bytes, as
    /// in the file). inspect reads the boot info and walks the tables from it, and tests compare
    /// it with the tables the builder made.
    package func execute(base: UInt64, count: Int, part: UnsafeRawBufferPointer) -> [UInt8] {
        var arena = [UInt8](repeating: 0, count: count)
        // A damaged boot info can put `base` in the top page: what would lie past 2^64 stays zero.
        let (sum, wrapped) = base.addingReportingOverflow(UInt64(count))
        let end = wrapped ? UInt64.max : sum
        // The part of [dst, dst + size) inside the arena, as arena indices.
        func window(_ dst: UInt64, _ size: UInt64) -> Range<Int>? {
            let lo = max(dst, base), hi = min(dst &+ size, end)
            return lo < hi ? Int(lo - base)..<Int(hi - base) : nil
        }
        for step in steps {
            switch step {
            // LZ4 blocks fill segments, never the boot info or the tables this is run for.
            case .needRAM, .decompress: break
            case .zero(let dst, let size):
                if let w = window(dst, size) { arena.replaceSubrange(w, with: repeatElement(0, count: w.count)) }
            case .copy(let dst, let src, let size):
                guard let w = window(dst, size) else { continue }
                for i in w {
                    let from = Int(src) + Int(base + UInt64(i) - dst)
                    arena[i] = from >= 0 && from < part.count ? part[from] : 0
                }
            case .entries(let dst, let first, let shift, let n, let width):
                guard window(dst, UInt64(n * width)) != nil else { continue }
                // Only the entries inside the arena: a damaged plan's counts cost no more than it.
                let w = UInt64(width)
                let lo: Int = dst >= base ? 0 : Int((base - dst) / w)
                let span: UInt64 = end > dst ? (end - dst + w - 1) / w : 0
                let hi: Int = min(n, Int(span))
                for k in lo..<max(lo, hi) {
                    let value = first &+ UInt64(k) << shift
                    for b in 0..<width {
                        let at = dst + UInt64(k * width + b)
                        if at >= base && at < end { arena[Int(at - base)] = UInt8(truncatingIfNeeded: value >> (8 * b)) }
                    }
                }
            }
        }
        return arena
    }
}
