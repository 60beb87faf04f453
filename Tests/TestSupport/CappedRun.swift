import Foundation

/// One kimage run under a memory and a time cap, as the hostile-input tests make them: the
/// caps turn "unbounded work" into a failed test instead of a stuck or swapping machine.
public struct CappedRun: Sendable {
    public let result: CommandResult
    public let seconds: Double
    public let arguments: [String]

    /// Exit 0, 1 or 64: anything else is a signal (128 + n from the shell) or the cap (timeout's
    /// 137 after SIGKILL).
    public var endedNormally: Bool { [0, 1, 64].contains(result.status) }
    public var hitTimeCap: Bool { result.status == 137 || result.status == 124 }
    /// A failure says what: the first stderr line starts with "kimage: error: ".
    public var failureIsExplained: Bool { result.status == 0 || result.stderr.hasPrefix("kimage: error: ") }

    public var summary: String {
        "kimage \(arguments.map { $0.count > 60 ? String($0.prefix(60)) + "…" : $0 }.joined(separator: " ")): status \(result.status) in \(String(format: "%.2f", seconds)) s\n\(result.stderr.prefix(600))"
    }
}

/// Runs kimage under `ulimit -v` (memory, MiB) and `timeout -s KILL` (seconds) through /bin/sh,
/// which stays the parent so a signal shows as status 128 + n.
public func kimageCapped(_ arguments: [String], cwd: String? = nil, memoryMiB: Int = 1024, seconds: Int = 20,
                         stdin: [UInt8]? = nil) throws -> CappedRun {
    _ = try requireTool("timeout")
    let script = "ulimit -v \(memoryMiB * 1024) || exit 99; timeout -s KILL \(seconds) \"$0\" \"$@\"; exit $?"
    let start = Date()
    let r = try run("/bin/sh", ["-c", script, Paths.kimage] + arguments, cwd: cwd, stdin: stdin, timeout: TimeInterval(seconds + 30))
    if r.status == 99 { throw TestSetupError("`ulimit -v` failed in /bin/sh: the memory cap cannot be set") }
    return CappedRun(result: r, seconds: Date().timeIntervalSince(start), arguments: arguments)
}
