/// The templates kimage ships (templates/ at the top of the package, boot/ excluded), embedded in
/// the binary by scripts/gen-templates so that a copied or installed kimage needs no data files.
package enum Templates {
    /// Every embedded template's path under templates/, sorted.
    package static var names: [String] { EmbeddedTemplates.files.keys.sorted() }

    /// The text of `name` (a path under templates/, e.g. "ld/layout.ld").
    package static func text(_ name: String) throws -> String {
        guard let text = EmbeddedTemplates.files[name] else {
            throw ConfigError.missingTemplate(name: name)
        }
        return text
    }

    /// `name` with its placeholders filled in.
    package static func render(_ name: String, values: [String: String]) throws -> String {
        try TemplateRenderer.render(try text(name), name: name, values: values)
    }
}
