/// A column of boxes with annotated boundaries, the way Jinue's layout.md and Emerald's memory
/// layout draw a file or an address space:
///
/// ```
///   0xffffffff80102000 +------------------------+ 0x0000000000102000
///                      | LOAD 1  RW-  8 KiB     |
///   0xffffffff80100000 +------------------------+ 0x0000000000100000
/// ```
///
/// Boundaries carry text on the left and on the right (addresses); regions carry lines inside
/// the box. Gap regions (unmapped space, holes between segments) get dotted sides. ASCII by
/// default so a diagram pastes into Markdown; box-drawing characters on request. At most
/// `maxWidth` columns: long region lines wrap at spaces.
package struct BoxDiagram: Sendable {
    package enum Style: Sendable { case ascii, unicode }

    package struct Boundary: Sendable, Equatable {
        package var left: String
        package var right: String
        package init(left: String = "", right: String = "") {
            self.left = left
            self.right = right
        }
    }

    package struct Region: Sendable, Equatable {
        package var lines: [String]
        package var isGap: Bool
        package init(_ lines: [String], isGap: Bool = false) {
            self.lines = lines
            self.isGap = isGap
        }
    }

    package static let maxWidth = 100

    package var headerLeft = ""
    package var headerRight = ""
    package private(set) var boundaries: [Boundary]
    package private(set) var regions: [Region] = []
    package var minimumInnerWidth = 40

    /// A diagram whose first (top) boundary is `top`.
    package init(top: Boundary) {
        boundaries = [top]
    }

    /// Adds `region` below everything so far, closed by `boundary`.
    package mutating func append(_ region: Region, then boundary: Boundary) {
        regions.append(region)
        boundaries.append(boundary)
    }

    package func render(_ style: Style) -> String {
        let leftWidth = max(headerLeft.count, boundaries.map(\.left.count).max() ?? 0)
        let rightWidth = max(headerRight.count, boundaries.map(\.right.count).max() ?? 0)
        let prefix = leftWidth > 0 ? leftWidth + 1 : 0
        let suffix = rightWidth > 0 ? rightWidth + 1 : 0
        let widest = regions.flatMap(\.lines).map(\.count).max() ?? 0
        let available = Self.maxWidth - prefix - suffix - 2
        let inner = max(20, min(max(minimumInnerWidth, widest + 2), available))

        let c = Characters(style)
        var out: [String] = []
        func pad(_ s: String) -> String {
            leftWidth == 0 ? "" : s.leftPadded(leftWidth, with: " ") + " "
        }
        func line(_ s: String) { out.append(trimmedRight(s)) }
        if !headerLeft.isEmpty || !headerRight.isEmpty {
            line(pad(headerLeft) + String(repeating: " ", count: inner + 2) + (rightWidth > 0 ? " " + headerRight : ""))
        }
        for (i, boundary) in boundaries.enumerated() {
            let (l, r) = i == 0 ? (c.topLeft, c.topRight) : i == boundaries.count - 1 ? (c.bottomLeft, c.bottomRight) : (c.teeLeft, c.teeRight)
            line(pad(boundary.left) + l + String(repeating: c.horizontal, count: inner) + r + (boundary.right.isEmpty ? "" : " " + boundary.right))
            guard i < regions.count else { continue }
            let region = regions[i]
            let side = region.isGap ? c.gapVertical : c.vertical
            for text in region.lines.flatMap({ wrap($0, width: inner - 2) }) {
                line(pad("") + side + " " + text + String(repeating: " ", count: inner - 2 - text.count) + " " + side)
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    struct Characters {
        let horizontal, vertical, gapVertical, topLeft, topRight, teeLeft, teeRight, bottomLeft, bottomRight: String
        init(_ style: Style) {
            switch style {
            case .ascii:
                (horizontal, vertical, gapVertical) = ("-", "|", ":")
                (topLeft, topRight, teeLeft, teeRight, bottomLeft, bottomRight) = ("+", "+", "+", "+", "+", "+")
            case .unicode:
                (horizontal, vertical, gapVertical) = ("─", "│", "┆")
                (topLeft, topRight, teeLeft, teeRight, bottomLeft, bottomRight) = ("┌", "┐", "├", "┤", "└", "┘")
            }
        }
    }
}

/// Splits `text` into lines of at most `width` characters, at spaces where it can; continuation
/// lines are indented by two spaces.
func wrap(_ text: String, width: Int) -> [String] {
    guard text.count > width, width > 4 else { return [text] }
    var lines: [String] = []
    var rest = Substring(text)
    var first = true
    while !rest.isEmpty {
        let room = first ? width : width - 2
        let lead = first ? "" : "  "
        if rest.count <= room {
            lines.append(lead + rest)
            break
        }
        let window = rest.prefix(room + 1)
        var cut = window.lastIndex(of: " ") ?? rest.index(rest.startIndex, offsetBy: room)
        if cut == rest.startIndex { cut = rest.index(rest.startIndex, offsetBy: room) }
        lines.append(lead + rest[..<cut])
        rest = rest[cut...].drop { $0 == " " }
        first = false
    }
    return lines
}

func trimmedRight(_ s: String) -> String {
    var t = Substring(s)
    while t.last == " " { t = t.dropLast() }
    return String(t)
}
