/// The jump written over a redirected function's first bytes.
///
/// ELF64: `FF 25 00 00 00 00` (`jmp [rip+0]`) followed by the absolute u64 destination, 14 bytes;
/// it uses no register, so it is safe at any call site. ELF32: `E9` + rel32 (`jmp rel32`),
/// 5 bytes, relative to the end of the instruction (src + 5), wrapping modulo 2^32.
package enum Trampoline {
    package static let elf32Opcode: UInt8 = 0xE9

    /// What a trampoline says: it sits at `source` and jumps to `destination`.
    package struct Jump: Sendable, Equatable {
        package var source: UInt64
        package var destination: UInt64
    }

    /// `jmp [rip+0]` and the absolute target right after it.
    static let layout64 = BinaryLayout<Jump>(cName: "kimage_trampoline64", nasmPrefix: "TRAMPOLINE64_", size: 14, [
        .constant("opcode", at: 0, width: 2, 0x25FF, "FF 25: jmp [rip + disp32]"),
        .constant("disp32", at: 2, width: 4, 0, "0: the target follows the instruction"),
        .field("target", at: 6, \.destination, "absolute destination"),
    ])

    /// `jmp rel32`, relative to the end of the instruction, wrapping modulo 2^32.
    static let layout32 = BinaryLayout<Jump>(cName: "kimage_trampoline32", nasmPrefix: "TRAMPOLINE32_", size: 5, [
        .constant("opcode", at: 0, width: 1, UInt64(elf32Opcode), "E9: jmp rel32"),
        .derived("rel32", at: 1, width: 4, "destination - (source + 5)",
                 get: { $0.destination &- ($0.source &+ 5) },
                 set: { $0.destination = UInt64(UInt32(truncatingIfNeeded: $0.source &+ 5) &+ UInt32(truncatingIfNeeded: $1)); return true }),
    ])

    package static func layout(for elfClass: ELFClass) -> BinaryLayout<Jump> { elfClass == .elf64 ? layout64 : layout32 }

    /// Bytes a trampoline occupies: the minimum st_size of a redirected function.
    package static func size(for elfClass: ELFClass) -> Int { layout(for: elfClass).size }

    /// The trampoline placed at `source` that jumps to `destination`.
    package static func bytes(from source: UInt64, to destination: UInt64, elfClass: ELFClass) -> [UInt8] {
        layout(for: elfClass).encode(Jump(source: source, destination: destination))
    }

    /// Whether `code`, the bytes at `source`, already start with the trampoline to `destination`
    /// (a kernel patched with `kimage redirect --patch`).
    package static func isInstalled(in code: some Collection<UInt8>, at source: UInt64, to destination: UInt64, elfClass: ELFClass) -> Bool {
        let want = bytes(from: source, to: destination, elfClass: elfClass)
        return code.count >= want.count && code.prefix(want.count).elementsEqual(want)
    }

    /// Where the trampoline in `code` at `source` jumps, or nil when `code` does not start with one.
    package static func destination(in code: some Collection<UInt8>, at source: UInt64, elfClass: ELFClass) -> UInt64? {
        layout(for: elfClass).decode(Array(code.prefix(size(for: elfClass))), into: Jump(source: source, destination: 0))?.destination
    }
}
