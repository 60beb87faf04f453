import ArgumentParser
import KImageKit

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Not implemented yet."
    )

    func run() throws {
        printError("kimage inspect: not implemented yet")
        throw ExitCode.failure
    }
}
