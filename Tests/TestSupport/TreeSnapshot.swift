import Foundation

/// Every name under a directory with its type and bytes (links by their target), to prove a run
/// changed nothing there: inputs unchanged, nothing written outside the outputs.
public struct TreeSnapshot: Equatable, CustomStringConvertible {
    public let entries: [String: String]

    public init(_ root: String) {
        var entries: [String: String] = [:]
        func visit(_ path: String, _ shown: String) {
            var st = stat()
            guard lstat(path, &st) == 0 else { return }
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                entries[shown + "/"] = "dir \(String(st.st_mode & 0o7777, radix: 8))"
                for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
                    visit(path + "/" + name, shown.isEmpty ? name : shown + "/" + name)
                }
            case S_IFLNK:
                entries[shown] = "link -> " + ((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?")
            case S_IFREG:
                let data = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
                entries[shown] = "file \(String(st.st_mode & 0o7777, radix: 8)) \(data.count) bytes \(data.hashValue)"
            default:
                entries[shown] = "special \(String(st.st_mode, radix: 8))"
            }
        }
        visit(root, "")
        self.entries = entries
    }

    public var description: String {
        entries.keys.sorted().map { "\($0): \(entries[$0]!)" }.joined(separator: "\n")
    }
}
