/// Failures reading a kernel ELF.
package enum ELFError: KImageError, Equatable {
    case notELF(path: String, found: String)
    case truncated(path: String, what: String, needed: UInt64, size: UInt64)
    case unsupportedClass(path: String, value: UInt8)
    case bigEndian(path: String)
    case unsupportedMachine(path: String, machine: UInt16)
    case classMachineMismatch(path: String, elfClass: String, machine: String)
    case malformed(path: String, field: String, value: String, detail: String)
    case noSymbolTable(path: String)
    case libelf(path: String, call: String, message: String)
    case patchOutsideFile(path: String, offset: UInt64, length: UInt64, size: UInt64)
    case overlappingPatches(path: String, offset: UInt64, previousEnd: UInt64)

    package var description: String {
        switch self {
        case .notELF(let path, let found):
            return "\(path) is not an ELF file: it starts with \(found), expected 7f 45 4c 46 (\"\\x7fELF\"); pass the linked kernel, not a raw binary or an image"
        case .truncated(let path, let what, let needed, let size):
            return "\(path) is truncated: \(what) needs \(needed) bytes but the file has \(size); the link step was probably interrupted: rebuild it"
        case .unsupportedClass(let path, let value):
            return "\(path) has ELF class \(value) (EI_CLASS); expected 1 (ELF32) or 2 (ELF64)"
        case .bigEndian(let path):
            return "\(path) is a big-endian ELF; x86 kernels are little-endian (EI_DATA = 1): check the toolchain's target"
        case .unsupportedMachine(let path, let machine):
            return "\(path) is for machine \(machine) (\(ELFMachine.name(of: machine))); kimage handles EM_386 (3) and EM_X86_64 (62): check the toolchain's target"
        case .classMachineMismatch(let path, let elfClass, let machine):
            return "\(path) is \(elfClass) for \(machine); kimage expects ELF32 for i386 and ELF64 for x86-64 (x32 objects are not kernels)"
        case .malformed(let path, let field, let value, let detail):
            return "\(path): \(field) = \(value) \(detail); the file is damaged or not written by a linker: rebuild it"
        case .noSymbolTable(let path):
            return "\(path) has no symbol table (.symtab or .dynsym): the symbol table was stripped; redirect needs it: link without -s and do not run strip on the kernel"
        case .libelf(let path, let call, let message):
            return "\(path): libelf \(call) failed: \(message)"
        case .patchOutsideFile(let path, let offset, let length, let size):
            return "\(path): a patch of \(length) bytes at file offset \(hex(offset)) ends past the end of the file (\(size) bytes); nothing was written: this is a kimage bug, please report it with the kernel"
        case .overlappingPatches(let path, let offset, let previousEnd):
            return "\(path): a patch at file offset \(hex(offset)) overlaps the previous one, which ends at \(hex(previousEnd)); nothing was written: two redirects share bytes of the kernel, check for duplicate or overlapping sources"
        }
    }
}
