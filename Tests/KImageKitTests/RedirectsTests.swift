import Testing
import Foundation
import KImageKit
import TestSupport

/// Runs `body` and returns the RedirectError it throws (failing the test when it throws none).
private func redirectError(_ body: () throws -> Void) -> RedirectError? {
    do {
        try body()
        Issue.record("expected an error")
    } catch let e as RedirectError {
        return e
    } catch {
        Issue.record("unexpected error \(error)")
    }
    return nil
}

/// A Go module in a temporary directory: `files` maps relative paths to contents.
private func goTree(module: String? = "example.com/kern", _ files: [String: String]) throws -> TemporaryDirectory {
    let dir = try TemporaryDirectory("kimage-go")
    if let module { try dir.write("go.mod", "module \(module)\n\ngo 1.21\n") }
    for (path, text) in files { try dir.write(path, text) }
    return dir
}

private func scan(_ dir: TemporaryDirectory, _ sub: String = "", target: GoTarget = .linuxAMD64, importRoot: String? = nil) throws -> [Redirect] {
    try GoAnnotationScanner(target: target, importRoot: importRoot).scan(sub.isEmpty ? dir.path : dir.file(sub)).redirects
}

private func pairs(_ r: [Redirect]) -> [String] { r.map { "\($0.source) -> \($0.destination)" } }

@Suite struct GoAnnotationScannerTests {
    @Test func functionInAModule() throws {
        let dir = try goTree(["kernel/mm/mem.go": """
            package mm

            // sysReserve replaces the runtime's.
            //
            //go:redirect-from runtime.sysReserve
            //go:nosplit
            func sysReserve(p unsafe.Pointer, n uintptr) unsafe.Pointer { return nil }
            """])
        let r = try scan(dir)
        #expect(pairs(r) == ["runtime.sysReserve -> example.com/kern/kernel/mm.sysReserve"])
        #expect(r.first?.origin.line == 5)
        #expect(r.first?.origin.file.hasSuffix("kernel/mm/mem.go") == true)
    }

