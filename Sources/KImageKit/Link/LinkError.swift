/// Failures of `kimage link`; each names the step that failed and carries that step's own output.
package enum LinkError: KImageError, Equatable {
    case missingInput(kind: String, path: String)
    case nothingToLink
    case toolMissing(step: String, tool: String)
    case stepFailed(step: String, command: String, status: Int32, output: String)
    case redirectFailed(command: String, message: String)
    case noOutputDirectory(path: String, reason: String)

    package var description: String {
        switch self {
        case .missingInput(let kind, let path):
            return "\(kind) \(path) does not exist; expected every input of kimage link to be there before it runs: build it first (or fix the path)"
        case .nothingToLink:
            return "nothing to link: no object and no --go package given; expected at least one OBJECT or --go PKG"
        case .toolMissing(let step, let tool):
            return "step \(step): \(tool) is not on PATH; install it (scripts/bootstrap installs golang-go and binutils)"
        case .stepFailed(let step, let command, let status, let output):
            let text = output.hasSuffix("\n") || output.isEmpty ? output : output + "\n"
            return "step \(step) failed (exit status \(status)); no output written\n  command: \(command)\n" + text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { "  | " + $0 }.joined(separator: "\n")
        case .redirectFailed(let command, let message):
            return "step redirect failed; no output written\n  command: \(command)\n  | " + message.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n  | ")
        case .noOutputDirectory(let path, let reason):
            return "cannot make a temporary directory beside \(path): \(reason); expected the output's directory to exist and be writable"
        }
    }
}
