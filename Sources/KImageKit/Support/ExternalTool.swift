#if canImport(Glibc)
import Glibc
#endif

/// Another program kimage runs (ld, go, objcopy for link; mtools for esp): found on PATH, run with
/// no standard input, its standard output and error captured together, as a user would see them.
/// posix_spawn, not Foundation's Process: kimage links FoundationEssentials only (startup time).
enum ExternalTool {
    /// The tool's path: `name` itself when it has a slash, else the first executable on PATH.
    static func find(_ name: String) -> String? {
        if name.contains("/") { return name }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { candidate in
            var st = stat()
            return stat(candidate, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG && access(candidate, X_OK) == 0
        }
    }

    // glibc's pipe2 and posix_spawn_file_actions_addchdir_np (2.29+), looked up at run time:
    // Swift's Glibc module leaves GNU extensions out. RTLD_DEFAULT is the null handle.
    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, UnsafePointer<CChar>?) -> Int32
    private static let pipe2: Pipe2? = dlsym(nil, "pipe2").map { unsafeBitCast($0, to: Pipe2.self) }
    private static let addChdir: AddChdir? = dlsym(nil, "posix_spawn_file_actions_addchdir_np").map { unsafeBitCast($0, to: AddChdir.self) }

    /// Runs `path`; `environment` is added to kimage's own.
    static func run(_ path: String, _ arguments: [String], directory: String? = nil,
                    environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        var pipeEnds: [Int32] = [-1, -1]
        // Close-on-exec from the start (pipe2): only the duplicates on 1 and 2 reach the tool,
        // and no tool another thread starts meanwhile holds the pipe open.
        guard let pipe2 = Self.pipe2, pipe2(&pipeEnds, O_CLOEXEC) == 0 else {
            throw FileError.cannotRun(path: path, reason: Self.pipe2 == nil ? "the C library has no pipe2" : errnoString())
        }
        defer { if pipeEnds[0] >= 0 { close(pipeEnds[0]) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2)
        if let directory {
            guard let addChdir = Self.addChdir else {
                close(pipeEnds[1])
                throw FileError.cannotRun(path: path, reason: "the C library has no posix_spawn_file_actions_addchdir_np (glibc 2.29 or later has)")
            }
            _ = addChdir(&actions, directory)
        }

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = Self.environment(adding: environment).map { strdup($0) } + [nil]
        defer { for p in argv + envp { free(p) } }

        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, envp)
        close(pipeEnds[1])
        guard spawned == 0 else { throw FileError.cannotRun(path: path, reason: errnoString(spawned)) }

        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(pipeEnds[0], $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            output += buffer[0..<n]
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // As Process reported it: the exit code, or the signal that ended the tool.
        let code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : status & 0x7F
        return (code, String(decoding: output, as: UTF8.self))
    }

    /// kimage's own environment as `NAME=value` entries, in its order, with `added` set over it.
    private static func environment(adding added: [String: String]) -> [String] {
        var values: [String: String] = [:]
        var order: [String] = []
        var at = environ
        while let entry = at.pointee {
            let text = String(cString: entry)
            let key = String(text.prefix { $0 != "=" })
            if values[key] == nil { order.append(key) }
            values[key] = String(text.dropFirst(key.count + 1))
            at += 1
        }
        for (key, value) in added.sorted(by: { $0.key < $1.key }) {
            if values[key] == nil { order.append(key) }
            values[key] = value
        }
        return order.map { "\($0)=\(values[$0]!)" }
    }
}
