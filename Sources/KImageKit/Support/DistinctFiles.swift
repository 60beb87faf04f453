#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A path as the user typed it, with the option that named it and what it is to the run
/// ("-o", "the kernel"), for messages like "-o k.elf is the kernel (--kernel k.elf)".
package struct NamedPath: Sendable, Equatable {
    package var option: String
    package var role: String
    package var path: String
    /// What the option's value was, when the file is one found under it (a Go tree's file).
    package var optionValue: String

    package init(_ option: String, _ role: String, _ path: String, optionValue: String? = nil) {
        self.option = option
        self.role = role
        self.path = path
        self.optionValue = optionValue ?? path
    }
}

/// Refuses a run whose output is one of its inputs (or another of its outputs) before anything
/// is written: `pack -o kernel.elf` would otherwise replace the kernel with an image and exit 0.
/// Files are compared by device and inode after following links, so a symbolic or hard link to
/// an input is caught too; an output that does not exist yet is compared by its resolved path.
package enum DistinctFiles {
    /// The configuration files this process read (kimage.toml or --config FILE): an input of
    /// every command, though no option of the command names it.
    private static let configurations = Mutex<[String]>([])

    /// Called when a configuration file is loaded.
    package static func noteConfiguration(_ path: String) {
        configurations.withLock { $0.append(path) }
    }

    package static func check(outputs: [NamedPath], inputs: [NamedPath]) throws {
        let inputs = inputs + configurations.withLock { $0 }.map { NamedPath("--config", "the configuration", $0) }
        let inputIDs = inputs.map { (named: $0, id: identity(of: $0.path)) }
        var seenOutputs: [(named: NamedPath, id: Identity?)] = []
        for output in outputs {
            let id = identity(of: output.path)
            if let id {
                if let input = inputIDs.first(where: { $0.id == id }) {
                    throw FileError.sameFile(option: output.option, path: output.path, otherRole: input.named.role,
                                             otherOption: input.named.option, otherPath: input.named.optionValue)
                }
                if let other = seenOutputs.first(where: { $0.id == id }) {
                    throw FileError.sameFile(option: output.option, path: output.path, otherRole: other.named.role,
                                             otherOption: other.named.option, otherPath: other.named.optionValue)
                }
            }
            seenOutputs.append((output, id))
        }
    }

    enum Identity: Equatable {
        case file(dev: UInt64, ino: UInt64)
        /// Not there yet: where it will be, its directory resolved.
        case future(String)
    }

    static func identity(of path: String) -> Identity? {
        var st = stat()
        // `-o -`: what standard output is (`>> k.elf` makes it the kernel).
        if path == OutputFile.standardOutput {
            guard fstat(1, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
            return .file(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))
        }
        if stat(path, &st) == 0 {
            // Devices and FIFOs (-o /dev/null twice) are written, never replaced: no input is lost.
            guard (st.st_mode & S_IFMT) == S_IFREG else { return nil }
            return .file(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))
        }
        let (directory, base) = OutputFile.split(path)
        guard let resolved = realpath(directory, nil) else { return nil }
        defer { free(resolved) }
        return .future(String(cString: resolved) + "/" + base)
    }
}
