import ArgumentParser
import FoundationEssentials
import KImageKit

struct Esp: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "esp",
        abstract: "Write a FAT EFI system partition image that boots a kimage image under UEFI.",
        usage: "kimage esp <image> --output <output> [<options>]",
        discussion: """
        The image (from kimage pack, without --no-efi) becomes \\EFI\\BOOT\\BOOTX64.EFI, which
        firmware starts from removable media; the kernel then gets kimage pack --cmdline. With
        --cmdline the image is \\EFI\\kimage\\kernel.efi and startup.nsh starts it from the UEFI
        shell with that line (OVMF has a shell; it waits 5 s first). --initrd FILE puts FILE at
        \\EFI\\kimage\\initrd.img and adds initrd=\\EFI\\kimage\\initrd.img to that line: the EFI
        stub loads it as Linux's does. Needs mtools.

        Example:
          kimage esp -o build/esp.img build/kernel.img
          qemu-system-x86_64 -machine q35 -bios /usr/share/ovmf/OVMF.fd \\
              -drive file=build/esp.img,format=raw -serial stdio
        """
    )

    @Argument(help: "The kimage image (a PE32+ EFI application).")
    var image: String

    @Option(name: .shortAndLong, help: "The ESP image to write.")
    var output: String

    @Option(help: "Command line, passed by the UEFI shell through startup.nsh.")
    var cmdline: String?

    @Option(help: "An initrd: written beside the image and named on the command line with initrd=, which the EFI stub loads.")
    var initrd: String?

    @Option(help: "Size of the FAT image: bytes or K, M, G.")
    var size: String = "32M"

    @Flag(help: "Print the result as JSON.")
    var json = false

    @Flag(name: .shortAndLong, help: "Print nothing but warnings and errors.")
    var quiet = false

    func run() throws {
        try reportingErrors {
            var options = ESPImage.Options(imagePath: image, outputPath: output)
            options.commandLine = cmdline
            options.initrdPath = initrd
            options.size = try ESPImage.parseSize(size)
            let report = try ESPImage.write(options)
            if json {
                try StandardOutput.line(report.json().rendered())
            } else if !quiet {
                try StandardOutput.line(report.text)
            }
        }
    }
}
