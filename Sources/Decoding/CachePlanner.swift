import ModelInterface

/// Approximate KV caching (`--cache`): which rows a step recomputes.
public enum CacheMode: String, Codable, Sendable, CaseIterable {
    /// Every forward computes every row (exact).
    case none
    /// Rows before the active region (the prompt, finished blocks) reuse their keys and values;
    /// the active region and everything after it are recomputed.
    case prefix
    /// Only the active rows are recomputed (the block, the rows asked for, and rows whose token
    /// changed since the cache last computed them); the prefix and the suffix reuse the cache
    /// (Fast-dLLM's DualCache).
    case dual
}

/// The cache mode and how often every row is recomputed.
public struct CachePolicy: Codable, Sendable, Equatable {
    public var mode: CacheMode
    /// Recompute every row on every N-th forward since the last full one (N = 1: always).
    /// nil: only where the decoder starts a new block or stage (and the first forward).
    public var refreshEvery: Int?

    public init(mode: CacheMode, refreshEvery: Int? = nil) {
        self.mode = mode
        self.refreshEvery = refreshEvery
    }

    public static let none = CachePolicy(mode: .none)

    enum CodingKeys: String, CodingKey {
        case mode
        case refreshEvery = "refresh_every"
    }
}

/// Row bookkeeping for one session: which rows each forward recomputes under a policy.
///
/// It remembers the token each row's cached keys and values were computed from. A row whose
/// token has changed since (unmasked, remasked, edited) is *dirty*: both cached modes recompute
/// it, so the cache never pretends a token is still a mask (or still its old value). What stays
/// approximate is how clean rows' keys and values depend on the rest of the sequence, which is
/// what the refresh bounds. Rows are sequence indices (prompt included).
struct CachePlanner {
    let policy: CachePolicy
    /// Token of each row when its keys and values were last computed; nil until the first forward.
    private(set) var cachedTokens: [Int]?
    private var forwardsSinceRefresh = 0
    private var lastBlock: Range<Int>?
    private var boundaryPending = false

    init(policy: CachePolicy) {
        self.policy = policy
    }

    /// The next forward recomputes every row (a new stage starts).
    mutating func markBoundary() { boundaryPending = true }

    /// The rows to compute for a forward over `tokens` that wants logits for `requested`, with
    /// `block` the active semi-autoregressive block (sequence rows) or nil outside blocks.
    mutating func plan(tokens: [Int], requested: [Int], block: Range<Int>?) -> RowPlan {
        guard policy.mode != .none else { return .all }
        let stale = cachedTokens?.count != tokens.count || block != lastBlock || boundaryPending
            || policy.refreshEvery.map { forwardsSinceRefresh >= $0 } ?? false
        lastBlock = block
        boundaryPending = false
        guard !stale, let cached = cachedTokens else {
            cachedTokens = tokens
            forwardsSinceRefresh = 1
            return .all
        }
        var active = Set(requested)
        for row in tokens.indices where tokens[row] != cached[row] { active.insert(row) }
        if let block { active.formUnion(block) }
        let rows: [Int]
        switch policy.mode {
        case .prefix:
            // Everything from the active region on: the block's start, else the first active row.
            let start = block?.lowerBound ?? active.min() ?? tokens.count
            rows = Array(min(start, active.min() ?? start)..<tokens.count)
        default:
            rows = active.sorted()
        }
        for row in rows { cachedTokens![row] = tokens[row] }
        forwardsSinceRefresh += 1
        return .only(rows)
    }
}
