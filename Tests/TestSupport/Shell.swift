import Foundation

/// What a finished process left behind.
public struct CommandResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
    public let stdoutBytes: [UInt8]
    public let timedOut: Bool

    public var succeeded: Bool { status == 0 && !timedOut }
}

/// A failure of the test machinery itself (a missing tool, a fixture that did not build):
/// it fails the test loudly, it never skips it.
public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Runs `executable` (a path, or a name looked up on PATH) with `arguments`.
@discardableResult
public func run(
    _ executable: String,
    _ arguments: [String],
    cwd: String? = nil,
    environment: [String: String]? = nil,
    stdin: [UInt8]? = nil,
    timeout: TimeInterval = 120
) throws -> CommandResult {
    let path = executable.contains("/") ? executable : try requireTool(executable)
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("kimage-run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let outURL = scratch.appendingPathComponent("out"), errURL = scratch.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    if let environment {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let outHandle = try FileHandle(forWritingTo: outURL), errHandle = try FileHandle(forWritingTo: errURL)
    process.standardOutput = outHandle
    process.standardError = errHandle
    if let stdin {
        let inURL = scratch.appendingPathComponent("in")
        _ = FileManager.default.createFile(atPath: inURL.path, contents: Data(stdin))
        process.standardInput = try FileHandle(forReadingFrom: inURL)
    } else {
        process.standardInput = FileHandle.nullDevice
    }
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    var timedOut = false
    while process.isRunning {
        if Date() > deadline {
            timedOut = true
            process.terminate()
            usleep(200_000)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            break
        }
        usleep(5_000)
    }
    process.waitUntilExit()
    try outHandle.close()
    try errHandle.close()
    let out = try [UInt8](Data(contentsOf: outURL))
    let err = try Data(contentsOf: errURL)
    return CommandResult(status: process.terminationStatus,
                         stdout: String(decoding: out, as: UTF8.self),
                         stderr: String(decoding: err, as: UTF8.self),
                         stdoutBytes: out, timedOut: timedOut)
}

/// The full path of a tool the tests need; throws (never skips) when it is missing.
public func requireTool(_ name: String) throws -> String {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    var dirs = path.split(separator: ":").map(String.init)
    dirs.append(contentsOf: ["/usr/sbin", "/sbin", "/usr/bin"])
    for dir in dirs {
        let candidate = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    throw TestSetupError("the tests need `\(name)`, which is not installed: run scripts/bootstrap (make test does)")
}

/// Runs a command that must succeed (fixture builds); throws with its output otherwise.
@discardableResult
public func mustRun(_ executable: String, _ arguments: [String], cwd: String? = nil, timeout: TimeInterval = 120) throws -> CommandResult {
    let r = try run(executable, arguments, cwd: cwd, timeout: timeout)
    guard r.succeeded else {
        throw TestSetupError("`\(executable) \(arguments.joined(separator: " "))` failed (status \(r.status)\(r.timedOut ? ", timed out" : "")):\n\(r.stdout)\(r.stderr)")
    }
    return r
}
