import Foundation
import Testing
import TestSupport

/// kimage links FoundationEssentials, never the full Foundation or its ICU-backed
/// FoundationInternationalization: in the static release binary they were 50 MB, 1,800 of its
/// 5,900 protocol conformances (which the runtime scans at each first cast or generic use) and
/// a tenth of a redirect run. MemberImportVisibility (Package.swift) stops most slips at compile
/// time; this catches the rest (a type such as Process, used through another module's import).
@Suite struct LinkedLibrariesTests {
    @Test func kimageUsesNoSymbolOfFoundationOrItsInternationalization() throws {
        // Undefined dynamic symbols (the debug build loads Foundation's .so) and defined ones (a
        // static build would carry the code itself).
        var found: [String] = []
        for flags in [["-D", "--undefined-only"], ["--defined-only"]] {
            let r = try run("nm", flags + [Paths.kimage])
            #expect(r.status == 0, "nm \(flags.joined(separator: " ")): \(r.stderr)")
            found += r.stdout.split(separator: "\n").map(String.init).filter {
                $0.contains("$s10Foundation") || $0.contains("10FoundationE") || $0.contains("28FoundationInternationalization")
            }
        }
        #expect(found.isEmpty, "kimage uses Foundation (import FoundationEssentials, or write it with Glibc): \(found.prefix(5))")
    }
}
