/// `s` followed by spaces up to `width` characters (unchanged when already that long): the
/// columns of every text listing. The one padding pair of the module: use these, not
/// `String(repeating:count:)` arithmetic.
func padded(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
}

extension String {
    /// The string preceded by `pad` up to `width` characters: hex bytes ("0a"), right-aligned
    /// numbers.
    func leftPadded(_ width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
