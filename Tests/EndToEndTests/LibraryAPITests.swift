import Foundation
import Testing
import TestSupport

/// KImageKit as a library: the README's Swift example compiles against the built module as a
/// program outside this package would (no -package-name, so `package` declarations are hidden),
/// and what is not API stays hidden.
@Suite struct LibraryAPITests {
    static let modules = Paths.packageRoot + "/.build/debug/Modules"

    /// swiftc -typecheck of `source` against the debug build's KImageKit module.
    func typecheck(_ source: String) throws -> CommandResult {
        let dir = try TemporaryDirectory("kimage-api")
        let main = try dir.write("main.swift", source)
        let modulemap = Paths.packageRoot + "/.build/debug/CTOML.build/module.modulemap"
        try #require(FileManager.default.fileExists(atPath: Self.modules + "/KImageKit.swiftmodule")
                     && FileManager.default.fileExists(atPath: modulemap), "no debug build of KImageKit: swift build first")
        return try run(try requireTool("swiftc"),
                       ["-typecheck", "-I", Self.modules, "-I", Paths.packageRoot + "/Sources/CLibELF",
                        "-I", Paths.packageRoot + "/Sources/CLZ4", "-Xcc", "-fmodule-map-file=" + modulemap, main],
                       timeout: 300)
    }

    @Test func theREADMEsSwiftExampleCompilesFromOutsideThePackage() throws {
        let readme = String(decoding: try contentsOf(Paths.packageRoot + "/README.md"), as: UTF8.self)
        let section = try #require(readme.range(of: "### From Swift: KImageKit"), "README lost its library section")
        let rest = readme[section.upperBound...]
        let start = try #require(rest.range(of: "```swift\n"))
        let end = try #require(rest[start.upperBound...].range(of: "```"))
        let example = String(rest[start.upperBound..<end.lowerBound])
        #expect(example.contains("BootImagePacker.pack"))
        let r = try typecheck(example)
        #expect(r.status == 0, "the README's example does not compile against KImageKit's public API:\n\(r.stderr)")
    }

    @Test func whatIsNotAPIStaysHidden() throws {
        let r = try typecheck("import KImageKit\nlet stub = StubBytes.setup32Kimage\nlet plan = LoadPlan.self\n")
        #expect(r.status != 0)
        #expect(r.stderr.contains("cannot find 'StubBytes' in scope") && r.stderr.contains("cannot find 'LoadPlan' in scope"), "\(r.stderr)")
    }
}
