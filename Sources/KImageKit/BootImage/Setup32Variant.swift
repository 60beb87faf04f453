/// Which of kimage's 32-bit setups an image carries. templates/boot/setup32.asm is assembled once
/// per handoff family, with and without the LZ4 decoder (templates/boot/setup32_*.asm, committed
/// in StubBytes), and pack puts in the one its plan runs: a kimage-handoff image without LZ4
/// blocks carries neither the multiboot and Linux handoffs nor the decoder (issue 15's overhead).
package struct Setup32Variant: Sendable, Equatable, Hashable, CaseIterable {
    /// The handoffs one variant carries out.
    package enum Family: String, Sendable, CaseIterable {
        case kimage, multiboot, linux
    }

    package let family: Family
    /// Carries the LZ4 decoder: the plan has STEP_LZ4 steps.
    package let lz4: Bool

    package init(family: Family, lz4: Bool) {
        self.family = family
        self.lz4 = lz4
    }

    /// The variant for a plan that ends in `handoff` and has LZ4 steps or not.
    package init(handoff: Handoff, lz4: Bool) {
        self.init(family: Self.family(of: handoff), lz4: lz4)
    }

    package static let allCases: [Setup32Variant] = Family.allCases.flatMap { f in [false, true].map { Setup32Variant(family: f, lz4: $0) } }

    static func family(of handoff: Handoff) -> Family {
        switch handoff {
        case .kimage: .kimage
        case .multiboot, .multiboot2: .multiboot
        case .linux: .linux
        }
    }

    /// Whether this variant carries out `handoff` (a plan naming another one would be run wrongly).
    package func carries(_ handoff: Handoff) -> Bool { Self.family(of: handoff) == family }

    /// Its source: templates/boot/\(stubName).asm.
    package var stubName: String { "setup32_\(family.rawValue)\(lz4 ? "_lz4" : "")" }

    /// What pack and inspect call it.
    package var name: String {
        let handoffs = switch family {
        case .kimage: "the kimage handoff"
        case .multiboot: "the multiboot and multiboot2 handoffs"
        case .linux: "the linux handoff"
        }
        return "\(stubName) (\(handoffs), \(lz4 ? "with" : "without") the LZ4 decoder)"
    }

    package var bytes: [UInt8] {
        switch (family, lz4) {
        case (.kimage, false): StubBytes.setup32Kimage
        case (.kimage, true): StubBytes.setup32KimageLZ4
        case (.multiboot, false): StubBytes.setup32Multiboot
        case (.multiboot, true): StubBytes.setup32MultibootLZ4
        case (.linux, false): StubBytes.setup32Linux
        case (.linux, true): StubBytes.setup32LinuxLZ4
        }
    }

    /// The variant whose bytes are exactly `stub` (the protected-mode part up to its plan), nil
    /// when none is: another kimage's setup, or a changed one.
    package static func identify(_ stub: UnsafeRawBufferPointer) -> Setup32Variant? {
        allCases.first { v in v.bytes.count == stub.count && v.bytes.elementsEqual(stub) }
    }
}
