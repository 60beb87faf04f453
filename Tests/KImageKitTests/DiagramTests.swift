import Testing
import KImageKit

@Suite struct DiagramTests {
    @Test func humanSizesUseExactUnitsWhenTheyCanAndCutDecimalsOtherwise() {
        #expect(HumanSize.text(0) == "0 B")
        #expect(HumanSize.text(512) == "512 B")
        #expect(HumanSize.text(0x1000) == "4 KiB")
        #expect(HumanSize.text(0x20_0000) == "2 MiB")
        #expect(HumanSize.text(0x10_1000) == "1028 KiB")
        #expect(HumanSize.text(0x4000_0000) == "1 GiB")
        #expect(HumanSize.text(1 << 47) == "128 TiB")
        // Emerald's user space, 0..0xFFFF_FF7F_FFFF_FFFF: cut, never rounded up to 16.00.
        #expect(HumanSize.text(0xFFFF_FF80_0000_0000) == "15.99 EiB")
        #expect(HumanSize.text(UInt64.max) == "15.99 EiB")
        #expect(HumanSize.text(1 << 63) == "8 EiB")
        #expect(HumanSize.text(13824) == "13.50 KiB")
        #expect(HumanSize.text(from: 0, to: nil) == "16 EiB")
        #expect(HumanSize.text(from: 0xFFFF_FFFF_8000_0000, to: nil) == "2 GiB")
    }

    func sample() -> BoxDiagram {
        var d = BoxDiagram(top: .init(left: "0x00200000", right: "0x00200000 (2 MiB)"))
        d.headerLeft = "virtual"
        d.headerRight = "physical"
        d.minimumInnerWidth = 24
        d.append(.init(["kernel  1 MiB"]), then: .init(left: "0x00100000", right: "0x00100000 (1 MiB)"))
        d.append(.init(["unmapped  1 MiB"], isGap: true), then: .init(left: "0x00000000", right: "0x00000000 (0 B)"))
        return d
    }

    @Test func asciiDiagramPastesIntoMarkdown() {
        #expect(sample().render(.ascii) == """
               virtual                            physical
            0x00200000 +------------------------+ 0x00200000 (2 MiB)
                       | kernel  1 MiB          |
            0x00100000 +------------------------+ 0x00100000 (1 MiB)
                       : unmapped  1 MiB        :
            0x00000000 +------------------------+ 0x00000000 (0 B)

            """)
    }

    @Test func unicodeDiagramUsesBoxDrawingCharacters() {
        #expect(sample().render(.unicode) == """
               virtual                            physical
            0x00200000 ┌────────────────────────┐ 0x00200000 (2 MiB)
                       │ kernel  1 MiB          │
            0x00100000 ├────────────────────────┤ 0x00100000 (1 MiB)
                       ┆ unmapped  1 MiB        ┆
            0x00000000 └────────────────────────┘ 0x00000000 (0 B)

            """)
    }

    @Test func longLinesWrapInsideOneHundredColumns() {
        var d = BoxDiagram(top: .init(left: "0xffffffff80000000", right: "0xffffffff80000000"))
        let long = (0..<40).map { "word\($0)" }.joined(separator: " ")
        d.append(.init([long]), then: .init(left: "0x0000000000000000", right: "0x0000000000000000"))
        for style in [BoxDiagram.Style.ascii, .unicode] {
            let lines = d.render(style).split(separator: "\n")
            #expect(lines.count > 4)
            #expect(lines.allSatisfy { $0.count <= 100 })
            let text = lines.joined(separator: " ")
            #expect(text.contains("word0 ") && text.contains("word39"))
        }
    }

    @Test func jsonKeepsKeyOrderAndEscapes() {
        let v = JSONValue.object([("b", .int(1)), ("a", .string("x\"y\n")), ("list", .array([.bool(true), .null])),
                                  ("nested", .object([("address", .address(0xFFFF_FFFF_8000_0000))]))])
        #expect(v.rendered() == """
            {
              "b": 1,
              "a": "x\\"y\\n",
              "list": [true, null],
              "nested": {"address": "0xffffffff80000000"}
            }
            """)
    }

    /// Rows (one redirect, one mapping) stay on one line however long, so a list reads as a table:
    /// the shape count, redirect and pagetables have always printed.
    @Test func jsonRowsStayOnOneLine() {
        let long = String(repeating: "x", count: 90)
        let v = JSONValue.object([("rows", .array([.row([("name", .string(long)), ("flags", .object([("w", .bool(true))])),
                                                          ("list", .array([.int(1), .int(2)]))])])), ("none", .array([]))])
        #expect(v.rendered() == """
            {
              "rows": [
                {"name": "\(long)", "flags": {"w": true}, "list": [1, 2]}
              ],
              "none": []
            }
            """)
    }
}
