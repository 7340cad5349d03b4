/// What a decoder needs from a model: logits rows for the positions it asks about.
///
/// Rows are *aligned*: row `k` predicts the token at `positions[k]`. Families that
/// predict position `i` from output row `i - 1` (the Dream "logit shift") handle that
/// inside their implementation, so decoders never see it.
public protocol LogitsModel {
    /// Number of entries in each logits row.
    var vocabularySize: Int { get }

    /// One forward pass over `tokens` (prompt and canvas, masks included) returning the
    /// rows for `positions`, in the order given. Positions are indices into `tokens`.
    func logits(tokens: [Int], positions: [Int]) throws -> LogitRows

    /// The same rows, computing only the rows `plan` names and reusing `cache` for the others
    /// (approximate when the cache holds keys and values from an older sequence). The default
    /// (in KVCache.swift) ignores the cache and computes everything.
    func forward(tokens: [Int], positions: [Int], cache: KVCache?, plan: RowPlan) throws -> ForwardOutput

    /// The longest sequence (prompt + canvas) the model was made for; nil when unknown.
    var maxSequenceLength: Int? { get }

    /// Hands back rows the caller is done with, so that a later forward may write its logits
    /// into their memory: a fresh block (64 MiB for 512 rows of a 32k vocabulary) costs page
    /// faults and kernel zeroing on every forward. Pass only rows nothing else still reads;
    /// rows that are still shared stay correct, the reuse then just copies. The default drops them.
    func recycle(_ rows: consuming LogitRows)
}

extension LogitsModel {
    public var maxSequenceLength: Int? { nil }
    public func recycle(_ rows: consuming LogitRows) {}
}

/// A dense `positions.count × vocabularySize` block of float32 logits, row-major.
public struct LogitRows: Sendable, Equatable {
    public let positions: [Int]
    public let vocabularySize: Int
    public var values: [Float]

    public init(positions: [Int], vocabularySize: Int, values: [Float]) {
        precondition(values.count == positions.count * vocabularySize,
                     "LogitRows: \(values.count) values for \(positions.count)×\(vocabularySize)")
        self.positions = positions
        self.vocabularySize = vocabularySize
        self.values = values
    }

    public var rowCount: Int { positions.count }

    /// The logits row for the `index`-th requested position.
    public func row(_ index: Int) -> ArraySlice<Float> {
        values[(index * vocabularySize)..<((index + 1) * vocabularySize)]
    }
}
