import Foundation
import Testing
import TestSupport

/// `make fuzz` starts from seeds Fuzz/seeds.sh builds out of the same fixture sources the tests
/// use (Tests/Fixtures/): a seed script that broke would only show when someone fuzzes.
@Suite struct FuzzSeedTests {
    @Test func seedScriptBuildsASeedForEveryTarget() throws {
        let dir = try TemporaryDirectory()
        let r = try run("/bin/bash", [Paths.packageRoot + "/Fuzz/seeds.sh", Paths.kimage, dir.path], timeout: 120)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.isEmpty, "seeds.sh prints nothing when it works: \(r.stderr)")
        let targets = try FileManager.default.contentsOfDirectory(atPath: Paths.packageRoot + "/Fuzz")
            .filter { $0.hasSuffix(".swift") }.map { String($0.dropLast(6)) }
        #expect(targets.count >= 10, "\(targets)")
        for target in targets {
            let seeds = (try? FileManager.default.contentsOfDirectory(atPath: dir.file(target))) ?? []
            #expect(!seeds.isEmpty, "no seed for fuzz target \(target)")
        }
        // The ELF seeds are what readelf reads as kernels, not leftovers of a failed step.
        let header = try mustRun("readelf", ["-h", dir.file("elf/k64.elf")]).stdout
        #expect(header.contains("EXEC (Executable file)") && header.contains("X86-64"), "\(header)")
    }
}