    @Test func methodsWithPointerAndValueReceivers() throws {
        let dir = try goTree(["k/t.go": """
            package k

            //go:redirect-from runtime.a
            func (t *T) Ptr() {}

            //go:redirect-from runtime.b
            func (T) Value() {}

            //go:redirect-from runtime.c
            func (_ *T) Blank() {}
            """])
        #expect(pairs(try scan(dir)) == [
            "runtime.a -> example.com/kern/k.(*T).Ptr",
            "runtime.b -> example.com/kern/k.T.Value",
            "runtime.c -> example.com/kern/k.(*T).Blank",
        ])
    }

    @Test func dotsInTheLastPathElementAreEscaped() throws {
        let dir = try goTree(module: "example.com/x.y", ["a.b/f.go": "package ab\n\n//go:redirect-from runtime.f\nfunc F() {}\n"])
        #expect(pairs(try scan(dir)) == ["runtime.f -> example.com/x.y/a%2eb.F"])
        #expect(GoImportPath.linkerPrefix("example.com/kern/a.b") == "example.com/kern/a%2eb")
        #expect(GoImportPath.linkerPrefix("gopkg.in/yaml.v3") == "gopkg.in/yaml%2ev3")
        #expect(GoImportPath.linkerPrefix("a b/%\"") == "a%20b/%25%22")
    }

    @Test func moduleRootItselfAndNestedModules() throws {
        let dir = try goTree(["f.go": "package kern\n//go:redirect-from runtime.f\nfunc F() {}\n",
                              "sub/go.mod": "module \"other.org/sub\" // quoted\n",
                              "sub/g.go": "package sub\n//go:redirect-from runtime.g\nfunc G() {}\n"])
        #expect(pairs(try scan(dir)) == ["runtime.f -> example.com/kern.F", "runtime.g -> other.org/sub.G"])
    }

    /// Each directory's nearest go.mod is remembered along the walk up: a module nested below a
    /// directory already walked (a/ before a/sub/) is still found, and a/ keeps the outer one.
    @Test func nearestModulesRememberedAlongTheWalk() throws {
        let dir = try goTree(["a/b/f.go": "package b\n//go:redirect-from runtime.f\nfunc F() {}\n",
                              "a/sub/go.mod": "module other.org/sub\n",
                              "a/sub/c/g.go": "package c\n//go:redirect-from runtime.g\nfunc G() {}\n",
                              "a/h.go": "package a\n//go:redirect-from runtime.h\nfunc H() {}\n",
                              "a/sub/i.go": "package sub\n//go:redirect-from runtime.i\nfunc I() {}\n"])
        #expect(pairs(try scan(dir)).sorted() == ["runtime.f -> example.com/kern/a/b.F", "runtime.g -> other.org/sub/c.G",
                                                  "runtime.h -> example.com/kern/a.H", "runtime.i -> other.org/sub.I"])
    }

    @Test func gopathLayoutWithAnImportRoot() throws {
        let dir = try goTree(module: nil, ["src/github.com/achilleasa/gopher-os/kernel/goruntime/bootstrap.go": """
            package goruntime

            //go:redirect-from runtime.sysAlloc
            func sysAlloc(size uintptr, sysStat *uint64) unsafe.Pointer { return nil }
            """])
        let r = try scan(dir, "src/github.com/achilleasa/gopher-os/kernel", importRoot: dir.file("src"))
        #expect(pairs(r) == ["runtime.sysAlloc -> github.com/achilleasa/gopher-os/kernel/goruntime.sysAlloc"])
        let e = redirectError { _ = try scan(dir, "src") }
        guard case .noImportPath = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(e!.description.contains("--go-import-root"))
    }

    @Test func packageMainIsNamedMain() throws {
        let dir = try goTree(["cmd/k/main.go": "package main\n//go:redirect-from runtime.f\nfunc F() {}\n"])
        #expect(pairs(try scan(dir)) == ["runtime.f -> main.F"])
    }

    @Test func testFilesTestdataAndIgnoredDirectoriesAreSkipped() throws {
        let dir = try goTree(["k/f_test.go": "package k\n//go:redirect-from runtime.t\nfunc T() {}\n",
                              "k/testdata/x.go": "package x\n//go:redirect-from runtime.x\nfunc X() {}\n",
                              "k/_old/y.go": "package y\n//go:redirect-from runtime.y\nfunc Y() {}\n",
                              "k/f.go": "package k\n//go:redirect-from runtime.f\nfunc F() {}\n"])
        #expect(pairs(try scan(dir)) == ["runtime.f -> example.com/kern/k.F"])
    }

    @Test func fileNameSuffixesFollowTheTarget() throws {
        var files: [String: String] = [:]
        for name in ["a_linux", "b_windows", "c_amd64", "d_386", "e_linux_amd64", "f_linux_386", "linux", "g_arm64", "h_unknownword"] {
            files["k/\(name).go"] = "package k\n//go:redirect-from runtime.\(name)\nfunc F_\(name)() {}\n"
        }
        let dir = try goTree(files)
        #expect(try scan(dir).map(\.source) == ["runtime.a_linux", "runtime.c_amd64", "runtime.e_linux_amd64", "runtime.h_unknownword", "runtime.linux"])
        let i386 = try GoTarget(goos: "linux", goarch: "386")
        #expect(try scan(dir, target: i386).map(\.source) == ["runtime.a_linux", "runtime.d_386", "runtime.f_linux_386", "runtime.h_unknownword", "runtime.linux"])
    }

    @Test func goBuildLinesFollowTheTarget() throws {
        func file(_ constraint: String, _ n: String) -> String {
            "// Copyright\n\n\(constraint)\n\npackage k\n\n//go:redirect-from runtime.\(n)\nfunc F\(n)() {}\n"
        }
        let dir = try goTree([
            "k/a.go": file("//go:build linux && (amd64 || arm64)", "a"),
            "k/b.go": file("//go:build !linux", "b"),
            "k/c.go": file("//go:build unix && go1.18 && gc && !cgo", "c"),
            "k/d.go": file("//go:build ignore", "d"),
            "k/e.go": file("// +build windows darwin", "e"),
            "k/f.go": file("// +build linux,amd64 plan9", "f"),
            "k/g.go": file("//go:build amd64\n// +build windows", "g"), // //go:build wins over +build
        ])
        #expect(try scan(dir).map(\.source) == ["runtime.a", "runtime.c", "runtime.f", "runtime.g"])
        let windows = try GoTarget(goos: "windows", goarch: "amd64")
        #expect(try scan(dir, target: windows).map(\.source) == ["runtime.b", "runtime.e", "runtime.g"])
    }

    @Test func buildConstraintExpressions() throws {
        let t = GoTarget.linuxAMD64
        #expect(try GoBuildConstraint.parse("linux && !(386 || arm)").evaluate(for: t))
        #expect(try !GoBuildConstraint.parse("linux && !amd64").evaluate(for: t))
        #expect(try GoBuildConstraint.parse("windows || linux && amd64").evaluate(for: t))
        #expect(try !GoBuildConstraint.parse("(windows || linux) && 386").evaluate(for: t))
        #expect(throws: GoBuildConstraint.ParseFailure.self) { try GoBuildConstraint.parse("linux &&") }
        #expect(throws: GoBuildConstraint.ParseFailure.self) { try GoBuildConstraint.parse("(linux") }
        #expect(throws: GoBuildConstraint.ParseFailure.self) { try GoBuildConstraint.parse("linux amd64") }
        #expect(throws: RedirectError.self) { try GoTarget(goos: "linuxx") }
    }

    @Test func malformedBuildLineIsAnErrorWithFileAndLine() throws {
        let dir = try goTree(["k/a.go": "// c\n//go:build linux &&\n\npackage k\n\n//go:redirect-from runtime.a\nfunc A() {}\n"])
        let e = redirectError { _ = try scan(dir) }
        guard case .badBuildConstraint(let at, _, _) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(at.line == 2 && at.file.hasSuffix("k/a.go"))
        #expect(e!.description.contains("k/a.go:2:"))
    }

    @Test func directivesInStringsAndBlockCommentsAreNotDirectives() throws {
        let dir = try goTree(["k/a.go": """
            package k

            var s = `
            //go:redirect-from runtime.inraw
            `

            /*
            //go:redirect-from runtime.inblock
            */
            //go:redirect-from runtime.real
            func (r *Ring[T]) Fake() {} // generic receivers are refused, see below
            """])
        let e = redirectError { _ = try scan(dir) }
        guard case .directiveOnGeneric(let at, let fn) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(at.line == 10 && fn == "(*Ring).Fake")
    }

    @Test func severalDirectivesOnOneFunction() throws {
        let dir = try goTree(["k/a.go": "package k\n\n//go:redirect-from runtime.a\n// text between\n//go:redirect-from runtime.b\nfunc F() {}\n"])
        #expect(pairs(try scan(dir)) == ["runtime.a -> example.com/kern/k.F", "runtime.b -> example.com/kern/k.F"])
    }

    /// Each malformed directive: the error kind and the line it names.
    @Test(arguments: [
        ("//go:redirect-from\nfunc F() {}\n", "withoutSymbol", 3),
        ("//go:redirect-from runtime.a runtime.b\nfunc F() {}\n", "extraWords", 3),
        ("//go:redirect-from runtime.a\nvar x = 1\n", "notOnFunction", 3),
        ("//go:redirect-from runtime.a\n\nfunc F() {}\n", "notOnFunction", 3),
        ("func F() {\n\t//go:redirect-from runtime.a\n}\n", "notOnFunction", 4),
        ("var f = 1 //go:redirect-from runtime.a\nfunc F() {}\n", "notOnFunction", 3),
        ("//go:redirect-from runtime.a\n", "notOnFunction", 3),
        ("//go:redirect-from runtime.a\nfunc G[T any](t T) {}\n", "generic", 3),
        ("// doc\n//go:redirect-from runtime.a\nfunc init() {}\n", "init", 4),
    ])
    func malformedDirectives(source: String, kind: String, line: Int) throws {
        let dir = try goTree(["k/a.go": "package k\n\n" + source])
        let e = redirectError { _ = try scan(dir) }
        let at: FileLocation?
        switch (e, kind) {
        case (.directiveWithoutSymbol(let l)?, "withoutSymbol"): at = l
        case (.directiveExtraWords(let l, let words)?, "extraWords"): at = l; #expect(words == ["runtime.a", "runtime.b"])
        case (.directiveNotOnFunction(let l, _)?, "notOnFunction"): at = l
        case (.directiveOnGeneric(let l, _)?, "generic"): at = l
        case (.directiveOnInit(let l)?, "init"): at = l
        default: at = nil; Issue.record("expected \(kind), got \(String(describing: e))")
        }
        #expect(at?.line == line)
        #expect(e?.description.contains("k/a.go:\(line): ") == true)
    }

    @Test func excludedFilesMayHoldAnything() throws {
        let dir = try goTree(["k/a_windows.go": "package k\n//go:redirect-from\nvar x int\n",
                              "k/b.go": "//go:build !linux\n\npackage k\n//go:redirect-from a b c\n"])
        #expect(try scan(dir).isEmpty)
    }
}

