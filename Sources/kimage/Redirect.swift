import ArgumentParser
import KImageKit

struct Redirect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redirect",
        abstract: "Not implemented yet."
    )

    func run() throws {
        printError("kimage redirect: not implemented yet")
        throw ExitCode.failure
    }
}
