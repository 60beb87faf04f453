import Foundation

/// Another program kimage runs (ld, go, objcopy for link; mtools for esp): found on PATH, run with
/// no standard input, its standard output and error captured together, as a user would see them.
enum ExternalTool {
    /// The tool's path: `name` itself when it has a slash, else the first executable on PATH.
    static func find(_ name: String) -> String? {
        if name.contains("/") { return name }
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return dirs.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `path`; `environment` is added to kimage's own.
    static func run(_ path: String, _ arguments: [String], directory: String? = nil,
                    environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
