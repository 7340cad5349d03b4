/// Which part of a method a step belongs to.
public enum DecodingStage: String, Codable, Sendable, CaseIterable {
    /// vanilla and rcr.
    case decode
    /// ReMDM phase 1 (t > t_on), phase 2 (the loop window) and phase 3 (t ≤ t_off, and the last step).
    case remdmRise = "remdm-rise"
    case remdmLoop = "remdm-loop"
    case remdmFinish = "remdm-finish"
    /// TOLERATOR stage I and stage II.
    case fillUp = "fill-up"
    case refine
}

/// One token write. `position` is a canvas index (0..<G); the mask id stands for "masked".
public struct TokenChange: Codable, Sendable, Equatable {
    public var position: Int
    public var old: Int
    public var new: Int

    public init(position: Int, old: Int, new: Int) {
        self.position = position
        self.old = old
        self.new = new
    }
}

/// Everything one step did.
public struct StepRecord: Codable, Sendable, Equatable {
    public var step: Int
    public var stage: DecodingStage
    /// Semi-autoregressive block index (LLaDA-style vanilla, rcr, fill-up).
    public var block: Int?
    /// False when the step had nothing to predict, so no forward was spent on it.
    public var forward: Bool
    /// Cumulative forwards after this step.
    public var nfe: Int
    /// mask → token.
    public var unmasked: [TokenChange]
    /// token → mask (ReMDM loop, RCR).
    public var remasked: [TokenChange]
    /// token → different token (TOLERATOR refinement).
    public var edited: [TokenChange]
    /// Refinement: the re-predicted set S, ascending.
    public var targets: [Int]?
    /// Refinement: positions that converged and left the candidate set this step.
    public var locked: [Int]?
    /// Refinement: γ_k.
    public var gamma: Double?
    /// Seconds inside the model call.
    public var forwardSeconds: Double
    /// Seconds of decoding work in the step outside the model call (softmax, sampling, ranking).
    public var otherSeconds: Double
    /// FLOPs of the step's forward (engines.md §5); nil without a forward or a counting model.
    public var flops: Double?
    /// Sequence rows the forward computed (fewer than prompt + canvas under `--cache`).
    public var computedRows: Int?

    public init(step: Int, stage: DecodingStage, block: Int?, forward: Bool, nfe: Int, unmasked: [TokenChange],
                remasked: [TokenChange], edited: [TokenChange], targets: [Int]?, locked: [Int]?, gamma: Double?,
                forwardSeconds: Double, otherSeconds: Double, flops: Double? = nil, computedRows: Int? = nil) {
        self.step = step
        self.stage = stage
        self.block = block
        self.forward = forward
        self.nfe = nfe
        self.unmasked = unmasked
        self.remasked = remasked
        self.edited = edited
        self.targets = targets
        self.locked = locked
        self.gamma = gamma
        self.forwardSeconds = forwardSeconds
        self.otherSeconds = otherSeconds
        self.flops = flops
        self.computedRows = computedRows
    }

    enum CodingKeys: String, CodingKey {
        case step, stage, block, forward, nfe, unmasked, remasked, edited, targets, locked, gamma, flops
        case forwardSeconds = "forward_seconds"
        case otherSeconds = "other_seconds"
        case computedRows = "computed_rows"
    }
}

public enum EarlyStopReason: String, Codable, Sendable {
    /// Every canvas position is locked (spec §4 step 4).
    case converged
    /// `⌊γ_k·|A|⌋ = 0` with γ non-increasing and A frozen: no later iteration could change anything.
    case emptyRefinementSet = "empty-refinement-set"
}

public struct EarlyStop: Codable, Sendable, Equatable {
    public var reason: EarlyStopReason
    /// Refinement iterations completed before stopping.
    public var iteration: Int
    /// Forwards of the budget left unspent.
    public var unusedNFE: Int

    enum CodingKeys: String, CodingKey {
        case reason, iteration
        case unusedNFE = "unused_nfe"
    }
}

/// The run's record: options, per-step edits, budget and timing.
public struct DecodingTrace: Codable, Sendable, Equatable {
    public var method: DecodingMethod
    public var promptLength: Int
    public var canvasLength: Int
    public var seed: UInt64
    /// T as requested.
    public var nfeBudget: Int
    /// Forwards actually made (< T when steps had nothing to predict or refinement stopped early).
    public var nfeUsed: Int
    public var steps: [StepRecord]
    /// TOLERATOR: the canvas after stage I.
    public var fillUpDraft: [Int]?
    /// TOLERATOR: T_f and K as split from T.
    public var fillUpBudget: Int?
    public var refinementBudget: Int?
    /// TOLERATOR: γ_k for each refinement iteration run.
    public var gammas: [Double]?
    public var earlyStop: EarlyStop?
    public var forwardSeconds: Double
    public var otherSeconds: Double
    /// The KV-cache policy the run used (nil: none, every forward exact).
    public var cache: CachePolicy?
    /// FLOPs of all forwards (nil when the model does not count them).
    public var flops: Double?

    /// Share of step time spent outside the forward pass.
    public var decodingOverhead: Double {
        let total = forwardSeconds + otherSeconds
        return total > 0 ? otherSeconds / total : 0
    }

    enum CodingKeys: String, CodingKey {
        case method, seed, steps, gammas, cache, flops
        case promptLength = "prompt_length"
        case canvasLength = "canvas_length"
        case nfeBudget = "nfe_budget"
        case nfeUsed = "nfe_used"
        case fillUpDraft = "fill_up_draft"
        case fillUpBudget = "fill_up_budget"
        case refinementBudget = "refinement_budget"
        case earlyStop = "early_stop"
        case forwardSeconds = "forward_seconds"
        case otherSeconds = "other_seconds"
    }
}