@Suite struct RedirectManifestTests {
    @Test func linesCommentsAndBlanks() throws {
        let r = try RedirectManifest.parse("# header\n\nruntime.a  kern.A   # trailing\n\truntime.b\tkern.B\r\n   \n", path: "m.txt")
        #expect(pairs(r) == ["runtime.a -> kern.A", "runtime.b -> kern.B"])
        #expect(r.map(\.origin.description) == ["m.txt:3", "m.txt:4"])
    }

    @Test(arguments: [("runtime.a\n", 1), ("ok dst\nruntime.a kern.A extra # c\n", 2)])
    func wrongWordCountIsAnErrorWithFileAndLine(text: String, line: Int) throws {
        let e = redirectError { _ = try RedirectManifest.parse(text, path: "m.txt") }
        guard case .manifestLine(let at, _, _) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(at == FileLocation(file: "m.txt", line: line))
        #expect(e!.description.hasPrefix("m.txt:\(line): expected `SRC DST`"))
    }

    @Test func theSameSourceTwiceNamesBothPlaces() throws {
        let dir = try goTree(["k/a.go": "package k\n//go:redirect-from runtime.a\nfunc A() {}\n"])
        let manifest = try dir.write("m.txt", "runtime.a other.A\n")
        let sources = RedirectSources(goTrees: [dir.path], manifests: [manifest])
        let e = redirectError { _ = try sources.collect() }
        guard case .duplicateSource(let symbol, let first, _, let second, _) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(symbol == "runtime.a" && first.line == 2 && second == FileLocation(file: manifest, line: 1))
        #expect(e!.description.contains("k/a.go:2") && e!.description.contains("m.txt:1"))
    }

