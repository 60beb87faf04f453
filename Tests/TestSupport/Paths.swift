import Foundation

/// Where the package and its built binary are.
public enum Paths {
    /// The package root, found from this file's place in Tests/TestSupport/.
    public static let packageRoot: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }()

    public static var templates: String { packageRoot + "/templates" }

    /// The kimage binary the end-to-end tests run: $KIMAGE_BIN, else .build/debug/kimage.
    public static var kimage: String {
        if let env = ProcessInfo.processInfo.environment["KIMAGE_BIN"], !env.isEmpty { return env }
        return packageRoot + "/.build/debug/kimage"
    }
}

/// A scratch directory removed when the value goes away.
public final class TemporaryDirectory: @unchecked Sendable {
    public let path: String

    public init(_ label: String = "kimage-test") throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    /// Takes over a directory made elsewhere (another file system: /dev/shm); removed the same way.
    public init(adopting path: String) {
        self.path = path
    }

    public func file(_ name: String) -> String { path + "/" + name }

    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        let p = file(name)
        try FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: p, atomically: false, encoding: .utf8)
        return p
    }

    /// Names of everything in the directory (to prove no temporary was left behind).
    public func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs the built kimage binary.
@discardableResult
public func kimage(_ arguments: [String], cwd: String? = nil, timeout: TimeInterval = 120) throws -> CommandResult {
    guard FileManager.default.isExecutableFile(atPath: Paths.kimage) else {
        throw TestSetupError("no kimage binary at \(Paths.kimage): run `swift build` first (make test does), or set KIMAGE_BIN")
    }
    return try run(Paths.kimage, arguments, cwd: cwd, timeout: timeout)
}

/// A file's bytes, to prove an input was left untouched.
public func contentsOf(_ path: String) throws -> [UInt8] {
    try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
}
