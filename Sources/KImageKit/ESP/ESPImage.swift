import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// `kimage esp`: a FAT EFI system partition image (a "superfloppy", no partition table, which
/// OVMF and GRUB accept) holding a kimage image where firmware looks for it. The FAT comes from
/// mtools, not from kimage: it is the well-kept implementation.
///
/// Without a command line the image is the removable-media boot file \EFI\BOOT\BOOTX64.EFI (UEFI
/// 3.5.1.1): firmware starts it with empty LoadOptions, so the kernel gets `kimage pack
/// --cmdline`. With one, the image is \EFI\kimage\kernel.efi and startup.nsh starts it with the
/// line: only a UEFI shell passes a command line from a disk (and BOOTX64.EFI would run before
/// the shell), so this needs firmware with a shell, as OVMF has (5 s countdown first). An initrd
/// goes beside the image and the line names it with `initrd=`, which the EFI stub reads as
/// Linux's does.
package enum ESPImage {
    package struct Options: Sendable {
        package var imagePath: String
        package var outputPath: String
        package var commandLine: String?
        /// A file for the kernel's initrd: \EFI\kimage\initrd.img, named by initrd= on the line.
        package var initrdPath: String?
        package var size: UInt64 = 32 << 20

        package init(imagePath: String, outputPath: String) {
            self.imagePath = imagePath
            self.outputPath = outputPath
        }
    }

    package struct Report: Sendable, Equatable {
        package let output: String
        package let size: UInt64
        package let files: [String]
        package let commandLine: String?

        package func json() -> JSONValue {
            .object([("schema", .int(1)), ("output", .string(output)), ("size", .address(size)), ("files", .array(files.map { .string($0) })),
                     ("commandLine", .optional(commandLine))])
        }

        package var text: String {
            var lines = ["\(output): \(size) bytes, FAT EFI system partition"]
            lines += files.map { "  \($0)" }
            if let commandLine { lines.append("startup.nsh passes the command line \"\(commandLine)\" (needs a firmware with a UEFI shell)") }
            else { lines.append("the firmware starts \\EFI\\BOOT\\BOOTX64.EFI with no command line: the kernel gets kimage pack --cmdline") }
            return lines.joined(separator: "\n")
        }
    }

    static let bootPath = "::/EFI/BOOT/BOOTX64.EFI"
    static let shellPath = "::/EFI/kimage/kernel.efi"
    static let initrdPath = "::/EFI/kimage/initrd.img"
    package static let initrdArgument = "initrd=\\EFI\\kimage\\initrd.img"

    /// "32M", "64m", "1G", "4096K" or plain bytes.
    package static func parseSize(_ text: String) throws -> UInt64 {
        let units: [Character: UInt64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        var digits = Substring(text)
        var unit: UInt64 = 1
        if let last = text.uppercased().last, let u = units[last] {
            unit = u
            digits = digits.dropLast()
        }
        guard let n = UInt64(digits), n <= (2 << 30) / unit else { throw ESPError.badSize(text: text) }
        let size = n * unit
        guard size >= 2 << 20, size <= 2 << 30 else { throw ESPError.badSize(text: text) }
        return size
    }

    package static func write(_ options: Options) throws -> Report {
        let file = try FileBytes(path: options.imagePath)
        try checkEFIApplication(file, path: options.imagePath)
        if let line = options.commandLine, line.utf8.contains(where: { $0 < 0x20 || $0 > 0x7E }) {
            throw ESPError.commandLineNotASCII
        }
        // The initrd rides on the command line, so it takes the shell's route too.
        var commandLine = options.commandLine
        var initrdSize: UInt64 = 0
        if let path = options.initrdPath {
            initrdSize = UInt64(try FileBytes(path: path).count)
            commandLine = [options.commandLine, initrdArgument].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
        }
        let imageSize = UInt64(file.count)
        let size = options.size / 512 * 512
        guard size >= imageSize + initrdSize + 1 << 20 else { throw ESPError.tooSmall(size: size, imageSize: imageSize + initrdSize) }

        let work = try makeWorkDirectory(beside: options.outputPath)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let fat = work + "/esp.img"
        let image = work + "/image.efi"
        // A copy: mcopy reads it after the checks above, so a file changed meanwhile cannot slip in.
        try withExtendedLifetime(file) {
            try Data(bytes: file.bytes.baseAddress!, count: file.count).write(to: URL(fileURLWithPath: image))
        }
        // 64 heads x 32 sectors, as mkfs tools default for disks without geometry.
        try run("mformat", ["-i", fat, "-C", "-T", String(size / 512), "-h", "64", "-s", "32", "-v", "KIMAGE", "-N", "4B494D47", "::"])
        let files = try commandLine.map { try copyShellBoot(fat: fat, work: work, image: image, commandLine: $0, initrd: options.initrdPath) }
            ?? copyRemovableMediaBoot(fat: fat, image: image)
        let bytes = try FileBytes(path: fat)
        try withExtendedLifetime(bytes) {
            try OutputFile.write(bytes.bytes, to: options.outputPath)
        }
        return Report(output: options.outputPath, size: size, files: files, commandLine: commandLine)
    }

    static func checkEFIApplication(_ file: FileBytes, path: String) throws {
        try withExtendedLifetime(file) {
            guard let pe = PEHeader(decoding: file.bytes) else {
                throw ESPError.notEFIApplication(path: path, found: "it has no \"MZ\" and \"PE\\0\\0\" header")
            }
            guard pe["Machine"] == PEHeader.machineX64, pe["Subsystem"] == PEHeader.subsystemEFIApplication else {
                throw ESPError.notEFIApplication(path: path,
                                                 found: "machine \(hex(pe["Machine"], digits: 4)), subsystem \(pe["Subsystem"]) (expected 0x8664 and 10)")
            }
        }
    }

    /// Built in a private directory beside the output, then written like every other output.
    static func makeWorkDirectory(beside output: String) throws -> String {
        let directory = PathNames.directory(of: output)
        let template = (directory.isEmpty ? "." : directory) + "/.esp.kimage-tmp.XXXXXX"
        var chars = Array(template.utf8CString)
        guard let made = mkdtemp(&chars) else {
            throw FileError.cannotCreateTemporary(directory: directory.isEmpty ? "." : directory, reason: String(cString: strerror(errno)))
        }
        return String(cString: made)
    }

    /// No command line: the removable-media path firmware boots by itself.
    static func copyRemovableMediaBoot(fat: String, image: String) throws -> [String] {
        try run("mmd", ["-i", fat, "::/EFI", "::/EFI/BOOT"])
        try run("mcopy", ["-i", fat, image, bootPath])
        return ["\\EFI\\BOOT\\BOOTX64.EFI"]
    }

    /// A command line (or initrd): the image started by the UEFI shell's startup.nsh with it.
    static func copyShellBoot(fat: String, work: String, image: String, commandLine line: String, initrd: String?) throws -> [String] {
        try run("mmd", ["-i", fat, "::/EFI", "::/EFI/kimage"])
        try run("mcopy", ["-i", fat, image, shellPath])
        if let initrd {
            let copy = work + "/initrd.img"
            try FileManager.default.copyItem(atPath: initrd, toPath: copy)
            try run("mcopy", ["-i", fat, copy, initrdPath])
        }
        let script = work + "/startup.nsh"
        // The shell maps the boot disk as FS0: (the only file system here); CR LF lines.
        try Data("fs0:\r\n\\EFI\\kimage\\kernel.efi \(line)\r\n".utf8).write(to: URL(fileURLWithPath: script))
        try run("mcopy", ["-i", fat, script, "::/startup.nsh"])
        return ["\\EFI\\kimage\\kernel.efi"] + (initrd == nil ? [] : ["\\EFI\\kimage\\initrd.img"]) + ["\\startup.nsh"]
    }

    static func run(_ tool: String, _ arguments: [String]) throws {
        guard let executable = ExternalTool.find(tool) else { throw ESPError.toolMissing(tool: tool) }
        // Same inputs, same bytes: fixed timestamps (1980-01-01, FAT's epoch) and serial (-N).
        let r = try ExternalTool.run(executable, arguments, environment: ["MTOOLS_SKIP_CHECK": "1", "SOURCE_DATE_EPOCH": "315532800"])
        guard r.status == 0 else {
            throw ESPError.toolFailed(command: ([tool] + arguments).joined(separator: " "), status: r.status,
                                      output: r.output.trimmingWhitespace())
        }
    }
}
