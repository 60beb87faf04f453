import ArgumentParser
import KImageKit

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Not implemented yet."
    )

    func run() throws {
        printError("kimage init: not implemented yet")
        throw ExitCode.failure
    }
}
