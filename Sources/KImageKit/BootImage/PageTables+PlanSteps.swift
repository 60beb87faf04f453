extension PageTables {
    /// The tables as load-plan steps on zeroed memory: one entries step per regular run of
    /// non-zero entries (each `1 << shift` more than the last, up to `LoadStep.maxEntries`). A
    /// run may cross from one table into the next, as the identity map's page directories do.
    /// `LoadPlan.execute` of the steps over zeroed memory gives back `bytes`.
    package func entrySteps() -> [LoadStep] {
        let width = mode.entrySize
        let entries = stride(from: 0, to: bytes.count, by: width).map { at in
            width == 4 ? UInt64(bytes.loadLE(UInt32.self, at: at)!) : bytes.loadLE(UInt64.self, at: at)!
        }
        var steps: [LoadStep] = []
        var i = 0
        while i < entries.count {
            guard entries[i] != 0 else { i += 1; continue }
            let shift = Self.runShift(entries, at: i, width: width)
            var count = 1
            if let shift {
                while i + count < entries.count, count < LoadStep.maxEntries,
                      entries[i + count] != 0, entries[i + count] &- entries[i + count - 1] == 1 << shift { count += 1 }
            }
            steps.append(.entries(destination: base + UInt64(i * width), first: entries[i], shift: shift ?? 0, count: count, width: width))
            i += count
        }
        return steps
    }

    /// The shift of a run starting at `i`: the next entry is non-zero and a power of two (below
    /// 2^32, what the setup adds) more; nil when the entry stands alone.
    static func runShift(_ entries: [UInt64], at i: Int, width: Int) -> Int? {
        guard i + 1 < entries.count, entries[i + 1] != 0 else { return nil }
        let step = entries[i + 1] &- entries[i]
        // 4-byte entries wrap at 32 bits in the setup's add, as in the table.
        guard step != 0, step & (step - 1) == 0, step < 1 << 32, width == 8 || entries[i + 1] > entries[i] else { return nil }
        return step.trailingZeroBitCount
    }
}
