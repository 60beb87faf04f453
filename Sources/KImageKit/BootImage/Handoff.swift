/// How the setup enters the kernel: the CPU state, the registers and the information structure
/// the kernel was written for. The load plan carries it (PLAN_HANDOFF) and setup32 dispatches on it.
public enum Handoff: String, Sendable, Codable, CaseIterable {
    /// kimage's own boot info: long mode (ELF64) or protected mode (ELF32), rdi / ebx = boot info.
    case kimage
    /// Multiboot 1: protected mode, paging off, CS 0x08 / data 0x10, eax 0x2BADB002, ebx = MBI.
    case multiboot
    /// Multiboot 2: as multiboot, eax 0x36D76289, ebx = MBI2.
    case multiboot2
    /// Linux's 64-bit boot protocol for a vmlinux: long mode, CS 0x10 / data 0x18, rsi = boot_params.
    case linux

    /// The value of the plan's handoff field (templates/boot/plan.inc HANDOFF_*).
    package var planValue: UInt32 {
        switch self {
        case .kimage: return 0
        case .multiboot: return 1
        case .multiboot2: return 2
        case .linux: return 3
        }
    }

    /// HANDOFF_* in plan.inc.
    static var constants: [LayoutConstant] {
        [
            LayoutConstant("HANDOFF_KIMAGE", UInt64(Handoff.kimage.planValue), "kimage boot info; the paging mode in PLAN_MODE"),
            LayoutConstant("HANDOFF_MULTIBOOT", UInt64(Handoff.multiboot.planValue), "protected mode, paging off, eax 0x2BADB002, ebx MBI"),
            LayoutConstant("HANDOFF_MULTIBOOT2", UInt64(Handoff.multiboot2.planValue), "protected mode, paging off, eax 0x36D76289, ebx MBI2"),
            LayoutConstant("HANDOFF_LINUX", UInt64(Handoff.linux.planValue), "Linux 64-bit boot protocol, rsi boot_params"),
        ]
    }

    package init?(planValue: UInt32) {
        guard let h = Self.allCases.first(where: { $0.planValue == planValue }) else { return nil }
        self = h
    }
}

/// `--handoff`: one handoff, or `auto` (chosen from the kernel's own headers).
public enum HandoffRequest: Sendable, Equatable {
    case auto
    case explicit(Handoff)

    package static let choices = ["auto"] + Handoff.allCases.map(\.rawValue)

    package static func parse(_ text: String) throws -> HandoffRequest {
        if text == "auto" { return .auto }
        guard let h = Handoff(rawValue: text) else {
            throw BootImageError.unknownHandoff(text: text)
        }
        return .explicit(h)
    }
}

/// The handoff pack uses and why, as pack and inspect report it.
package struct HandoffChoice: Sendable, Equatable, Codable {
    package let handoff: Handoff
    package let reason: String

    package init(handoff: Handoff, reason: String) {
        self.handoff = handoff
        self.reason = reason
    }

    /// What `--handoff auto` picks, in the order loaders themselves would look: a valid multiboot2
    /// header, else a valid multiboot1 header, else a Linux vmlinux, else kimage's own.
    /// `head` is the file's first bytes (at least the first 32 KiB, or all of a smaller file).
    package static func choose(_ request: HandoffRequest, kernel: ELFHeaders, head: [UInt8]) throws -> HandoffChoice {
        let mb2 = Multiboot2Header.find(in: head)
        let mb1 = MultibootHeader.find(in: head)
        if case .explicit(let h) = request {
            switch h {
            case .multiboot2:
                guard let found = mb2 else { throw BootImageError.handoffNeedsHeader(path: kernel.path, handoff: h) }
                return HandoffChoice(handoff: h, reason: "--handoff multiboot2; the multiboot2 header is at file offset \(hex(UInt64(found.fileOffset)))")
            case .multiboot:
                guard let found = mb1 else { throw BootImageError.handoffNeedsHeader(path: kernel.path, handoff: h) }
                return HandoffChoice(handoff: h, reason: "--handoff multiboot; the multiboot header is at file offset \(hex(UInt64(found.fileOffset)))")
            case .linux:
                if let markers = VmlinuxDetector.markers(of: kernel) {
                    return HandoffChoice(handoff: h, reason: "--handoff linux; a Linux vmlinux (\(markers))")
                }
                return HandoffChoice(handoff: h, reason: "--handoff linux")
            case .kimage:
                return HandoffChoice(handoff: h, reason: "--handoff kimage")
            }
        }
        if let found = mb2 {
            return HandoffChoice(handoff: .multiboot2, reason: "a valid multiboot2 header at file offset \(hex(UInt64(found.fileOffset)))")
        }
        if let found = mb1 {
            return HandoffChoice(handoff: .multiboot, reason: "a valid multiboot header at file offset \(hex(UInt64(found.fileOffset)))")
        }
        if let markers = VmlinuxDetector.markers(of: kernel) {
            return HandoffChoice(handoff: .linux, reason: "a Linux vmlinux (\(markers))")
        }
        return HandoffChoice(handoff: .kimage, reason: "no multiboot header in the first 32 KiB and not a Linux vmlinux")
    }
}
