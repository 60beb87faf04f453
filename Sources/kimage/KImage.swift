import ArgumentParser
import FoundationEssentials
import KImageKit
#if canImport(Glibc)
import Glibc
#endif

@main
struct KImage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kimage",
        abstract: "Turn a linked x86 kernel ELF into something that boots.",
        discussion: """
        Typical Makefile use:
          nasm -dNUM_REDIRECTS=$(kimage count --go src) rt0.asm
          ld -T kernel.ld -o build/kernel.elf ...
          kimage redirect build/kernel.elf --go src
          kimage pack --kernel build/kernel.elf -o build/kernel.img
          qemu-system-x86_64 -kernel build/kernel.img

        Options of count, redirect, pagetables and pack can also be set in kimage.toml
        (read from the working directory, or named with --config FILE); flags override it.
        `kimage init DIR` writes a kernel project that uses all of this; `kimage link` runs go
        and ld itself (Go kernels: `kimage init DIR --lang go`).

        Exit status: 0 success, 1 failure, 64 usage error. The full manual: `man kimage`
        and `man kimage-COMMAND` (PREFIX/share/man, installed by `make install`).
        """,
        version: KImageVersion.string,
        subcommands: [Count.self, Redirect.self, Pagetables.self, Pack.self, Esp.self, Inspect.self, Init.self, Link.self, GenerateIncludes.self]
    )

    /// Options of count, redirect, pagetables and pack can also come from kimage.toml (or
    /// `--config FILE`); they become arguments before ArgumentParser sees the command line, so
    /// flags typed by the user override the file and every command validates them the same way.
    static func main() {
        StandardOutput.guardStandardDescriptors()
        let arguments: [String]
        do {
            arguments = try ConfigArguments.expand(
                Array(CommandLine.arguments.dropFirst()),
                fileExists: { FileManager.default.fileExists(atPath: $0) },
                load: { try KImageConfig(path: $0) })
        } catch let error as any KImageError {
            printError("kimage: error: \(error.description)")
            Glibc.exit(ExitCode.failure.rawValue)
        } catch {
            printError("kimage: error: \(error)")
            Glibc.exit(ExitCode.failure.rawValue)
        }
        if let message = CommandLineCheck.unknownCommand(arguments) {
            printError("kimage: error: \(message)")
            Glibc.exit(ExitCode.validationFailure.rawValue)
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            finish(with: error, arguments: arguments)
        }
    }

    /// One error format for every failure: `kimage: error: MESSAGE` on stderr; usage errors
    /// (exit 64) point at the command's --help. Help, --version and completion scripts go to
    /// stdout with status 0.
    static func finish(with error: Error, arguments: [String]) -> Never {
        if let code = error as? ExitCode { Glibc.exit(code.rawValue) }
        let code = exitCode(for: error)
        if code == .success {
            try? StandardOutput.write(Array((fullMessage(for: error) + "\n").utf8))
            Glibc.exit(0)
        }
        var message = message(for: error)
        if code == .validationFailure {
            message = CommandLineCheck.unknownOption(arguments) ?? message
        }
        if !message.isEmpty { printError("kimage: error: \(message)") }
        if code == .validationFailure, let command = arguments.first, CommandLineCheck.commandNames.contains(command) {
            printError("usage: kimage \(command) --help")
        }
        Glibc.exit(code.rawValue)
    }
}

/// Runs a subcommand body: KImageKit errors become `kimage: error: ...` on stderr and exit 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as any KImageError {
        printError("kimage: error: \(error.description)")
        throw ExitCode.failure
    }
}

func printError(_ message: String) {
    var stderr = StandardError()
    print(Printable.terminalSafe(message), to: &stderr)
}

/// write(2), not FileHandle: FileHandle traps when the write fails, and a message that cannot
/// be shown must not turn a failure into a crash.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var bytes = Array(string.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            bytes = bytes.dropFirst(n)
        }
    }
}
