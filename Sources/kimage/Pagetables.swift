import ArgumentParser
import KImageKit

struct Pagetables: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pagetables",
        abstract: "Not implemented yet."
    )

    func run() throws {
        printError("kimage pagetables: not implemented yet")
        throw ExitCode.failure
    }
}
