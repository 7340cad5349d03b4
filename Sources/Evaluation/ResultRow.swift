import Sandbox

/// The grid coordinates of one sample: exactly one result row exists per key.
public struct SampleKey: Hashable, Codable, Sendable, Comparable, CustomStringConvertible {
    public var taskID: String
    public var method: String
    public var nfe: Int
    public var sample: Int

    public init(taskID: String, method: String, nfe: Int, sample: Int) {
        self.taskID = taskID
        self.method = method
        self.nfe = nfe
        self.sample = sample
    }

    public static func < (a: SampleKey, b: SampleKey) -> Bool {
        (a.taskID, a.method, a.nfe, a.sample) < (b.taskID, b.method, b.nfe, b.sample)
    }

    public var description: String { "\(taskID) \(method) nfe=\(nfe) sample=\(sample)" }
}

/// What the decoder reports beside the text, kept small enough for every row.
public struct TraceSummary: Codable, Sendable, Equatable {
    /// TOLERATOR: the fill-up draft as text (up to its first stop id).
    public var fillUpDraft: String?
    public var fillUpNFE: Int?
    public var refinementNFE: Int?
    /// Token writes that changed an existing token (TOLERATOR refinement).
    public var edits: Int
    /// Tokens put back to the mask (ReMDM, RCR).
    public var remasks: Int
    public var earlyStop: String?
    public var forwardSeconds: Double

    public init(fillUpDraft: String? = nil, fillUpNFE: Int? = nil, refinementNFE: Int? = nil, edits: Int = 0,
                remasks: Int = 0, earlyStop: String? = nil, forwardSeconds: Double = 0) {
        self.fillUpDraft = fillUpDraft
        self.fillUpNFE = fillUpNFE
        self.refinementNFE = refinementNFE
        self.edits = edits
        self.remasks = remasks
        self.earlyStop = earlyStop
        self.forwardSeconds = forwardSeconds
    }

    enum CodingKeys: String, CodingKey {
        case edits, remasks
        case fillUpDraft = "fill_up_draft"
        case fillUpNFE = "fill_up_nfe"
        case refinementNFE = "refinement_nfe"
        case earlyStop = "early_stop"
        case forwardSeconds = "forward_s"
    }
}

/// One line of `results.jsonl` (and of the journal): a sample from prompt to verdict.
public struct ResultRow: Codable, Sendable, Equatable {
    public var taskID: String
    public var method: String
    /// NFE requested (T).
    public var nfe: Int
    public var sample: Int
    /// The seed this sample was generated with (derived from the run seed and the key).
    public var seed: UInt64
    public var nfeUsed: Int
    public var templateID: String
    public var extraction: String
    public var rawOutput: String
    /// Continues the task prompt (HumanEval shape) or is the whole module (MBPP shape).
    public var completion: String
    /// The module as verified.
    public var code: String
    public var passed: Bool
    public var result: ExecutionResult
    public var trace: TraceSummary?
    public var generationSeconds: Double
    public var verificationSeconds: Double
    /// Verified generation: every attempt, the answer chosen by the visible tests and what the
    /// hidden tests said of it. The row's own fields are attempt 1's (plain pass@k).
    public var verification: RowVerification?

    public var key: SampleKey { SampleKey(taskID: taskID, method: method, nfe: nfe, sample: sample) }

    enum CodingKeys: String, CodingKey {
        case method, nfe, sample, seed, extraction, completion, code, passed, result, trace, verification
        case taskID = "task_id"
        case nfeUsed = "nfe_used"
        case templateID = "template_id"
        case rawOutput = "raw_output"
        case generationSeconds = "generation_s"
        case verificationSeconds = "verification_s"
    }
}