    @Test func overlappingTreesCountAnAnnotationOnce() throws {
        let dir = try goTree(["k/a.go": "package k\n//go:redirect-from runtime.a\nfunc A() {}\n"])
        let c = try RedirectSources(goTrees: [dir.path, dir.file("k"), dir.path + "/./k"]).collect()
        #expect(pairs(c.redirects) == ["runtime.a -> example.com/kern/k.A"])
    }

    @Test func collectionListsEveryFileReadOnce() throws {
        let dir = try goTree(["k/a.go": "package k\n//go:redirect-from runtime.a\nfunc A() {}\n", "k/b.go": "package k\n"])
        let manifest = try dir.write("m.txt", "runtime.b kern.B\n")
        let c = try RedirectSources(goTrees: [dir.path], manifests: [manifest, manifest].dropLast() + [], goImportRoot: nil).collect()
        #expect(c.count == 2)
        #expect(c.filesRead.map { ($0 as NSString).lastPathComponent } == ["a.go", "b.go", "go.mod", "m.txt"])
        #expect(c.sortedBySource.map(\.source) == ["runtime.a", "runtime.b"])
    }
}

@Suite struct RedirectTableTests {
    @Test func elf64EntriesAreTwoLittleEndianU64() throws {
        let t = try RedirectTable(elfClass: .elf64, entries: [.init(source: 0x1122334455667788, destination: 0)], slotCount: 1, allowSpare: false)
        #expect(t.encoded() == [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(try RedirectTable.decode(t.encoded(), elfClass: .elf64) == t)
    }

    @Test func elf32EntriesAreTwoLittleEndianU32() throws {
        let t = try RedirectTable(elfClass: .elf32, entries: [.init(source: 0x00100010, destination: 0xC0001234)], slotCount: 1, allowSpare: false)
        #expect(t.encoded() == [0x10, 0x00, 0x10, 0x00, 0x34, 0x12, 0x00, 0xC0])
        let back = try RedirectTable.decode(t.encoded(), elfClass: .elf32)
        #expect(back.entries == [.init(source: 0x00100010, destination: 0xC0001234)])
    }

    @Test func slotCounts() throws {
        let e: [RedirectTable.Entry] = [.init(source: 1, destination: 2), .init(source: 3, destination: 4)]
        let few = redirectError { _ = try RedirectTable(elfClass: .elf64, entries: e, slotCount: 1, allowSpare: true) }
        #expect(few == .tooFewSlots(section: ".goredirectstbl", slots: 1, needed: 2))
        #expect(few!.description.contains("NUM_REDIRECTS=2"))
        let many = redirectError { _ = try RedirectTable(elfClass: .elf64, entries: e, slotCount: 3, allowSpare: false) }
        #expect(many == .tooManySlots(section: ".goredirectstbl", slots: 3, needed: 2))
        let spare = try RedirectTable(elfClass: .elf64, entries: e, slotCount: 4, allowSpare: true)
        #expect(spare.encoded().count == 64 && spare.encoded()[32...].allSatisfy { $0 == 0 })
        let back = try RedirectTable.decode(spare.encoded(), elfClass: .elf64)
        #expect(back.entries == e && back.spareSlots == 2 && back.slots.count == 4)
    }

