/// One logits block handed back through `LogitsModel.recycle`, for the next forward to write
/// into: a fresh block costs a page fault and kernel zeroing per 4 KiB on every forward (about
/// 4% of a tiny-1024 forward at 512 rows, more with a 126k vocabulary). A forward of the same or
/// fewer values reuses it (shrinking an array keeps its memory, so a decode whose steps ask for
/// fewer rows keeps the first step's block); a larger one allocates afresh.
struct SpareLogits {
    private var values: [Float]?

    /// Keeps the larger of `block` and the block already kept.
    mutating func keep(_ block: [Float]) {
        guard block.capacity > values?.capacity ?? 0 else { return }
        values = block
    }

    /// The kept block resized to `count` values, or nil when it cannot hold them. Its contents
    /// are stale: the caller overwrites every value.
    mutating func take(count: Int) -> [Float]? {
        guard var block = values, block.capacity >= count else { return nil }
        values = nil   // `block` is now the only reference (unless the caller of `recycle` kept one)
        if block.count > count {
            block.removeLast(block.count - count)
        } else if block.count < count {
            block.append(contentsOf: repeatElement(0, count: count - block.count))
        }
        return block
    }
}
