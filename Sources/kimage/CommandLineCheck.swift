import ArgumentParser
import FoundationEssentials
import KImageKit

/// Checks ArgumentParser does late or not at all: a mistyped command is named as such (not as
/// an unknown option of the root), and an unknown option wins over a command's own validation
/// (`count --bogus` is about --bogus, not about missing sources).
enum CommandLineCheck {
    /// The visible command names (`help` included).
    static var commandNames: [String] {
        KImage.configuration.subcommands.filter { $0.configuration.shouldDisplay }.map { $0._commandName } + ["help"]
    }

    /// A usage message when the first word is no command; nil when it is one (or an option).
    static func unknownCommand(_ arguments: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-") else { return nil }
        let all = KImage.configuration.subcommands.map { $0._commandName } + ["help"]
        if all.contains(first) { return nil }
        let names = commandNames
        let hint = NearestName.closest(to: first, among: names).map { "did you mean `\($0)`? " } ?? ""
        return "unknown command `\(first)`; \(hint)the commands are \(names.joined(separator: ", ")) (kimage --help)"
    }

    /// The first option the command does not declare, as a usage message with the nearest name.
    static func unknownOption(_ arguments: [String]) -> String? {
        guard let command = arguments.first, !command.hasPrefix("-") else { return nil }
        let declared = declaredNames(of: command)
        guard !declared.isEmpty else { return nil }
        for argument in arguments.dropFirst() {
            if argument == "--" { break }
            guard argument.hasPrefix("-"), argument != "-", !argument.dropFirst().allSatisfy({ $0.isNumber }) else { continue }
            let name = argument.hasPrefix("--") ? String(argument.split(separator: "=", maxSplits: 1)[0]) : String(argument.prefix(2))
            if declared.contains(name) { continue }
            let hint = NearestName.closest(to: name, among: declared.filter { $0.hasPrefix("--") }).map { "; did you mean \($0)?" } ?? ""
            return "unknown option \(name) for kimage \(command)\(hint) (kimage \(command) --help lists them)"
        }
        return nil
    }

    /// Every option name `command` declares, hidden ones too, from ArgumentParser's own dump.
    static func declaredNames(of command: String) -> Set<String> {
        guard let dump = try? JSONDecoder().decode(HelpDump.self, from: Data(KImage._dumpHelp().utf8)),
              let sub = dump.command.subcommands?.first(where: { $0.commandName == command }) else { return [] }
        var names: Set<String> = ["--config"]
        for argument in sub.arguments ?? [] {
            for name in argument.names ?? [] {
                names.insert(name.kind == "short" ? "-" + name.name : "--" + name.name)
            }
        }
        return names
    }

    /// The part of ArgumentParser's `--experimental-dump-help` JSON read here.
    private struct HelpDump: Decodable {
        struct Command: Decodable {
            let commandName: String
            let subcommands: [Command]?
            let arguments: [Argument]?
        }
        struct Argument: Decodable { let names: [Name]? }
        struct Name: Decodable { let kind: String; let name: String }
        let command: Command
    }
}