    @Test func decodeRefusesAPartialEntry() {
        let e = redirectError { _ = try RedirectTable.decode([UInt8](repeating: 0, count: 20), elfClass: .elf64) }
        #expect(e == .tableSectionBadSize(section: ".goredirectstbl", size: 20, entrySize: 16))
    }
}

@Suite struct TrampolineTests {
    @Test func elf64IsJmpRipPlusZeroAndTheAbsoluteTarget() {
        let b = Trampoline.bytes(from: 0xFFFF800000100000, to: 0xFFFF800000123456, elfClass: .elf64)
        #expect(b == [0xFF, 0x25, 0, 0, 0, 0, 0x56, 0x34, 0x12, 0x00, 0x00, 0x80, 0xFF, 0xFF])
        #expect(Trampoline.size(for: .elf64) == 14 && b.count == 14)
        #expect(Trampoline.isInstalled(in: b + [0x90], at: 0xFFFF800000100000, to: 0xFFFF800000123456, elfClass: .elf64))
        #expect(!Trampoline.isInstalled(in: b, at: 0xFFFF800000100000, to: 0xFFFF800000123457, elfClass: .elf64))
        #expect(!Trampoline.isInstalled(in: b.prefix(13), at: 0xFFFF800000100000, to: 0xFFFF800000123456, elfClass: .elf64))
        #expect(Trampoline.destination(in: b, at: 0, elfClass: .elf64) == 0xFFFF800000123456)
    }

    @Test func elf32IsJmpRel32FromTheEndOfTheInstruction() {
        // Forward: 0x100000 + 5 + 0x0B = 0x100010.
        #expect(Trampoline.bytes(from: 0x100000, to: 0x100010, elfClass: .elf32) == [0xE9, 0x0B, 0, 0, 0])
        // Backward: 0x100100 + 5 - 0x105 = 0x100000.
        let back = Trampoline.bytes(from: 0x100100, to: 0x100000, elfClass: .elf32)
        #expect(back == [0xE9, 0xFB, 0xFE, 0xFF, 0xFF])
        #expect(Trampoline.destination(in: back, at: 0x100100, elfClass: .elf32) == 0x100000)
        #expect(Trampoline.isInstalled(in: back, at: 0x100100, to: 0x100000, elfClass: .elf32))
        #expect(!Trampoline.isInstalled(in: back, at: 0x100101, to: 0x100000, elfClass: .elf32))
        // Around the top of the 32-bit space the jump wraps, as the CPU's does.
        #expect(Trampoline.destination(in: Trampoline.bytes(from: 0xFFFFFFF0, to: 0x10, elfClass: .elf32), at: 0xFFFFFFF0, elfClass: .elf32) == 0x10)
    }
}

@Suite struct RedirectCountTests {
    @Test func formats() throws {
        let dir = try TemporaryDirectory()
        let c = try RedirectSources(manifests: [try dir.write("m", "b.x B\na.x A\n")]).collect()
        #expect(RedirectCount.render(c, format: .plain) == "2")
        #expect(RedirectCount.render(c, format: .nasm) == "%define NUM_REDIRECTS 2")
        #expect(RedirectCount.render(c, format: .gas) == ".set NUM_REDIRECTS, 2")
        #expect(RedirectCount.render(c, format: .ld) == "NUM_REDIRECTS = 2;")
        #expect(RedirectCount.render(c, format: .c) == "#define NUM_REDIRECTS 2")
        let json = try JSONSerialization.jsonObject(with: Data(RedirectCount.render(c, format: .json).utf8)) as! [String: Any]
        #expect(json["count"] as? Int == 2)
        let items = json["redirects"] as! [[String: Any]]
        #expect(items.map { $0["src"] as! String } == ["a.x", "b.x"] && items.map { $0["line"] as! Int } == [2, 1])
    }

    @Test func depfileEscapesForMake() throws {
        let d = try RedirectCount.depfile(target: "build/rt0.o", prerequisites: ["src/a b.go", "src/$x#.go"])
        #expect(d == "build/rt0.o: \\\n  src/a\\ b.go \\\n  src/$$x\\#.go\n\nsrc/a\\ b.go:\n\nsrc/$$x\\#.go:\n")
    }
}
