import Foundation

/// Reads the VGA text screen (0xB8000, 80x25, a character byte and an attribute byte per cell) of a
/// QEMU guest that writes to the screen and not to COM1, the way a game kernel does: QEMU runs with
/// its monitor on stdin, and the monitor's pmemsave dumps the screen once a second until `until`
/// holds for the text or `timeout` passes.
public enum VGAText {
    public struct Screen: Sendable {
        /// 25 rows of 80 characters; bytes outside printable ASCII read as spaces.
        public let rows: [String]
        public var text: String { rows.joined(separator: "\n") }
        /// QEMU exited before the screen could be read (e.g. the guest reset with -no-reboot).
        public let qemuExited: Bool
    }

    public static func screen(arguments: [String], dir: TemporaryDirectory, timeout: TimeInterval = 30,
                              system: String = "qemu-system-x86_64", until: (Screen) -> Bool) throws -> Screen {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try requireTool(system))
        process.arguments = arguments + ["-monitor", "stdio", "-serial", "none", "-display", "none", "-no-reboot"]
        let monitor = Pipe()
        process.standardInput = monitor
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
        let dump = dir.file("vga-\(UUID().uuidString).bin")
        let deadline = Date().addingTimeInterval(timeout)
        var last = Screen(rows: [], qemuExited: false)
        while Date() < deadline {
            Thread.sleep(forTimeInterval: 1)
            guard process.isRunning else { return Screen(rows: last.rows, qemuExited: true) }
            try? FileManager.default.removeItem(atPath: dump)
            monitor.fileHandleForWriting.write(Data("pmemsave 0xb8000 4000 \"\(dump)\"\n".utf8))
            for _ in 0..<20 where !FileManager.default.fileExists(atPath: dump) { Thread.sleep(forTimeInterval: 0.1) }
            Thread.sleep(forTimeInterval: 0.1)  // pmemsave writes the whole dump before the next command
            guard let bytes = FileManager.default.contents(atPath: dump).map(Array.init), bytes.count == 4000 else { continue }
            last = Screen(rows: (0..<25).map { row in
                String((0..<80).map { col -> Character in
                    let b = bytes[(row * 80 + col) * 2]
                    return (0x20..<0x7F).contains(b) ? Character(UnicodeScalar(b)) : " "
                })
            }, qemuExited: false)
            if until(last) { break }
        }
        monitor.fileHandleForWriting.write(Data("quit\n".utf8))
        return last
    }
}
