/// A JSON document built in a fixed key order, so `inspect --json` prints the same bytes for the
/// same input and keys appear in the order the README documents.
package indirect enum JSONValue: Sendable, Equatable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])
    /// An object always written on one line, however long: a row of a listing (one redirect,
    /// one mapping), so a list of them reads as a table.
    case row([(String, JSONValue)])

    package static func == (a: JSONValue, b: JSONValue) -> Bool {
        a.rendered() == b.rendered()
    }

    /// Addresses and sizes are hex strings: JSON numbers lose 64-bit precision in most readers.
    package static func address(_ value: UInt64) -> JSONValue { .string(hex(value)) }
    package static func optional(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }

    /// Pretty-printed with two-space indentation; arrays of scalars and short objects of scalars
    /// stay on one line.
    package func rendered(indent: Int = 0) -> String {
        var out = ""
        render(into: &out, indent: indent)
        return out
    }

    /// Appends to one string: nested joins copied every byte once per level, which made the
    /// JSON of 262,144 table runs take seconds (issue 12).
    func render(into out: inout String, indent: Int) {
        switch self {
        case .string(let s): Self.quote(s, into: &out)
        case .int(let i): out += String(i)
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            if items.allSatisfy(\.isScalar) {
                out += "["
                for (k, item) in items.enumerated() {
                    if k > 0 { out += ", " }
                    item.render(into: &out, indent: 0)
                }
                out += "]"
                return
            }
            out += "[\n"
            for (k, item) in items.enumerated() {
                if k > 0 { out += ",\n" }
                Self.pad(&out, indent + 2)
                item.render(into: &out, indent: indent + 2)
            }
            out += "\n"
            Self.pad(&out, indent)
            out += "]"
        case .row:
            renderOnOneLine(into: &out)
        case .object(let pairs):
            if pairs.isEmpty { out += "{}"; return }
            // Small all-scalar objects (flags, a layout part) stay on one line.
            if pairs.allSatisfy({ $0.1.isScalar }) {
                var inline = ""
                renderOnOneLine(into: &inline)
                if inline.count <= 80 { out += inline; return }
            }
            out += "{\n"
            for (k, pair) in pairs.enumerated() {
                if k > 0 { out += ",\n" }
                Self.pad(&out, indent + 2)
                Self.quote(pair.0, into: &out)
                out += ": "
                pair.1.render(into: &out, indent: indent + 2)
            }
            out += "\n"
            Self.pad(&out, indent)
            out += "}"
        }
    }

    private static func pad(_ out: inout String, _ n: Int) {
        for _ in 0..<n { out += " " }
    }

    func renderedOnOneLine() -> String {
        var out = ""
        renderOnOneLine(into: &out)
        return out
    }

    func renderOnOneLine(into out: inout String) {
        switch self {
        case .array(let items):
            out += "["
            for (k, item) in items.enumerated() {
                if k > 0 { out += ", " }
                item.renderOnOneLine(into: &out)
            }
            out += "]"
        case .object(let pairs), .row(let pairs):
            out += "{"
            for (k, pair) in pairs.enumerated() {
                if k > 0 { out += ", " }
                Self.quote(pair.0, into: &out)
                out += ": "
                pair.1.renderOnOneLine(into: &out)
            }
            out += "}"
        default: render(into: &out, indent: 0)
        }
    }

    var isScalar: Bool {
        switch self {
        case .array, .object, .row: return false
        default: return true
        }
    }

    static func quote(_ s: String) -> String {
        var out = ""
        quote(s, into: &out)
        return out
    }

    static func quote(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    out += "\\u" + String(u.value, radix: 16).leftPadded(4)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}
