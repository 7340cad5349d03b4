/// Keys and values a model keeps between the forwards of one decoding session (approximate KV
/// caching, Fast-dLLM style). A decoder owns one per session and never looks inside: the model
/// keeps whatever it needs in `storage`. Not shared between sessions, so lanes that share one
/// model each keep their own.
public final class KVCache: @unchecked Sendable {
    // @unchecked: one session uses a cache at a time, and the model touches `storage` only
    // inside its own (serialised) forward.
    public var storage: AnyObject?

    public init() {}

    /// Forgets everything; the next forward must compute every row.
    public func clear() { storage = nil }
}

/// Which sequence rows one forward computes.
public enum RowPlan: Sendable, Equatable {
    /// Every row. With a cache, every row's keys and values are stored for later forwards.
    case all
    /// Only these rows (ascending sequence indices): their queries, keys, values and MLP; every
    /// other row attends with the keys and values the cache holds from earlier forwards. The
    /// model adds the rows its logit shift reads (row i-1 for position i), so callers name the
    /// rows whose tokens changed or whose logits they want, in positions, never in output rows.
    case only([Int])
}

/// One forward's logits and what it cost.
public struct ForwardOutput: Sendable {
    public var rows: LogitRows
    /// Floating-point operations of the forward (2 per multiply-add, engines.md §5); nil when
    /// the model does not count them.
    public var flops: Double?
    /// Sequence rows whose queries and MLP the forward computed (the logit-shift rows included).
    public var computedRows: Int?

    public init(rows: LogitRows, flops: Double? = nil, computedRows: Int? = nil) {
        self.rows = rows
        self.flops = flops
        self.computedRows = computedRows
    }
}

/// Why a cached forward was refused.
public enum KVCacheError: Error, Equatable, CustomStringConvertible {
    /// `.only` rows were asked of a cache that holds nothing for this sequence length.
    case notFilled(sequenceLength: Int)
    /// A row of `.only` is outside the sequence or the rows are not ascending and distinct.
    case badRow(row: Int, sequenceLength: Int)

    public var description: String {
        switch self {
        case let .notFilled(length):
            "cached forward: the cache holds no keys and values for a sequence of \(length) tokens; compute every row first"
        case let .badRow(row, length):
            "cached forward: row \(row) is not an ascending, distinct index into a sequence of \(length) tokens"
        }
    }
}

extension LogitsModel {
    /// Models without a cache compute every row and ignore `cache` and `plan`: an exact answer
    /// for any plan, so decoders can ask for caching of any model.
    public func forward(tokens: [Int], positions: [Int], cache: KVCache?, plan: RowPlan) throws -> ForwardOutput {
        ForwardOutput(rows: try logits(tokens: tokens, positions: positions))
    }
}
