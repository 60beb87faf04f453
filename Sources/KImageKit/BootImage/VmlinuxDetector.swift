/// Recognises a Linux vmlinux by its own markers, for `--handoff auto` (LinuxVmlinux).
package enum VmlinuxDetector {
    /// What marks `kernel` as a Linux vmlinux (e.g. "the \"Linux\" ELF note"), nil when nothing does.
    /// A note kimage cannot read makes it no vmlinux, the safe answer for auto-detection.
    package static func markers(of kernel: ELFHeaders) -> String? {
        (try? LinuxVmlinux.detect(kernel))??.markers
    }
}
