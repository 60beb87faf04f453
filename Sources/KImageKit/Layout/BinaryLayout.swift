/// The one declaration of a binary format: its fields in offset order, each bound to the Swift
/// value that carries it. `encode` and `decode` are driven by it, and the C header and nasm
/// include text are emitted from its `description`, so a field is added in one place.
/// Think of gimli `object`'s single `FileHeader` layout shared by its reader and its writer.
package struct BinaryLayout<Model>: Sendable {
    package let description: LayoutDescription
    package let entries: [LayoutEntry<Model>]

    package init(cName: String, nasmPrefix: String, size: Int, sizeName: String? = nil, doc: String = "",
                _ entries: [LayoutEntry<Model>]) {
        self.entries = entries
        description = LayoutDescription(cName: cName, nasmPrefix: nasmPrefix, size: size, sizeName: sizeName, doc: doc,
                                        fields: entries.map(\.field))
        precondition(description.problems.isEmpty, "layout \(cName): \(description.problems.joined(separator: "; "))")
    }

    package var fields: [LayoutField] { description.fields }
    package var size: Int { description.size }
    /// Bytes up to the end of the last field not written at boot: what a template must carry.
    package var packTimeEnd: Int {
        entries.filter { if case .runtime = $0.access { false } else { true } }.map { $0.field.offset + $0.field.size }.max() ?? 0
    }

    package func field(named name: String) -> LayoutField? { description.field(named: name) }

    /// The field that carries the stored property `path`; it must be declared.
    package subscript(path: AnyKeyPath) -> LayoutField {
        guard let entry = entries.first(where: { $0.keyPath.map { $0 as AnyKeyPath } == path }) else {
            preconditionFailure("\(description.cName) declares no field for \(path)")
        }
        return entry.field
    }

    /// Writes every field of `model` at `base` of `bytes` (which must hold `base + size` bytes);
    /// runtime fields are written as zero.
    package func encode(_ model: Model, into bytes: inout [UInt8], at base: Int = 0) {
        precondition(base >= 0 && bytes.count >= base + size, "room for \(description.cName)")
        for entry in entries where entry.field.count == 1 && entry.field.cType == nil {
            switch entry.access {
            case .value(let get, _): entry.field.store(get(model), into: &bytes, base: base)
            case .constant(let v, _): entry.field.store(v, into: &bytes, base: base)
            case .runtime: entry.field.store(0, into: &bytes, base: base)
            }
        }
    }

    /// The encoded structure alone, `size` bytes.
    package func encode(_ model: Model) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: size)
        encode(model, into: &bytes)
        return bytes
    }

    /// Reads every bound field at `base` of `raw` into `model` (which supplies what the format
    /// does not carry). nil when the structure runs past `raw`, a checked constant differs or a
    /// field holds a value the model cannot take.
    package func decode(_ raw: UnsafeRawBufferPointer, at base: Int = 0, into model: Model) -> Model? {
        guard base >= 0, base <= raw.count, raw.count - base >= size else { return nil }
        var m = model
        for entry in entries {
            switch entry.access {
            case .value(_, let set):
                guard let v = entry.field.load(from: raw, base: base), set(&m, v) else { return nil }
            case .constant(let expected, let checked):
                guard !checked || entry.field.load(from: raw, base: base) == expected else { return nil }
            case .runtime: break
            }
        }
        return m
    }

    package func decode(_ bytes: [UInt8], at base: Int = 0, into model: Model) -> Model? {
        bytes.withUnsafeBytes { decode($0, at: base, into: model) }
    }
}
