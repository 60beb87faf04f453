import Foundation
import Testing
import KImageKit
import TestSupport

/// Hostile paths and file types (issue 12): an output that is an input, links planted where
/// `init` writes, FIFOs where files are expected, a stdout that cannot take the output. Each
/// case checks the exit status, the message, and that the work directory and a directory
/// outside it are exactly as they were (inputs unchanged, nothing written elsewhere).
@Suite struct HostileInputTests {
    /// A work directory with a kernel, a manifest and a Go tree, and an `outside` directory that
    /// holds a victim file links may point at.
    final class Scene {
        let dir: TemporaryDirectory
        let outside: TemporaryDirectory
        let kernel: String
        let manifest: String
        let victim: String

        init() throws {
            dir = try TemporaryDirectory("kimage-hostile")
            outside = try TemporaryDirectory("kimage-outside")
            kernel = try RobustnessFixture.kernel(in: dir, name: "k.elf")
            manifest = try dir.write("redirects.txt", RobustnessFixture.manifest)
            victim = try outside.write("victim", "the user's file\n")
        }

        func file(_ name: String) -> String { dir.file(name) }
        var snapshot: (TreeSnapshot, TreeSnapshot) { (TreeSnapshot(dir.path), TreeSnapshot(outside.path)) }
    }

