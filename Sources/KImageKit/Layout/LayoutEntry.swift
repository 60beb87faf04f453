/// A field together with how it maps to a Swift value of type `Model`: a stored property, a
/// constant the format fixes (a magic), a value derived from others, or a field only the boot
/// stub fills at run time (written as zero, not read back).
package struct LayoutEntry<Model>: Sendable {
    package enum Access: Sendable {
        /// Written from the model and read back into it; `set` returns false for a value the
        /// model cannot hold (an unknown enum case), which makes decoding fail.
        case value(get: @Sendable (Model) -> UInt64, set: @Sendable (inout Model, UInt64) -> Bool)
        /// Always this value; decoding fails on another when `checked`.
        case constant(UInt64, checked: Bool)
        /// Not kimage's to write: zero in what kimage writes, ignored when read.
        case runtime
    }

    package let field: LayoutField
    package let access: Access
    /// The stored property it carries, so code can name a field by `\.syssize` instead of by an
    /// offset or a string.
    package let keyPath: (AnyKeyPath & Sendable)?

    package init(_ field: LayoutField, _ access: Access, keyPath: (AnyKeyPath & Sendable)? = nil) {
        self.field = field
        self.access = access
        self.keyPath = keyPath
    }

    /// An integer stored property.
    package static func field<V: FixedWidthInteger & Sendable>(
        _ name: String, at offset: Int, _ path: WritableKeyPath<Model, V> & Sendable, since: Int = 0,
        writer: String = "", _ meaning: String
    ) -> LayoutEntry {
        LayoutEntry(LayoutField(name: name, offset: offset, width: V.bitWidth / 8, since: since, meaning: meaning, writer: writer),
                    .value(get: { UInt64(truncatingIfNeeded: $0[keyPath: path]) },
                           set: { m, v in m[keyPath: path] = V(truncatingIfNeeded: v); return true }), keyPath: path)
    }

    /// A UInt64 property stored in a narrower field (an ELF32 address, a u16 count): written
    /// truncated, read back zero-extended.
    package static func field(
        _ name: String, at offset: Int, width: Int, _ path: WritableKeyPath<Model, UInt64> & Sendable, since: Int = 0,
        writer: String = "", _ meaning: String
    ) -> LayoutEntry {
        LayoutEntry(LayoutField(name: name, offset: offset, width: width, since: since, meaning: meaning, writer: writer),
                    .value(get: { $0[keyPath: path] }, set: { m, v in m[keyPath: path] = v; return true }), keyPath: path)
    }

    /// An enum stored property with an integer raw value; an unknown raw value fails decoding.
    package static func field<V: RawRepresentable & Sendable>(
        _ name: String, at offset: Int, _ path: WritableKeyPath<Model, V> & Sendable, since: Int = 0,
        writer: String = "", _ meaning: String
    ) -> LayoutEntry where V.RawValue: FixedWidthInteger {
        LayoutEntry(LayoutField(name: name, offset: offset, width: V.RawValue.bitWidth / 8, since: since, meaning: meaning, writer: writer),
                    .value(get: { UInt64(truncatingIfNeeded: $0[keyPath: path].rawValue) },
                           set: { m, v in
                               guard let e = V(rawValue: V.RawValue(truncatingIfNeeded: v)) else { return false }
                               m[keyPath: path] = e
                               return true
                           }), keyPath: path)
    }

    /// A value computed from the model when writing and turned back into it when reading.
    package static func derived(
        _ name: String, at offset: Int, width: Int, since: Int = 0, writer: String = "", _ meaning: String,
        get: @escaping @Sendable (Model) -> UInt64, set: @escaping @Sendable (inout Model, UInt64) -> Bool = { _, _ in true }
    ) -> LayoutEntry {
        LayoutEntry(LayoutField(name: name, offset: offset, width: width, since: since, meaning: meaning, writer: writer),
                    .value(get: get, set: set))
    }

    package static func constant(
        _ name: String, at offset: Int, width: Int, _ value: UInt64, checked: Bool = true, since: Int = 0,
        writer: String = "", _ meaning: String
    ) -> LayoutEntry {
        LayoutEntry(LayoutField(name: name, offset: offset, width: width, since: since, meaning: meaning, writer: writer),
                    .constant(value, checked: checked))
    }

    package static func runtime(
        _ name: String, at offset: Int, width: Int, count: Int = 1, cType: String? = nil, since: Int = 0,
        writer: String = "", _ meaning: String
    ) -> LayoutEntry {
        LayoutEntry(LayoutField(name: name, offset: offset, width: width, count: count, since: since, meaning: meaning,
                                writer: writer, cType: cType), .runtime)
    }
}
