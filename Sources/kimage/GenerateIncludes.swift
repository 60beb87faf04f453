import ArgumentParser
import KImageKit

/// For kimage's own build (`make generate`): writes the C and nasm includes that come from the
/// layout declarations. Hidden: kernel projects never need it.
struct GenerateIncludes: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-includes",
        abstract: "Write templates/include/kimage/bootinfo.{h,inc}, templates/boot/plan.inc and bootparams.inc.",
        shouldDisplay: false
    )

    @Argument(help: "The kimage package root.")
    var root: String

    func run() throws {
        try reportingErrors {
            try GeneratedIncludes.write(root: root)
            for file in GeneratedIncludes.all { try StandardOutput.line(file.path) }
        }
    }
}
