/// Failures of `kimage inspect`.
package enum InspectError: KImageError, Equatable {
    /// Neither ELF nor boot image, and --mode/--base missing to read it as a page-table blob.
    case needsModeAndBase(path: String, missing: [String], firstBytes: String)
    /// --mode/--base given for a file that is not a page-table blob.
    case pagingOptionsForNonBlob(path: String, kind: String)
    /// A boot image whose setup_sects puts the protected-mode part past the end of the file is
    /// inspected with warnings; this is only for a header the file cannot hold at all.
    case bootImageTooShort(path: String, size: Int, needed: Int)

    package var description: String {
        switch self {
        case .needsModeAndBase(let path, let missing, let firstBytes):
            return "\(path) is neither an ELF (it starts with \(firstBytes), not 7f 45 4c 46) nor a boot image (no 55 aa at 0x1fe and \"HdrS\" at 0x202), so kimage reads it as a page-table blob, which needs \(missing.joined(separator: " and ")): give --mode 32|pae|4level|5level and --base PHYS, the physical address the tables were built for (e.g. kimage inspect tables.bin --mode 4level --base 0x100000)"
        case .pagingOptionsForNonBlob(let path, let kind):
            return "\(path) is \(kind); --mode and --base only apply to page-table blobs: drop them"
        case .bootImageTooShort(let path, let size, let needed):
            return "\(path) is \(size) bytes, too short for the boot-protocol header it announces (\"HdrS\" at 0x202; the header runs to \(hex(needed))); expected a whole boot image: the file is truncated, rebuild or copy it again"
        }
    }
}
