/// Recognises a Linux vmlinux by its own markers, for `--handoff auto`. The hook the Linux
/// 64-bit handoff (issue 17 part B) fills in; until then nothing is recognised.
public enum VmlinuxDetector {
    /// What marks `kernel` as a Linux vmlinux (e.g. "the \"Linux\" ELF note"), nil when nothing does.
    public static func markers(of kernel: ELFFile) -> String? {
        nil
    }
}
