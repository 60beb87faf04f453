import ArgumentParser
import Foundation
import KImageKit

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
        """,
        version: KImageVersion.string,
        subcommands: [Count.self, Redirect.self, Pagetables.self, Pack.self, Inspect.self, Init.self]
    )
}

/// Runs a subcommand body: KImageKit errors become `kimage: error: ...` on stderr and exit 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as KImageError {
        printError("kimage: error: \(error.description)")
        throw ExitCode.failure
    }
}

func printError(_ message: String) {
    var stderr = StandardError()
    print(message, to: &stderr)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}
