/// Failures reading or writing files.
package enum FileError: KImageError, Equatable {
    case cannotOpen(path: String, reason: String)
    case cannotRead(path: String, reason: String)
    case isDirectory(path: String)
    case empty(path: String)
    case changedWhileReading(path: String)
    case changedSinceRead(path: String, detail: String)
    case cannotCreateTemporary(directory: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case cannotReplace(path: String, reason: String)
    case notRegularFile(path: String, kind: String)
    case noReader(path: String)
    case danglingLink(path: String, target: String)
    case sameFile(option: String, path: String, otherRole: String, otherOption: String, otherPath: String)
    case standardOutput(reason: String)
    case notInMakeRule(path: String)
    case cannotRun(path: String, reason: String)

    package var description: String {
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
        case .changedSinceRead(let path, let detail):
            return "\(path) changed after kimage read and checked it (\(detail)); another process is writing it: rerun once the build step that writes it has finished; nothing was changed"
        case .cannotCreateTemporary(let directory, let reason):
            return "cannot create a temporary file in \(directory): \(reason); kimage writes beside the target and renames, so the directory must be writable; nothing was changed"
        case .cannotWrite(let path, let reason):
            return "cannot write \(path): \(reason); nothing was changed"
        case .cannotReplace(let path, let reason):
            return "cannot replace \(path): \(reason); nothing was changed"
        case .notRegularFile(let path, let kind):
            return "\(path) is \(kind); expected a regular file: name the file itself (kimage reads its inputs whole and never waits on a pipe or device)"
        case .noReader(let path):
            return "\(path) is a FIFO that no process is reading; expected a reader at the other end (start it first) or a regular file; nothing was written"
        case .danglingLink(let path, let target):
            return "\(path) is a symbolic link to \(target), which does not exist; expected a file or a link to one: create the target's directory and file, or remove the link; nothing was written"
        case .sameFile(let option, let path, let otherRole, let otherOption, let otherPath):
            return "\(option) \(path) is \(otherRole) (\(otherOption) \(otherPath)); expected a different file: name another output; nothing was written"
        case .notInMakeRule(let path):
            return "\(path) holds a newline or another control character, which a make rule cannot express; expected a file name make can read: rename the file; nothing was written"
        case .cannotRun(let path, let reason):
            return "cannot run \(path): \(reason); expected a program kimage can start: check that it is installed and executable"
        case .standardOutput(let reason):
            return "cannot write to standard output: \(reason); the output is incomplete"
        }
    }
}
