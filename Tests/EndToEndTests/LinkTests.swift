import Foundation
import Testing
import KImageKit
import TestSupport

/// `kimage link`: examples/gokernel built by kimage link (external Go link, gopher layout, higher
/// half) and booted; each failing step leaves no output and names itself with its own output.
@Suite(.serialized) struct LinkTests {
    static let linkArgs = ["link", "-o", "build/kernel.elf", "--layout", "gopher", "--go", ".",
                           "--table-symbol", "main.redirects", "--patch", "--depfile", "build/kernel.elf.d"]

    @Test func goKernelLinkedByKimageBootsInTheHigherHalf() throws {
        let dir = try GoKernelTests.copyOfExample()
        try FileManager.default.createDirectory(atPath: dir.file("build"), withIntermediateDirectories: true)
        let r = try kimage(Self.linkArgs + ["--print-commands"], cwd: dir.path, timeout: 600)
        #expect(r.status == 0, "\(r.stderr)")
        // The commands, in order, then the redirects.
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let steps = ["kimage count --go . --format go-asm > ", "kimage count --go . --format ld > ", "cp templates/go/extld-relocatable ",
                     "cd . && CGO_ENABLED=0 GOARCH=amd64 GOOS=linux go build -buildvcs=false ", "objcopy --globalize-symbol=main.rt0.abi0 ",
                     "# the gopher layout's linker script (the linker.ld kimage init writes) > ", "ld -m elf_x86_64 ", "kimage redirect ", "mv "]
        var at = 0
        for step in steps {
            let i = lines[at...].firstIndex { $0.hasPrefix(step) }
            #expect(i != nil, "no `\(step)` after line \(at) in:\n\(r.stdout)")
            at = (i ?? at) + 1
        }
        let elf = dir.file("build/kernel.elf")
        try GoKernelTests.expectNamesMatchGoNM(r.stdout, elf, expected: 2)
        let headers = try mustRun("readelf", ["-hlW", elf]).stdout
        #expect(headers.contains("Entry point address:               0xffff8000"), "\(headers)")
        #expect(headers.contains("LOAD           0x001000 0xffff800000100000 0x0000000000100000"), "\(headers)")
        // Nothing of the temporaries is left; the depfile names the Go sources.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.file("build")).sorted() == ["kernel.elf", "kernel.elf.d"])
        let dep = try String(contentsOfFile: dir.file("build/kernel.elf.d"), encoding: .utf8)
        #expect(dep.hasPrefix("build/kernel.elf:") && dep.contains("./main.go") && dep.contains("./rt0_amd64.s") && dep.contains("./boot/nanotime.go"), "\(dep)")

        let image = dir.file("build/kernel.img")
        #expect(try kimage(["pack", "--kernel", elf, "-o", image]).status == 0)
        let boot = try QEMU.boot(kernel: image, append: "console=ttyS0 go-gopher", timeout: 30)
        GoKernelTests.expectPassed(boot)
        #expect(boot.serial.contains("entry 0xffff8000"), "\(boot.serial)")
    }

    /// Runs a failing link: exit 1, the step named with its output, no output file, every file
    /// of the project unchanged and no temporary left.
    func expectLinkFailure(_ dir: TemporaryDirectory, _ args: [String], _ fragments: [String],
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = try allFiles(dir)
        let contents = try before.map { try contentsOf(dir.file($0)) }
        let r = try kimage(args, cwd: dir.path, timeout: 600)
        #expect(r.status == 1, "status \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
        for f in fragments { #expect(r.stderr.contains(f), "missing \(f) in: \(r.stderr)", sourceLocation: sourceLocation) }
        #expect(try allFiles(dir) == before, sourceLocation: sourceLocation)
        for (name, bytes) in zip(before, contents) {
            #expect(try contentsOf(dir.file(name)) == bytes, "\(name) changed", sourceLocation: sourceLocation)
        }
    }

    @Test func eachFailingStepLeavesNoOutputAndNamesItself() throws {
        let dir = try GoKernelTests.copyOfExample()
        try FileManager.default.createDirectory(atPath: dir.file("build"), withIntermediateDirectories: true)
        try dir.write("build/keep", "")
        // A missing object: refused before anything runs.
        try expectLinkFailure(dir, Self.linkArgs + ["build/rt0.o"], ["kimage: error: object build/rt0.o does not exist"])
        // An ld error: an object ld cannot read.
        try dir.write("build/junk.o", "not an object\n")
        try expectLinkFailure(dir, Self.linkArgs + ["build/junk.o"], ["step ld failed (exit status 1)", "  command: ld -m elf_x86_64", "build/junk.o: file format not recognized"])
        // A redirect error: the table symbol the kernel does not have.
        var wrong = Self.linkArgs
        wrong[wrong.firstIndex(of: "main.redirects")!] = "main.nosuchtable"
        try expectLinkFailure(dir, wrong, ["step redirect failed; no output written", "  command: kimage redirect ", "has no symbol main.nosuchtable"])
        // A Go build error, with the compiler's own message.
        try dir.write("broken.go", "package main\n\nfunc broken() { undefinedThing() }\n")
        try expectLinkFailure(dir, Self.linkArgs, ["step go build . failed (exit status ", "undefined: undefinedThing"])
    }

    @Test func initLangGoWritesAProjectThatBootsWithMakeRun() throws {
        let dir = try TemporaryDirectory("kimage-init-go")
        let project = dir.file("gohello")
        let r = try kimage(["init", project, "--lang", "go"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("wrote an x86_64 Go kernel (gopher layout)") && r.stdout.contains("  rt0_amd64.s"), "\(r.stdout)")
        let made = try run("make", ["KIMAGE=\(Paths.kimage)", "run"], cwd: project, timeout: 600)
        #expect(made.status == 0, "\(made.stdout)\(made.stderr)")
        #expect(made.stdout.contains("hello from Go\nok runtime.nanotime -> main.nanotime\ncommand line: console=ttyS0 greeting=hello\nPASS"), "\(made.stdout)")
        // The example and the template share one rt0.
        #expect(try String(contentsOfFile: Paths.packageRoot + "/examples/gokernel/rt0_amd64.s", encoding: .utf8)
                == Templates.text("project-go/rt0_amd64.s"))
        // Go kernels are amd64: an i386 layout is a usage error, and nothing is written.
        let i386 = try kimage(["init", dir.file("j"), "--lang", "go", "--layout", "jinue"])
        #expect(i386.status == 64 && i386.stderr.contains("--lang go writes an amd64 Go kernel"), "\(i386.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("j")))
    }
}
