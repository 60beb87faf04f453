/// A structure's fields listed from its layout declaration with the values found in memory:
/// inspect's view of the boot info (as the load plan leaves it) and of its UEFI extension. A
/// field added to the declaration appears here with no other edit.
package struct LayoutListing: Sendable, Equatable {
    package struct Row: Sendable, Equatable {
        package let field: LayoutField
        /// nil for what is written at boot (by `field.writer`) or is not a scalar.
        package let value: UInt64?
    }

    package let title: String
    package let rows: [Row]

    package init<Model>(title: String, layout: BinaryLayout<Model>, raw: UnsafeRawBufferPointer) {
        self.title = title
        rows = layout.entries.map { entry in
            if case .runtime = entry.access { return Row(field: entry.field, value: nil) }
            return Row(field: entry.field, value: entry.field.load(from: raw))
        }
    }

    package func text() -> String {
        var out = title + "\n  offset  field                 value               meaning\n"
        for row in rows {
            let f = row.field
            let value: String
            if let v = row.value {
                value = hex(v, digits: f.width * 2)
            } else if f.count != 1 || f.cType != nil {
                value = f.count == 0 ? "\(f.width)-byte elements" : "\(f.count) x \(f.width) B"
            } else {
                value = "(\(f.writer))"
            }
            let line = "  " + padded(hex(f.offset, digits: 3), 8) + padded(f.name, 21) + " " + padded(value, 19) + " " + f.meaning
            out += String(line.reversed().drop { $0 == " " }.reversed()) + "\n"
        }
        return out
    }

    package func json() -> JSONValue {
        .array(rows.map { row in
            .row([("offset", .address(UInt64(row.field.offset))), ("field", .string(row.field.name)),
                  ("width", .int(row.field.width)), ("count", .int(row.field.count)),
                  ("value", row.value.map { .address($0) } ?? .null), ("writer", .string(row.field.writer))])
        })
    }
}
