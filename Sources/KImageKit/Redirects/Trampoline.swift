/// The jump written over a redirected function's first bytes.
///
/// ELF64: `FF 25 00 00 00 00` (`jmp [rip+0]`) followed by the absolute u64 destination, 14 bytes;
/// it uses no register, so it is safe at any call site. ELF32: `E9` + rel32 (`jmp rel32`),
/// 5 bytes, relative to the end of the instruction (src + 5), wrapping modulo 2^32.
public enum Trampoline {
    public static let elf64Opcode: [UInt8] = [0xFF, 0x25, 0x00, 0x00, 0x00, 0x00]
    public static let elf32Opcode: UInt8 = 0xE9

    /// Bytes a trampoline occupies: the minimum st_size of a redirected function.
    public static func size(for elfClass: ELFClass) -> Int {
        elfClass == .elf64 ? 14 : 5
    }

    /// The trampoline placed at `source` that jumps to `destination`.
    public static func bytes(from source: UInt64, to destination: UInt64, elfClass: ELFClass) -> [UInt8] {
        var out: [UInt8] = []
        switch elfClass {
        case .elf64:
            out = elf64Opcode
            out.appendLE(destination)
        case .elf32:
            out = [elf32Opcode]
            out.appendLE(UInt32(truncatingIfNeeded: destination &- (source &+ 5)))
        }
        return out
    }

    /// Whether `code`, the bytes at `source`, already start with the trampoline to `destination`
    /// (a kernel patched with `kimage redirect --patch`).
    public static func isInstalled(in code: some Collection<UInt8>, at source: UInt64, to destination: UInt64, elfClass: ELFClass) -> Bool {
        let want = bytes(from: source, to: destination, elfClass: elfClass)
        return code.count >= want.count && code.prefix(want.count).elementsEqual(want)
    }

    /// Where the trampoline in `code` at `source` jumps, or nil when `code` does not start with one.
    public static func destination(in code: some Collection<UInt8>, at source: UInt64, elfClass: ELFClass) -> UInt64? {
        let b = Array(code.prefix(size(for: elfClass)))
        guard b.count == size(for: elfClass) else { return nil }
        switch elfClass {
        case .elf64:
            guard Array(b[0..<6]) == elf64Opcode else { return nil }
            return b.loadLE(UInt64.self, at: 6)
        case .elf32:
            guard b[0] == elf32Opcode, let rel = b.loadLE(UInt32.self, at: 1) else { return nil }
            return UInt64(UInt32(truncatingIfNeeded: source &+ 5) &+ rel)
        }
    }
}
