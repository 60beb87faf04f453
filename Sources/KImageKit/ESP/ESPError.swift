/// Failures writing an EFI system partition image (`kimage esp`).
package enum ESPError: KImageError, Equatable {
    case notEFIApplication(path: String, found: String)
    case badSize(text: String)
    case tooSmall(size: UInt64, imageSize: UInt64)
    case commandLineNotASCII
    case toolMissing(tool: String)
    case toolFailed(command: String, status: Int32, output: String)

    package var description: String {
        switch self {
        case .notEFIApplication(let path, let found):
            return "\(path) is not an x86-64 EFI application: \(found); expected a kimage pack image with its PE32+ header: pack it again without --no-efi"
        case .badSize(let text):
            return "--size \(text) is not a size; expected bytes or a number with K, M or G (32M), from 2M to 2G"
        case .tooSmall(let size, let imageSize):
            return "--size \(size) bytes cannot hold the \(imageSize)-byte image and the FAT; expected at least \(imageSize + 1 << 20) bytes: give a larger --size"
        case .commandLineNotASCII:
            return "--cmdline holds non-ASCII or control characters; expected printable ASCII, which the EFI shell's startup.nsh passes unchanged: drop them"
        case .toolMissing(let tool):
            return "\(tool) was not found on PATH; kimage esp builds the FAT file system with mtools (mformat, mmd, mcopy): install mtools (apt-get install mtools)"
        case .toolFailed(let command, let status, let output):
            return "`\(command)` failed with status \(status): \(output.isEmpty ? "no output" : output); expected it to build the FAT image: check that mtools works and the disk has room"
        }
    }
}
