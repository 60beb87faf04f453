import ArgumentParser
import KImageKit

struct Pack: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pack",
        abstract: "Not implemented yet."
    )

    func run() throws {
        printError("kimage pack: not implemented yet")
        throw ExitCode.failure
    }
}
