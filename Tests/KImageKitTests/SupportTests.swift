import Testing
import Foundation
@testable import KImageKit
import TestSupport

/// What kimage does itself so that it links FoundationEssentials only (PathNames, ExternalTool,
/// subpaths) and the hand-made fast paths of redirect's symbol walk: each checked against the
/// Foundation or plain-Swift answer it replaced.
@Suite struct SupportTests {
    /// NSString's answers, as Foundation printed them (it traps on a one-letter name like "c",
    /// so the table is written out rather than asked of it at test time).
    @Test(arguments: [
        ("a/b/c", "a/b", "c"), ("a/b/", "a", "b"), ("/a", "/", "a"), ("/", "/", "/"), ("c", "", "c"),
        ("", "", ""), ("/a/b//", "/a", "b"), ("a//b", "a", "b"), ("//a", "/", "a"), ("./k.elf", ".", "k.elf"),
        ("../x/y", "../x", "y"), ("dir/.hidden", "dir", ".hidden"), ("kernel.img", "", "kernel.img"),
    ])
    func pathNamesGiveNSStringsAnswers(path: String, directory: String, last: String) {
        #expect(PathNames.directory(of: path) == directory, "directory of \(path)")
        #expect(PathNames.lastComponent(of: path) == last, "last component of \(path)")
    }

    @Test func externalToolRunsInADirectoryWithAddedEnvironmentAndCapturesBothStreams() throws {
        let dir = try TemporaryDirectory()
        let r = try ExternalTool.run("/bin/sh", ["-c", "pwd; echo \"$KIMAGE_X $HOME\"; echo err >&2; read line || echo no-stdin; exit 3"],
                                     directory: dir.path, environment: ["KIMAGE_X": "added"])
        #expect(r.status == 3)
        let lines = r.output.split(separator: "\n").map(String.init)
        #expect(lines.first.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path } == URL(fileURLWithPath: dir.path).resolvingSymlinksInPath().path)
        // kimage's own environment is kept beside the added variable.
        #expect(lines.contains("added \(ProcessInfo.processInfo.environment["HOME"] ?? "")"))
        #expect(lines.contains("err"))
        #expect(lines.contains("no-stdin"))
    }

    @Test func externalToolReportsTheSignalThatEndedATool() throws {
        let r = try ExternalTool.run("/bin/sh", ["-c", "kill -9 $$"])
        #expect(r.status == 9)
    }

    @Test func externalToolThatCannotStartIsAnError() throws {
        let dir = try TemporaryDirectory()
        #expect(throws: FileError.self) { try ExternalTool.run(dir.path + "/missing", []) }
        #expect(ExternalTool.find("sh") != nil)
        #expect(ExternalTool.find("kimage-no-such-tool") == nil)
    }

    @Test func subpathsAgreeWithFileManager() throws {
        let dir = try TemporaryDirectory()
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir.path + "/a/b/c", withIntermediateDirectories: true)
        for f in ["top.go", "a/x.go", "a/b/y.s", "a/b/c/go.mod", ".hidden/z.go"] {
            try fm.createDirectory(atPath: (dir.path + "/" + f as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            #expect(fm.createFile(atPath: dir.path + "/" + f, contents: Data("x".utf8)))
        }
        try fm.createSymbolicLink(atPath: dir.path + "/link", withDestinationPath: dir.path + "/a")
        #expect(subpaths(of: dir.path).sorted() == (fm.subpaths(atPath: dir.path) ?? []).sorted())
        #expect(subpaths(of: dir.path + "/none").isEmpty)
    }

    /// The inline has-a-zero-byte scan against a byte loop, over every start and limit near the
    /// eight-byte steps, with NULs and high bytes (0x80 and 0xFF test the borrow) at each place.
    @Test func stringTableLengthAgreesWithAByteLoop() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let size = Int.random(in: 1...40, using: &generator)
            var bytes = (0..<size).map { _ in [0x00, 0x01, 0x41, 0x7F, 0x80, 0xFF].randomElement(using: &generator)! as UInt8 }
            bytes[size - 1] = 0
            bytes.withUnsafeBytes { raw in
                for start in 0..<size {
                    for limit in 0...size {
                        var n = 0
                        while bytes[start + n] != 0 { n += 1 }
                        let expected: Int? = n <= limit ? n : nil
                        #expect(ELFStringTable.length(at: raw.baseAddress! + start, available: size - start, limit: limit) == expected,
                                "bytes \(bytes) from \(start), limit \(limit)")
                    }
                }
            }
        }
    }

    @Test func utf8OrderIsByteOrder() {
        let words = ["", "a", "ab", "b", "runtime.x", "runtime.xy", "é", "e\u{301}", "z", "Z", "\u{10FFFF}", "a\u{0}b", "a\u{0}"]
        for a in words {
            for b in words {
                #expect(a.utf8Precedes(b) == Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)), "\(a.debugDescription) < \(b.debugDescription)")
            }
        }
    }
}
