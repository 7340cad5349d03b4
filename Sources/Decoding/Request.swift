/// What to decode: the sequence is `prompt ++ [maskId] * canvasLength`, under a budget of `nfe`
/// forward passes.
public struct DecodingRequest: Codable, Sendable, Equatable {
    /// Prompt token ids (already rendered with the chat template, if any).
    public var prompt: [Int]
    /// G: number of generated (canvas) tokens.
    public var canvasLength: Int
    /// T: forward-pass budget.
    public var nfe: Int
    public var seed: UInt64
    public var maskId: Int
    /// End-of-text / end-of-turn ids; the answer ends at the first one.
    public var stopIds: [Int]

    public init(prompt: [Int], canvasLength: Int, nfe: Int, seed: UInt64, maskId: Int, stopIds: [Int]) {
        self.prompt = prompt
        self.canvasLength = canvasLength
        self.nfe = nfe
        self.seed = seed
        self.maskId = maskId
        self.stopIds = stopIds
    }

    enum CodingKeys: String, CodingKey {
        case prompt, nfe, seed
        case canvasLength = "canvas_length"
        case maskId = "mask_id"
        case stopIds = "stop_ids"
    }
}

/// The decoded canvas, where the answer ends, and how it was reached.
public struct DecodingResult: Codable, Sendable, Equatable {
    /// All G canvas tokens (no mask ids left).
    public var canvas: [Int]
    /// Index of the first stop id in `canvas`, or G. Special-token removal is the caller's.
    public var answerEnd: Int
    public var trace: DecodingTrace

    /// `canvas[..<answerEnd]`.
    public var answer: [Int] { Array(canvas[..<answerEnd]) }

    enum CodingKeys: String, CodingKey {
        case canvas, trace
        case answerEnd = "answer_end"
    }
}

/// Live status after each step, for a progress line.
public struct DecodingProgress: Sendable, Equatable {
    public var stage: DecodingStage
    /// 0-based step index over the whole run.
    public var step: Int
    public var totalSteps: Int
    public var nfeUsed: Int
    public var nfeBudget: Int
    /// Canvas positions currently holding a token (not the mask).
    public var unmaskedTokens: Int
    /// Positions whose token changed in this step (unmasked, remasked or edited).
    public var changedTokens: Int
    public var canvasLength: Int
}
