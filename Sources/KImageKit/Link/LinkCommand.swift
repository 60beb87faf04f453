#if canImport(Glibc)
import Glibc
#endif

/// One external command of `kimage link`: which step it is, what runs, where, with what extra
/// environment. `shellLine` is how `--print-commands` shows it, ready for a Makefile recipe.
package struct LinkCommand: Sendable, Equatable {
    package let step: String
    package let executable: String
    package let arguments: [String]
    package var directory: String?
    package var environment: [String: String] = [:]

    package init(step: String, _ executable: String, _ arguments: [String], directory: String? = nil, environment: [String: String] = [:]) {
        self.step = step
        self.executable = executable
        self.arguments = arguments
        self.directory = directory
        self.environment = environment
    }

    package var shellLine: String {
        var words: [String] = []
        if let directory { words += ["cd", Self.quote(directory), "&&"] }
        words += environment.keys.sorted().map { "\($0)=\(Self.quote(environment[$0]!))" }
        words += ([executable] + arguments).map(Self.quote)
        return words.joined(separator: " ")
    }

    /// Single-quotes a word unless it is plainly safe in sh.
    package static func quote(_ word: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./=:,+-@%")
        if !word.isEmpty && word.allSatisfy({ safe.contains($0) }) { return word }
        return "'" + word.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }

    /// Runs the command; stdout and stderr together, as a user would have seen them.
    func run() throws -> (status: Int32, output: String) {
        guard let path = ExternalTool.find(executable) else { throw LinkError.toolMissing(step: step, tool: executable) }
        return try ExternalTool.run(path, arguments, directory: directory, environment: environment)
    }
}
