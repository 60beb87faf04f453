import ArgumentParser
import KImageKit

struct Count: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "count",
        abstract: "Not implemented yet."
    )

    func run() throws {
        printError("kimage count: not implemented yet")
        throw ExitCode.failure
    }
}
