/// Where a run's redirects come from: Go trees and manifests, as given on the command line.
package struct RedirectSources: Sendable, Equatable {
    package var goTrees: [String]
    package var manifests: [String]
    package var goImportRoot: String?
    package var target: GoTarget

    package init(goTrees: [String] = [], manifests: [String] = [], goImportRoot: String? = nil, target: GoTarget = .linuxAMD64) {
        self.goTrees = goTrees
        self.manifests = manifests
        self.goImportRoot = goImportRoot
        self.target = target
    }

    package var isEmpty: Bool { goTrees.isEmpty && manifests.isEmpty }

    /// The redirects of every source, checked for a src redirected twice.
    package struct Collection: Sendable, Equatable {
        /// In the order found: Go trees first, then manifests, each in argument order.
        package let redirects: [Redirect]
        /// Every file read, in order, each once: the prerequisites of a depfile.
        package let filesRead: [String]

        package var count: Int { redirects.count }

        /// Sorted by source name (byte order): the table's deterministic order.
        package var sortedBySource: [Redirect] {
            redirects.sorted { $0.source.utf8Precedes($1.source) }
        }
    }

    package func collect() throws -> Collection {
        guard !isEmpty else { throw RedirectError.noSources }
        var redirects: [Redirect] = []
        var files: [String] = []
        let scanner = GoAnnotationScanner(target: target, importRoot: goImportRoot)
        // Overlapping trees (`--go src --go src/kernel`) see the same annotation twice: it counts once.
        var annotations = Set<String>()
        var absolute: [String: String] = [:]
        for tree in goTrees {
            let r = try scanner.scan(tree)
            // One tree lists each annotation once: no absolute path to work out per file.
            if goTrees.count == 1 {
                redirects += r.redirects
                files += r.filesRead
                continue
            }
            for redirect in r.redirects {
                let file = redirect.origin.file
                let path = absolute[file] ?? GoImportPathResolver.absolute(file)
                absolute[file] = path
                if annotations.insert("\(path):\(redirect.origin.line):\(redirect.source)").inserted {
                    redirects.append(redirect)
                }
            }
            files += r.filesRead
        }
        for manifest in manifests {
            redirects += try RedirectManifest.read(path: manifest)
            files.append(manifest)
        }
        try Self.checkDuplicates(redirects)
        var seen = Set<String>()
        return Collection(redirects: redirects, filesRead: files.filter { seen.insert($0).inserted })
    }

    /// The files `collection` read, named as the user named them (a manifest, or a file of a Go
    /// tree): no output of the run may be one of them.
    package func namedInputs(_ collection: Collection) -> [NamedPath] {
        collection.filesRead.map { file in
            if manifests.contains(file) { return NamedPath("--manifest", "the manifest", file) }
            let tree = goTrees.first { file == $0 || file.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") } ?? goTrees.first ?? file
            return NamedPath("--go", "\(file), a file of the Go tree", file, optionValue: tree)
        }
    }

    /// The same src twice is an error naming both places, even when both agree on dst.
    package static func checkDuplicates(_ redirects: [Redirect]) throws {
        var first: [String: Redirect] = [:]
        for r in redirects {
            if let earlier = first[r.source] {
                throw RedirectError.duplicateSource(symbol: r.source, first: earlier.origin, firstDestination: earlier.destination,
                                                    second: r.origin, secondDestination: r.destination)
            }
            first[r.source] = r
        }
    }
}
