/// A C header or nasm include generated from layout declarations: hand-written prose for the
/// people reading it, then constants and structures taken from the declarations.
/// `make generate` writes every one of `GeneratedIncludes.all`; a test fails when one is stale.
package struct IncludeFile: Sendable {
    package enum Language: Sendable { case c, nasm }

    package enum Section: Sendable {
        /// Prose, one comment line per element ("" for an empty comment line).
        case comment([String])
        /// Text written as it is (with its own newlines).
        case verbatim(String)
        case constants([LayoutConstant])
        case structure(LayoutDescription)
    }

    /// Path from the package root, e.g. "templates/include/kimage/bootinfo.h".
    package let path: String
    package let language: Language
    /// The include guard (C `#ifndef`, nasm `%ifndef`).
    package let guardName: String
    /// Comment lines before the guard: what the file is.
    package let preamble: [String]
    package let sections: [Section]

    package init(path: String, language: Language, guardName: String, preamble: [String], sections: [Section]) {
        self.path = path
        self.language = language
        self.guardName = guardName
        self.preamble = preamble
        self.sections = sections
    }

    package var text: String {
        switch language {
        case .c: return LayoutEmitter.c(self)
        case .nasm: return LayoutEmitter.nasm(self)
        }
    }
}
