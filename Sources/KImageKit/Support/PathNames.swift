/// A path's directory and last component, as text (no file system access), the way
/// NSString's deletingLastPathComponent and lastPathComponent give them: kimage links no Foundation
/// beyond FoundationEssentials, which has neither.
package enum PathNames {
    /// `a/b/c` → `a/b`; `/a` → `/`; `c` → `` (the caller reads that as the current directory).
    package static func directory(of path: String) -> String {
        let trimmed = withoutTrailingSlashes(path)
        if trimmed == "/" { return "/" }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        let head = withoutTrailingSlashes(String(trimmed[..<slash]))
        return head.isEmpty ? "/" : head
    }

    /// `a/b/c` → `c`; `a/b/` → `b`; `/` → `/`.
    package static func lastComponent(of path: String) -> String {
        let trimmed = withoutTrailingSlashes(path)
        if trimmed == "/" { return "/" }
        return trimmed.lastIndex(of: "/").map { String(trimmed[trimmed.index(after: $0)...]) } ?? trimmed
    }

    private static func withoutTrailingSlashes(_ path: String) -> String {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
        return String(p)
    }
}
