/// A JSON document built in a fixed key order, so `inspect --json` prints the same bytes for the
/// same input and keys appear in the order the README documents.
public indirect enum JSONValue: Sendable, Equatable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])
    /// An object always written on one line, however long: a row of a listing (one redirect,
    /// one mapping), so a list of them reads as a table.
    case row([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        a.rendered() == b.rendered()
    }

    /// Addresses and sizes are hex strings: JSON numbers lose 64-bit precision in most readers.
    public static func address(_ value: UInt64) -> JSONValue { .string(hex(value)) }
    public static func optional(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }

    /// Pretty-printed with two-space indentation; arrays of scalars and short objects of scalars
    /// stay on one line.
    public func rendered(indent: Int = 0) -> String {
        let pad = String(repeating: " ", count: indent)
        let inner = String(repeating: " ", count: indent + 2)
        switch self {
        case .string(let s): return Self.quote(s)
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let items):
            if items.isEmpty { return "[]" }
            if items.allSatisfy(\.isScalar) {
                return "[" + items.map { $0.rendered() }.joined(separator: ", ") + "]"
            }
            return "[\n" + items.map { inner + $0.rendered(indent: indent + 2) }.joined(separator: ",\n") + "\n" + pad + "]"
        case .row(let pairs):
            return "{" + pairs.map { Self.quote($0.0) + ": " + $0.1.renderedOnOneLine() }.joined(separator: ", ") + "}"
        case .object(let pairs):
            if pairs.isEmpty { return "{}" }
            // Small all-scalar objects (flags, a layout part) stay on one line.
            if pairs.allSatisfy({ $0.1.isScalar }) {
                let inline = "{" + pairs.map { Self.quote($0.0) + ": " + $0.1.rendered() }.joined(separator: ", ") + "}"
                if inline.count <= 80 { return inline }
            }
            return "{\n" + pairs.map { inner + Self.quote($0.0) + ": " + $0.1.rendered(indent: indent + 2) }
                .joined(separator: ",\n") + "\n" + pad + "}"
        }
    }

    func renderedOnOneLine() -> String {
        switch self {
        case .array(let items): return "[" + items.map { $0.renderedOnOneLine() }.joined(separator: ", ") + "]"
        case .object(let pairs), .row(let pairs):
            return "{" + pairs.map { Self.quote($0.0) + ": " + $0.1.renderedOnOneLine() }.joined(separator: ", ") + "}"
        default: return rendered()
        }
    }

    var isScalar: Bool {
        switch self {
        case .array, .object, .row: return false
        default: return true
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count) + String(u.value, radix: 16)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
