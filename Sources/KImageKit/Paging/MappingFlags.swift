/// What a mapping allows. Pages are always readable on x86; `r` is accepted and implied.
package struct MappingFlags: Sendable, Equatable, Hashable, CustomStringConvertible {
    package var writable: Bool
    package var executable: Bool
    package var user: Bool
    package var global: Bool
    package var cache: CacheMode

    package init(writable: Bool = true, executable: Bool = true, user: Bool = false,
                global: Bool = false, cache: CacheMode = .writeBack) {
        self.writable = writable
        self.executable = executable
        self.user = user
        self.global = global
        self.cache = cache
    }

    /// rwx, supervisor, not global, write-back: the default when a mapping names no flags.
    package static let `default` = MappingFlags()

    /// Parses `r`, `rw`, `rx`, `rwx` (in that order) followed by any of `u` (user), `g` (global)
    /// and one cache mode `uc` (or `c`), `wt`, `wb`; commas are allowed between parts (`rw,uc`).
    package init(parsing text: String) throws {
        // Commas separate parts; `-` is allowed for readelf-style `r-x`, `rw-`.
        let chars = Array(text.lowercased().filter { $0 != "," && $0 != " " && $0 != "-" })
        func fail(_ why: String) -> PagingError { .invalidFlags(text: text, detail: why) }
        guard !chars.isEmpty else { throw fail("it is empty") }
        var i = 0
        var w = false, x = false, u = false, g = false
        var cache: CacheMode? = nil
        if i < chars.count, chars[i] == "r" { i += 1 }
        // `wt` is a cache mode, so `w` means writable only when not followed by `t`.
        if i < chars.count, chars[i] == "w", !(i + 1 < chars.count && chars[i + 1] == "t") {
            w = true; i += 1
        }
        if i < chars.count, chars[i] == "x" { x = true; i += 1 }
        while i < chars.count {
            let rest = String(chars[i...])
            func setCache(_ c: CacheMode, _ len: Int) throws {
                if let cache, cache != c { throw fail("it names two cache modes (\(cache.rawValue) and \(c.rawValue))") }
                cache = c; i += len
            }
            if rest.hasPrefix("uc") { try setCache(.uncached, 2) }
            else if rest.hasPrefix("wt") { try setCache(.writeThrough, 2) }
            else if rest.hasPrefix("wb") { try setCache(.writeBack, 2) }
            else if rest.hasPrefix("c") { try setCache(.uncached, 1) }
            else if rest.hasPrefix("u") { u = true; i += 1 }
            else if rest.hasPrefix("g") { g = true; i += 1 }
            else if rest.hasPrefix("r") || rest.hasPrefix("w") || rest.hasPrefix("x") {
                throw fail("`\(chars[i])` is out of place: rights come first, in the order r, w, x (e.g. rwx, rx, rw)")
            } else {
                throw fail("`\(chars[i])` is not a flag")
            }
        }
        self.init(writable: w, executable: x, user: u, global: g, cache: cache ?? .writeBack)
    }

    /// The spelling `init(parsing:)` reads back: `rwx`, `r`, `rw`, plus `u`, `g`, `,uc`/`,wt`.
    package var spec: String {
        var s = "r" + (writable ? "w" : "") + (executable ? "x" : "")
        if user { s += "u" }
        if global { s += "g" }
        if cache != .writeBack { s += "," + cache.rawValue }
        return s
    }

    /// `rwx`, `r-x`, `rw-` plus ` user`, ` global`, ` uc`/` wt`: the summary's flags column.
    package var description: String {
        var s = "r" + (writable ? "w" : "-") + (executable ? "x" : "-")
        if user { s += " user" }
        if global { s += " global" }
        if cache != .writeBack { s += " " + cache.rawValue }
        return s
    }

    /// The flags as the CPU will enforce them in `mode`: mode 32 cannot forbid execution.
    package func effective(in mode: PagingMode) -> MappingFlags {
        var f = self
        if !mode.hasNoExecute { f.executable = true }
        return f
    }
}
