import Foundation

/// A FAT "superfloppy" (no partition table; OVMF and GRUB accept it, shared/reference/uefi.md §6)
/// holding the files a loader's ESP needs, made with mtools as `kimage esp` does.
public enum FATImage {
    /// `files` maps a host path to a path on the image ("/EFI/BOOT/BOOTX64.EFI"); parent
    /// directories are created. Returns `path`.
    @discardableResult
    public static func make(_ path: String, files: [(from: String, to: String)], sizeMB: Int = 32) throws -> String {
        try mustRun(requireTool("mformat"), ["-i", path, "-C", "-T", String(sizeMB * 2048), "-h", "64", "-s", "32", "-v", "ESP", "::"])
        var made: Set<String> = []
        for (from, to) in files {
            var dir = ""
            for part in to.split(separator: "/").dropLast() {
                dir += "/" + part
                if made.insert(dir).inserted { try mustRun(requireTool("mmd"), ["-i", path, "::" + dir]) }
            }
            try mustRun(requireTool("mcopy"), ["-i", path, from, "::" + to])
        }
        return path
    }
}
