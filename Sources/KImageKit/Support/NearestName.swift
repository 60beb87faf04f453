/// "Did you mean": the known name closest to a typo, for subcommands, options and keys.
package enum NearestName {
    /// The name in `names` nearest to `typed` (edit distance at most max(2, a third of its
    /// length)), ties broken by name; nil when none is that close.
    package static func closest(to typed: String, among names: [String]) -> String? {
        let limit = max(2, typed.count / 3)
        let scored = names.compactMap { name in
            editDistance(Array(typed.utf8), Array(name.utf8), limit: limit + 1).flatMap { $0 <= limit ? (name, $0) : nil }
        }
        return scored.min { ($0.1, $0.0) < ($1.1, $1.0) }?.0
    }
}
