import Foundation
import Testing
import KImageKit
import TestSupport

@Suite struct TemplateTests {
    @Test func rendersEveryPlaceholder() throws {
        let out = try TemplateRenderer.render("a {{x}} b {{y_2}}\n{{x}}", name: "t", values: ["x": "1", "y_2": "two"])
        #expect(out == "a 1 b two\n1")
    }

    @Test func leavesEverythingElseAlone() throws {
        let text = "mov rax, [rsi + 8] ; { not a placeholder }\n$(BUILD)/%.o: $<\n. = ALIGN(16);\n"
        #expect(try TemplateRenderer.render(text, name: "t", values: [:]) == text)
    }

    @Test func refusesAnUnknownNameWithItsLine() throws {
        #expect(throws: ConfigError.unknownPlaceholder(template: "t.ld", line: 3, name: "base", known: ["arch"])) {
            try TemplateRenderer.render("one\ntwo\n. = {{base}};\n", name: "t.ld", values: ["arch": "x"])
        }
        let error = ConfigError.unknownPlaceholder(template: "t.ld", line: 3, name: "base", known: ["arch"])
        #expect(error.description == "template t.ld:3: unknown placeholder {{base}}; known: arch")
    }

    @Test func refusesMalformedPlaceholders() throws {
        #expect(throws: ConfigError.malformedPlaceholder(template: "t", line: 2, text: "{{open")) {
            try TemplateRenderer.render("x\n{{open\n}}", name: "t", values: [:])
        }
        #expect(throws: ConfigError.malformedPlaceholder(template: "t", line: 1, text: "{{Bad Name}}")) {
            try TemplateRenderer.render("{{Bad Name}}", name: "t", values: [:])
        }
    }

    /// The binary carries templates/ as generated Swift source; this proves it is current.
    @Test func embeddedTemplatesMatchTheTemplatesFolder() throws {
        let root = URL(fileURLWithPath: Paths.templates)
        var onDisk: [String: String] = [:]
        let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])!
        for case let url as URL in walker {
            guard try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true else { continue }
            let rel = String(url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1))
            if rel.hasPrefix("boot/") { continue }
            onDisk[rel] = try String(contentsOf: url, encoding: .utf8)
        }
        #expect(Templates.names == onDisk.keys.sorted(), "run scripts/gen-templates")
        for (name, text) in onDisk {
            #expect(try Templates.text(name) == text, "\(name) changed: run scripts/gen-templates")
        }
    }

    @Test func everyProjectTemplateRendersForEveryLayout() throws {
        for layout in KernelLayout.allCases {
            let project = try InitProject(arch: layout.arch, layout: layout)
            let files = try project.files()
            #expect(files.map(\.path).contains("src/main.c"))
            for file in files { #expect(!file.contents.contains("{{"), "\(file.path) left a placeholder") }
            let makefile = try #require(files.first { $0.path == "Makefile" })
            #expect(makefile.contents.contains(layout.cflags))
            let ld = try #require(files.first { $0.path == "linker.ld" })
            #expect(ld.contents.contains("INCLUDE redirects.ld"))
            #expect(ld.contents.contains(String(format: "0x%llX", layout.virtualBase)))
        }
    }

    @Test func aTemplateTheBinaryLacksIsAnError() throws {
        #expect(throws: ConfigError.missingTemplate(name: "ld/nope.ld")) { try Templates.text("ld/nope.ld") }
    }

    @Test func initCannotWriteBelowAFile() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("plain", "x\n")
        let project = try InitProject(arch: .x86_64, layout: .gopher)
        #expect(throws: ConfigError.unresolvableProjectDirectory(path: file + "/k", reason: "it is below a file, not a directory")) {
            try project.write(to: file + "/k", force: false)
        }
        #expect(try dir.contents() == ["plain"])
        #expect(try contentsOf(file) == Array("x\n".utf8))
    }

    @Test func anArchAndALayoutThatDisagreeAreRefused() throws {
        #expect(throws: ConfigError.layoutNeedsOtherArch(layout: "jinue", layoutArch: "i386", arch: "x86_64")) {
            try InitProject(arch: .x86_64, layout: .jinue)
        }
    }

    /// The Makefile's fallback binary is one `$(if ...)` argument the shell reads back as the
    /// path; a path make cannot carry leaves plain `kimage`.
    @Test func theMakefileFallsBackToTheBinaryThatWroteIt() throws {
        func kimageLine(_ path: String?) throws -> String {
            let makefile = try #require(try InitProject(arch: .x86_64, layout: .gopher, kimageFallback: path).files().first { $0.path == "Makefile" })
            return try #require(makefile.contents.split(separator: "\n").first { $0.hasPrefix("KIMAGE ?=") }.map(String.init))
        }
        #expect(try kimageLine("/opt/k/bin/kimage") == "KIMAGE ?= $(if $(shell command -v kimage 2>/dev/null),kimage,/opt/k/bin/kimage)")
        #expect(try kimageLine("/home/o'neil/$x/kimage") == "KIMAGE ?= $(if $(shell command -v kimage 2>/dev/null),kimage,'/home/o'\\''neil/$$x/kimage')")
        for unfit in ["/a b/kimage", "/a#b/kimage", "/a,b/kimage", "/a(b)/kimage", "relative/kimage", nil] {
            #expect(try kimageLine(unfit) == "KIMAGE ?= $(if $(shell command -v kimage 2>/dev/null),kimage,kimage)")
        }
    }

    /// The installer and linker-script templates assemble and link as they are shipped.
    /// One template serves every layout; what differs comes from the layout and the redirect table
    /// entry's declaration, so a script cannot size a slot differently from what redirect fills.
    @Test func oneLinkerScriptTemplateRenderedPerLayout() throws {
        #expect(Templates.names.filter { $0.hasPrefix("ld/") } == [KernelLayout.linkerScriptTemplate])
        for layout in KernelLayout.allCases {
            let script = try layout.linkerScript()
            let bits64 = layout.arch == .x86_64
            let slot = RedirectTable.entrySize(for: bits64 ? .elf64 : .elf32)
            #expect(script.hasPrefix("/* kimage layout \"\(layout.rawValue)\": a \(bits64 ? 64 : 32)-bit kernel"))
            #expect(script.contains("OUTPUT_FORMAT(\"\(bits64 ? "elf64-x86-64" : "elf32-i386")\")"))
            #expect(script.contains("KERNEL_VIRTUAL_BASE = 0x\(String(layout.virtualBase, radix: 16, uppercase: true));"))
            #expect(script.contains("KERNEL_PHYSICAL_START = 0x100000;"))
            #expect(script.contains("NUM_REDIRECTS * \(slot);") && script.contains(".goredirectstbl ALIGN(\(slot))"))
            #expect(!script.contains("{{"), "\(layout): a placeholder left")
        }
    }

    @Test func linkerScriptsSizeTheTableFromNumRedirects() throws {
        for layout in KernelLayout.allCases {
            for count in [0, 1, 3] {
                let dir = try TemporaryDirectory()
                let bits64 = layout.arch == .x86_64
                let installer = try Toolchain.nasm(try Templates.text("rt0/kimage_redirects_\(layout.arch.rawValue).asm"),
                                                   in: dir, name: "inst", format: bits64 ? "elf64" : "elf32")
                let entry = try Toolchain.nasm(fixture: "minimal/hlt.asm", in: dir, name: "entry", format: bits64 ? "elf64" : "elf32")
                try dir.write("redirects.ld", "NUM_REDIRECTS = \(count);\n")
                // -L before -T: ld resolves the script's INCLUDE when it reads -T.
                let script = try dir.write("k.ld", try layout.linkerScript())
                let elf = dir.file("k.elf")
                try mustRun("ld", ["-m", bits64 ? "elf_x86_64" : "elf_i386", "-nostdlib", "-z", "noexecstack",
                                   "-L", dir.path, "-T", script, "-o", elf, entry, installer])
                let file = try ELFFile(path: elf)
                let table = try #require(file.section(named: ".goredirectstbl"))
                #expect(table.size == UInt64(count * (bits64 ? 16 : 8)), "\(layout) \(count)")
                #expect(table.type == 1, "PROGBITS, so redirect has file bytes to fill")
            }
        }
    }
}
