/// The GOOS/GOARCH a Go tree is built for: decides which files the Go toolchain compiles,
/// from file-name suffixes (`_linux.go`, `_amd64.go`) and `//go:build` lines.
package struct GoTarget: Sendable, Equatable {
    package let goos: String
    package let goarch: String

    /// The Go toolchain's lists (go/build's syslist); a suffix naming one of these constrains a file.
    package static let knownOS: Set<String> = [
        "aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js", "linux",
        "nacl", "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows", "zos",
    ]
    package static let knownArch: Set<String> = [
        "386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "loong64", "mips", "mipsle",
        "mips64", "mips64le", "mips64p32", "mips64p32le", "ppc", "ppc64", "ppc64le", "riscv",
        "riscv64", "s390", "s390x", "sparc", "sparc64", "wasm",
    ]
    static let unixOS: Set<String> = [
        "aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "linux",
        "netbsd", "openbsd", "solaris",
    ]

    package static let linuxAMD64 = GoTarget(uncheckedGOOS: "linux", goarch: "amd64")

    package init(goos: String = "linux", goarch: String = "amd64") throws {
        guard Self.knownOS.contains(goos) else { throw RedirectError.unknownGOOS(goos) }
        guard Self.knownArch.contains(goarch) else { throw RedirectError.unknownGOARCH(goarch) }
        self.init(uncheckedGOOS: goos, goarch: goarch)
    }

    init(uncheckedGOOS goos: String, goarch: String) {
        self.goos = goos
        self.goarch = goarch
    }

    /// Whether a build tag holds, as the gc toolchain with cgo disabled sees it (a kernel has no
    /// libc): GOOS, GOARCH, `unix`, `gc`, every `go1.N` release tag; android also satisfies
    /// linux, illumos solaris, ios darwin.
    package func satisfies(tag: String) -> Bool {
        if tag == goos || tag == goarch || tag == "gc" { return true }
        if tag == "unix" { return Self.unixOS.contains(goos) }
        if tag == "linux" && goos == "android" { return true }
        if tag == "solaris" && goos == "illumos" { return true }
        if tag == "darwin" && goos == "ios" { return true }
        if tag.hasPrefix("go1."), let minor = Int(tag.dropFirst(4)), minor >= 1 { return true }
        return false
    }

    /// Whether the file name's `_GOOS`, `_GOARCH` or `_GOOS_GOARCH` suffix admits this target
    /// (go/build's goodOSArchFile: the part before the first `_` never counts, so `linux.go`
    /// is unconstrained).
    package func admits(fileName: String) -> Bool {
        var name = Substring(fileName)
        if let dot = name.firstIndex(of: ".") { name = name[..<dot] }
        guard let underscore = name.firstIndex(of: "_") else { return true }
        let parts = name[underscore...].split(separator: "_", omittingEmptySubsequences: false).map(String.init)
        let n = parts.count
        if n >= 2 && Self.knownOS.contains(parts[n - 2]) && Self.knownArch.contains(parts[n - 1]) {
            return satisfies(tag: parts[n - 2]) && satisfies(tag: parts[n - 1])
        }
        if Self.knownOS.contains(parts[n - 1]) || Self.knownArch.contains(parts[n - 1]) {
            return satisfies(tag: parts[n - 1])
        }
        return true
    }
}
