/// Failures reading or writing files.
public enum FileError: Error, CustomStringConvertible, Sendable, Equatable {
    case cannotOpen(path: String, reason: String)
    case cannotRead(path: String, reason: String)
    case isDirectory(path: String)
    case empty(path: String)
    case changedWhileReading(path: String)
    case cannotCreateTemporary(directory: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case cannotReplace(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open \(path): \(reason)"
        case .cannotRead(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .isDirectory(let path):
            return "\(path) is a directory; expected a file"
        case .empty(let path):
            return "\(path) is empty (0 bytes); expected a file produced by the build: rerun the step that writes it"
        case .changedWhileReading(let path):
            return "\(path) changed size while kimage read it; another process is writing it: rerun once the build step that writes it has finished"
        case .cannotCreateTemporary(let directory, let reason):
            return "cannot create a temporary file in \(directory): \(reason); kimage writes beside the target and renames, so the directory must be writable"
        case .cannotWrite(let path, let reason):
            return "cannot write \(path): \(reason); nothing was changed"
        case .cannotReplace(let path, let reason):
            return "cannot replace \(path): \(reason); nothing was changed"
        }
    }
}