    /// Runs kimage in the scene's directory; expects exit `status`, every needle in stderr and
    /// both directories unchanged.
    @discardableResult
    func expectRefusal(_ scene: Scene, _ arguments: [String], status: Int32 = 1, _ needles: [String],
                       shell: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> CommandResult {
        let before = scene.snapshot
        let r: CommandResult
        if let shell {
            // `sh -c '"$0" "$@" REDIRECTION' kimage ARGS`: stdout to /dev/full or closed.
            r = try run("sh", ["-c", "\"$0\" \"$@\" " + shell, Paths.kimage] + arguments, cwd: scene.dir.path, timeout: 20)
        } else {
            r = try run(Paths.kimage, arguments, cwd: scene.dir.path, timeout: 20)
        }
        #expect(!r.timedOut, "kimage \(arguments) hung", sourceLocation: sourceLocation)
        #expect(r.status == status, "kimage \(arguments): status \(r.status)\n\(r.stderr)", sourceLocation: sourceLocation)
        for needle in needles {
            #expect(r.stderr.contains(needle), "kimage \(arguments): `\(needle)` not in:\n\(r.stderr)", sourceLocation: sourceLocation)
        }
        let after = scene.snapshot
        #expect(after.0 == before.0, "the work directory changed:\n\(before.0)\n---\n\(after.0)", sourceLocation: sourceLocation)
        #expect(after.1 == before.1, "outside the work directory changed", sourceLocation: sourceLocation)
        return r
    }

    // MARK: An output that is an input

    @Test func packRefusesAnOutputThatIsAnInput() throws {
        let s = try Scene()
        let loader = try RobustnessFixture.kernel(in: s.dir, name: "loader.elf")
        try FileManager.default.createSymbolicLink(atPath: s.file("alias.elf"), withDestinationPath: "k.elf")
        try FileManager.default.linkItem(atPath: s.kernel, toPath: s.file("hard.elf"))
        try expectRefusal(s, ["pack", "--kernel", "k.elf", "-o", "k.elf"], ["-o k.elf is the kernel (--kernel k.elf); expected a different file"])
        try expectRefusal(s, ["pack", "--kernel", "k.elf", "-o", "alias.elf"], ["-o alias.elf is the kernel (--kernel k.elf)"])
        try expectRefusal(s, ["pack", "--kernel", "k.elf", "-o", "hard.elf"], ["-o hard.elf is the kernel (--kernel k.elf)"])
        try expectRefusal(s, ["pack", "--kernel", "k.elf", "--loader", loader, "-o", loader], ["is the loader (--loader"])
        try expectRefusal(s, ["pack", "--kernel", "k.elf", "-o", "k.img", "--depfile", "k.elf"], ["--depfile k.elf is the kernel (--kernel k.elf)"])
        try expectRefusal(s, ["pack", "--kernel", "k.elf", "-o", "k.img", "--depfile", "./k.img"], ["--depfile ./k.img is the image (-o k.img)"])
    }

    @Test func redirectCountAndPagetablesRefuseAnOutputThatIsAnInput() throws {
        let s = try Scene()
        try FileManager.default.createDirectory(atPath: s.file("go"), withIntermediateDirectories: true)
        try s.dir.write("go/go.mod", "module kern\n")
        let go = try s.dir.write("go/a.go", "package a\n\n//go:redirect-from runtime.throw\nfunc Panic() {}\n")
        try expectRefusal(s, ["redirect", "k.elf", "--manifest", "redirects.txt", "-o", "redirects.txt"],
                          ["-o redirects.txt is the manifest (--manifest redirects.txt); expected a different file"])
        try expectRefusal(s, ["redirect", "k.elf", "--go", "go", "--allow-spare", "-o", go], ["is go/a.go, a file of the Go tree (--go go)"])
        try expectRefusal(s, ["count", "--manifest", "redirects.txt", "--depfile", "redirects.txt", "--target", "rt0.o"],
                          ["--depfile redirects.txt is the manifest (--manifest redirects.txt)"])
        try expectRefusal(s, ["pagetables", "--mode", "4level", "--from-elf", "k.elf", "--format", "nasm", "-o", "k.elf"],
                          ["-o k.elf is the kernel (--from-elf k.elf)"])
    }

    /// kimage.toml is an input of every command that reads it (count, redirect, pagetables, pack).
    @Test func anOutputThatIsTheConfigurationIsRefused() throws {
        let s = try Scene()
        try s.dir.write("kimage.toml", "[pagetables]\nformat = \"nasm\"\n")
        try s.dir.write("other.toml", "")
        let config = "-o kimage.toml is the configuration (--config kimage.toml); expected a different file"
        try expectRefusal(s, ["pagetables", "--mode", "4level", "--identity", "0+2M", "-o", "kimage.toml"], [config])
        try expectRefusal(s, ["pack", "--kernel", "k.elf", "-o", "kimage.toml"], [config])
        try expectRefusal(s, ["redirect", "k.elf", "--manifest", "redirects.txt", "-o", "./kimage.toml"], ["-o ./kimage.toml is the configuration (--config kimage.toml)"])
        try expectRefusal(s, ["count", "--manifest", "redirects.txt", "--depfile", "kimage.toml", "--target", "rt0.o"],
                          ["--depfile kimage.toml is the configuration (--config kimage.toml)"])
        try expectRefusal(s, ["link", "-o", "k.elf", "k.elf"], ["-o k.elf is an object to link (the object k.elf)"])
        try expectRefusal(s, ["link", "-o", "out.elf", "k.elf", "--depfile", "k.elf"], ["--depfile k.elf is an object to link (the object k.elf)"])
        try expectRefusal(s, ["pagetables", "--mode", "4level", "--identity", "0+2M", "--config", "other.toml", "-o", "other.toml"],
                          ["-o other.toml is the configuration (--config other.toml)"])
    }

    @Test func linkPrintCommandsWritesThroughTheCheckedStdout() throws {
        let s = try Scene()
        try expectRefusal(s, ["link", "-o", "out.elf", "k.elf", "--print-commands"], ["cannot write to standard output: No space left on device"], shell: ">/dev/full")
    }

    @Test func aDanglingOutputLinkIsRefusedNotReplaced() throws {
        let s = try Scene()
        try FileManager.default.createSymbolicLink(atPath: s.file("out.img"), withDestinationPath: "build/out.img")
        try expectRefusal(s, ["pack", "--kernel", "k.elf", "-o", "out.img"],
                          ["out.img is a symbolic link to build/out.img, which does not exist"])
        try expectRefusal(s, ["pagetables", "--mode", "4level", "--identity", "0+2M", "--format", "nasm", "-o", "out.img"],
                          ["out.img is a symbolic link to build/out.img"])
    }

    @Test func aDepfileThatCannotBeWrittenLeavesNoImage() throws {
        let s = try Scene()
        try expectRefusal(s, ["pack", "--kernel", "k.elf", "-o", "k.img", "--depfile", "missing/k.d"], ["cannot create a temporary file in missing"])
        // With an old image in place, that image stays as it was.
        try Data("old image".utf8).write(to: URL(fileURLWithPath: s.file("k.img")))
        try expectRefusal(s, ["pack", "--kernel", "k.elf", "-o", "k.img", "--depfile", "missing/k.d"], ["nothing was changed"])
    }

    @Test func bothDepfilesUseOneMakeEscaper() throws {
        let s = try Scene()
        try FileManager.default.copyItem(atPath: s.kernel, toPath: s.file("k $x#1.elf"))
        let r = try kimage(["pack", "--kernel", "k $x#1.elf", "-o", "k.img", "--depfile", "k.d"], cwd: s.dir.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try String(contentsOfFile: s.file("k.d"), encoding: .utf8) == "k.img: k\\ $$x\\#1.elf\n")
        try FileManager.default.copyItem(atPath: s.kernel, toPath: s.file("k\nx.elf"))
        try expectRefusal(s, ["pack", "--kernel", "k\nx.elf", "-o", "k.img", "--depfile", "k.d"],
                          ["k\\x0ax.elf holds a newline or another control character, which a make rule cannot express"])
    }

    // MARK: init

    @Test func initRefusesAnEmptyDirectoryName() throws {
        let s = try Scene()
        try expectRefusal(s, ["init", ""], ["the directory is an empty string"])
        try FileManager.default.createSymbolicLink(atPath: s.file("proj"), withDestinationPath: s.outside.file("none"))
        try expectRefusal(s, ["init", "proj"], ["cannot use proj as the project's directory: it is a symbolic link to nothing"])
        try expectRefusal(s, ["init", "k.elf"], ["cannot use k.elf as the project's directory: it is a regular file"])
    }

    @Test func initForceNeverWritesThroughALink() throws {
        let s = try Scene()
        try FileManager.default.createDirectory(atPath: s.file("proj"), withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: s.file("proj/Makefile"), withDestinationPath: s.victim)
        try expectRefusal(s, ["init", "proj", "--force"], ["proj/Makefile is a symbolic link; kimage init writes only regular files it creates inside the directory"])
        try FileManager.default.removeItem(atPath: s.file("proj/Makefile"))
        try FileManager.default.createSymbolicLink(atPath: s.file("proj/src"), withDestinationPath: s.outside.path)
        try expectRefusal(s, ["init", "proj", "--force"], ["proj/src is a symbolic link"])
        try FileManager.default.removeItem(atPath: s.file("proj/src"))
        #expect(mkfifo(s.file("proj/kimage.toml"), 0o644) == 0)
        try expectRefusal(s, ["init", "proj", "--force"], ["proj/kimage.toml is a FIFO"])
        try FileManager.default.removeItem(atPath: s.file("proj/kimage.toml"))
        // A plain file is replaced, and said so.
        try Data("old\n".utf8).write(to: URL(fileURLWithPath: s.file("proj/Makefile")))
        let r = try kimage(["init", "proj", "--force"], cwd: s.dir.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("replaced (--force): Makefile\n"))
        #expect(try s.dir.contents().contains("proj"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: s.file("proj")).allSatisfy { !$0.contains(OutputFile.temporaryMarker) })
    }

    @Test func initOnAFullDiskLeavesNoHalfProject() throws {
        let s = try Scene()
        // A file size limit makes the first big write fail: the run must leave no file behind.
        let r = try run("sh", ["-c", "ulimit -f 1; exec \"$0\" init proj", Paths.kimage], cwd: s.dir.path, timeout: 20)
        #expect(r.status == 1, "\(r.stderr)")
        let left = try s.dir.contents()
        #expect(!FileManager.default.fileExists(atPath: s.file("proj")), "\(left)")
    }

    // MARK: Files that are not regular files

    @Test func aFIFOAnywhereAnInputIsExpectedIsRefusedAtOnce() throws {
        let s = try Scene()
        #expect(mkfifo(s.file("fifo"), 0o644) == 0)
        try FileManager.default.createDirectory(atPath: s.file("go"), withIntermediateDirectories: true)
        #expect(mkfifo(s.file("go/a.go"), 0o644) == 0)
        let fifo = "fifo is a FIFO; expected a regular file"
        try expectRefusal(s, ["inspect", "fifo"], [fifo])
        try expectRefusal(s, ["pack", "--kernel", "fifo", "-o", "k.img"], [fifo])
        try expectRefusal(s, ["pack", "--kernel", "k.elf", "--loader", "fifo", "-o", "k.img"], [fifo])
        try expectRefusal(s, ["redirect", "fifo", "--manifest", "redirects.txt"], [fifo])
        try expectRefusal(s, ["count", "--manifest", "fifo"], [fifo])
        try expectRefusal(s, ["count", "--go", "go"], ["go/a.go is a FIFO; expected a regular file"])
        try expectRefusal(s, ["pagetables", "--mode", "4level", "--from-elf", "fifo"], [fifo])
        try expectRefusal(s, ["count", "--manifest", "redirects.txt", "--config", "fifo"], [fifo])
        // An output FIFO nobody reads: an error at once, not a run blocked in open(2).
        try expectRefusal(s, ["pagetables", "--mode", "4level", "--identity", "0+2M", "--format", "nasm", "-o", "fifo"],
                          ["fifo is a FIFO that no process is reading"])
        try expectRefusal(s, ["pack", "--kernel", "k.elf", "-o", "fifo"], ["fifo is a FIFO that no process is reading"])
    }

    @Test func aDeviceOrSocketAsAnInputIsRefused() throws {
        let s = try Scene()
        try expectRefusal(s, ["inspect", "/dev/zero"], ["/dev/zero is a character device; expected a regular file"])
        try expectRefusal(s, ["count", "--manifest", "/dev/null"], ["/dev/null is a character device"])
    }

    // MARK: Standard output that cannot take the output

    @Test func everyStdoutWriteIsChecked() throws {
        let s = try Scene()
        let commands: [[String]] = [
            ["count", "--manifest", "redirects.txt"],
            ["count", "--manifest", "redirects.txt", "--format", "ld"],
            ["inspect", "k.elf"],
            ["inspect", "k.elf", "--json"],
            ["redirect", "k.elf", "--manifest", "redirects.txt", "--dry-run"],
            ["redirect", "k.elf", "--manifest", "redirects.txt", "--dry-run", "--json"],
            ["pagetables", "--mode", "4level", "--identity", "0+2M", "--format", "nasm"],
            ["pagetables", "--mode", "4level", "--identity", "0+2M", "--format", "json"],
        ]
        for c in commands {
            try expectRefusal(s, c, ["cannot write to standard output: No space left on device"], shell: ">/dev/full")
            try expectRefusal(s, c, ["cannot write to standard output: Bad file descriptor"], shell: ">&-")
        }
    }

    @Test func aClosedStdoutIsNeverHandedToAnOutputFile() throws {
        let s = try Scene()
        let args = [Paths.kimage, "pagetables", "--mode", "4level", "--identity", "0+2M", "--base", "0x100000", "--format", "bin"]
        // With -o the CR3 status line goes to stderr: the file opened where fd 1 was stays pure tables.
        let r = try run("sh", ["-c", "\"$0\" \"$@\" >&-"] + args + ["-o", "t.bin"], cwd: s.dir.path, timeout: 20)
        #expect(r.status == 0 && r.stderr.contains("CR3 0x100000"), "\(r.stderr)")
        let bin = try contentsOf(s.file("t.bin"))
        #expect(bin.count == 3 * 4096 && !String(decoding: bin, as: UTF8.self).contains("CR3"))
        // The tables themselves (as C) to a closed stdout: a failure, said on stderr.
        let closed = try run("sh", ["-c", "\"$0\" \"$@\" >&-"] + args.dropLast() + ["c"], cwd: s.dir.path, timeout: 20)
        #expect(closed.status == 1 && closed.stderr.contains("cannot write to standard output"), "\(closed.stderr)")
    }

    // MARK: Replacing keeps what the file was; temporaries of live runs stay

    @Test func replacingKeepsSetuidAndSetgid() throws {
        let s = try Scene()
        #expect(chmod(s.kernel, 0o6755) == 0)
        let r = try kimage(["redirect", "k.elf", "--manifest", "redirects.txt"], cwd: s.dir.path)
        #expect(r.status == 0, "\(r.stderr)")
        var st = stat()
        #expect(stat(s.kernel, &st) == 0 && st.st_mode & 0o7777 == 0o6755)
    }

    @Test func aLockedTemporaryOfAnotherNamespaceIsKept() throws {
        let s = try Scene()
        // pid 2^22 + 1 is above Linux's pid_max: no process here has it, as for a run in another
        // PID namespace. flock(1) holds the lock as that run would.
        let live = s.file(".k.elf.kimage-tmp.4194305"), dead = s.file(".k.elf.kimage-tmp.4194306")
        try Data().write(to: URL(fileURLWithPath: live))
        try Data().write(to: URL(fileURLWithPath: dead))
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: try requireTool("flock"))
        holder.arguments = [live, "sleep", "30"]
        try holder.run()
        defer { holder.terminate() }
        usleep(300_000)
        let r = try kimage(["redirect", "k.elf", "--manifest", "redirects.txt"], cwd: s.dir.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: live), "a live run's temporary was removed")
        #expect(!FileManager.default.fileExists(atPath: dead), "a dead run's temporary was kept")
    }

    // MARK: Silent drops

    @Test func anEmptyKimageTomlIsAnEmptyConfiguration() throws {
        let s = try Scene()
        try s.dir.write("kimage.toml", "")
        let r = try kimage(["count", "--manifest", "redirects.txt"], cwd: s.dir.path)
        #expect(r.status == 0 && r.stdout == "2\n", "\(r.stderr)")
        try s.dir.write("kimage.toml", "[pagetables]\nrecursive = -1\n")
        try expectRefusal(s, ["pagetables", "--mode", "4level", "--identity", "0+2M"],
                          ["kimage.toml:2: [pagetables] recursive is -1; expected a non-negative integer"])
    }

    @Test func aRedirectDirectiveWithAnOddSeparatorIsAnError() throws {
        let s = try Scene()
        try s.dir.write("go/go.mod", "module kern\n")
        try s.dir.write("go/a.go", "package kern\n\n//go:redirect-from\u{A0}runtime.throw\nfunc Panic() {}\n\n//go:redirect-from: runtime.other\nfunc Other() {}\n")
        try expectRefusal(s, ["count", "--go", "go"], [
            "go/a.go:3: //go:redirect-from is followed by U+00A0 (no-break space), not a space or tab",
            "go/a.go:6: //go:redirect-from is followed by U+003A (colon)",
        ])
    }
}
