/// One step of a load plan, executed by the 32-bit setup in order.
public enum LoadStep: Sendable, Equatable {
    /// Copy `size` bytes from `sourceOffset` (from the start of the protected-mode part, wherever
    /// it runs) to the physical `destination`.
    case copy(destination: UInt64, sourceOffset: UInt64, size: UInt64)
    /// Zero `size` bytes at the physical `destination` (bss).
    case zero(destination: UInt64, size: UInt64)

    static let copyKind: UInt32 = 1
    static let zeroKind: UInt32 = 2
    static let encodedSize = 16
}

/// What the table-driven 32-bit setup does (templates/boot/plan.inc): optionally move the
/// protected-mode part clear of the kernel, run the steps, fill the boot info, enable paging
/// with CR3, jump to the entry. Every address is physical and below 4 GiB (the stub runs in
/// 32-bit protected mode without paging).
public struct LoadPlan: Sendable, Equatable {
    public static let magic: UInt32 = 0x4E4C_504B  // "KPLN"
    public static let headerSize = 0x40
    static let flagMove: UInt32 = 1
    static let flagNXE: UInt32 = 2

    /// Where the protected-mode part moves before the steps run; nil when it stays at 1 MiB.
    public var moveDestination: UInt64?
    public var imageSize: UInt64 = 0
    public var pagingMode: BootPagingMode = .none
    /// The tables use execute-disable bits: EFER.NXE must be set.
    public var noExecute = false
    public var cr3: UInt64 = 0
    public var bootInfo: UInt64 = 0
    public var stackTop: UInt64 = 0
    public var entry: UInt64 = 0
    /// How the setup enters the kernel (PLAN_HANDOFF); bootInfo is then that handoff's structure.
    public var handoff: Handoff = .kimage
    public var steps: [LoadStep] = []
    /// The `--cmdline` default, used when the loader passes none.
    public var defaultCommandLine: [UInt8] = []

    public init() {}

    /// Bytes of the encoded plan: header, steps, command line and its NUL, padded to 16.
    public var encodedSize: Int {
        alignUp(Self.headerSize + steps.count * LoadStep.encodedSize + defaultCommandLine.count + 1, 16)
    }

    /// The plan as the stub reads it; `offset` is where it sits in the protected-mode part.
    public func encode(at offset: Int) -> [UInt8] {
        var b = [UInt8]()
        b.reserveCapacity(encodedSize)
        let stepsOffset = offset + Self.headerSize
        let cmdlineOffset = stepsOffset + steps.count * LoadStep.encodedSize
        b.appendLE(Self.magic)
        b.appendLE((moveDestination != nil ? Self.flagMove : 0) | (noExecute ? Self.flagNXE : 0))
        b.appendLE(pagingMode.rawValue)
        b.appendLE(UInt32(moveDestination ?? 0))
        b.appendLE(UInt32(imageSize))
        b.appendLE(UInt32(cr3))
        b.appendLE(UInt32(bootInfo))
        b.appendLE(UInt32(stackTop))
        b.appendLE(entry)
        b.appendLE(UInt32(stepsOffset))
        b.appendLE(UInt32(steps.count))
        b.appendLE(UInt32(cmdlineOffset))
        b.appendLE(handoff.planValue)
        b += [UInt8](repeating: 0, count: Self.headerSize - b.count)
        for step in steps {
            switch step {
            case .copy(let dst, let src, let size):
                b.appendLE(LoadStep.copyKind); b.appendLE(UInt32(dst)); b.appendLE(UInt32(src)); b.appendLE(UInt32(size))
            case .zero(let dst, let size):
                b.appendLE(LoadStep.zeroKind); b.appendLE(UInt32(dst)); b.appendLE(UInt32(0)); b.appendLE(UInt32(size))
            }
        }
        b += defaultCommandLine
        b.append(0)
        b += [UInt8](repeating: 0, count: encodedSize - b.count)
        return b
    }
}

extension LoadPlan {
    /// Decodes a plan from `raw` at `offset` (the inverse of `encode(at:)`, for `inspect`).
    /// nil when there is no "KPLN" there or a count or offset points outside `raw`.
    public init?(decoding raw: UnsafeRawBufferPointer, at offset: Int) {
        func u32(_ o: Int) -> UInt32? { raw.loadLE(UInt32.self, at: offset + o) }
        guard offset >= 0, u32(0) == Self.magic, let flags = u32(0x04), let mode = u32(0x08).flatMap(BootPagingMode.init(rawValue:)),
              let move = u32(0x0C), let size = u32(0x10), let cr3 = u32(0x14), let info = u32(0x18), let stack = u32(0x1C),
              let entry = raw.loadLE(UInt64.self, at: offset + 0x20), let stepsAt = u32(0x28), let count = u32(0x2C),
              let cmdlineAt = u32(0x30), let handoff = u32(0x34).flatMap(Handoff.init(planValue:)) else { return nil }
        self.init()
        moveDestination = flags & Self.flagMove != 0 ? UInt64(move) : nil
        noExecute = flags & Self.flagNXE != 0
        pagingMode = mode
        imageSize = UInt64(size)
        self.cr3 = UInt64(cr3)
        bootInfo = UInt64(info)
        stackTop = UInt64(stack)
        self.entry = entry
        self.handoff = handoff
        guard count <= 4096, Int(stepsAt) >= Self.headerSize else { return nil }
        // The plan's offsets count from the start of the protected-mode part; its steps follow
        // its header, which places that start.
        let pmStart = offset + Self.headerSize - Int(stepsAt)
        for i in 0..<Int(count) {
            let at = offset + Self.headerSize + i * LoadStep.encodedSize
            guard let kind = raw.loadLE(UInt32.self, at: at), let dst = raw.loadLE(UInt32.self, at: at + 4),
                  let src = raw.loadLE(UInt32.self, at: at + 8), let n = raw.loadLE(UInt32.self, at: at + 12) else { return nil }
            switch kind {
            case LoadStep.copyKind: steps.append(.copy(destination: UInt64(dst), sourceOffset: UInt64(src), size: UInt64(n)))
            case LoadStep.zeroKind: steps.append(.zero(destination: UInt64(dst), size: UInt64(n)))
            default: return nil
            }
        }
        let cmdline = pmStart + Int(cmdlineAt)
        guard cmdline >= 0, cmdline < raw.count else { return nil }
        var end = cmdline
        while end < raw.count && raw[end] != 0 { end += 1 }
        defaultCommandLine = Array(raw[cmdline..<end])
    }
}

func alignUp(_ value: Int, _ alignment: Int) -> Int { (value + alignment - 1) / alignment * alignment }
func alignUp(_ value: UInt64, _ alignment: UInt64) -> UInt64 { (value + alignment - 1) / alignment * alignment }
