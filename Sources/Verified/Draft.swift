/// One candidate the model wrote: its canvas, and the text its answer decodes to.
public struct Draft: Sendable, Equatable {
    /// All G canvas tokens.
    public var canvas: [Int]
    /// Index of the first stop id in `canvas` (or G): the answer is `canvas[..<answerEnd]`.
    public var answerEnd: Int
    /// The answer as the model wrote it (decoded, special tokens dropped).
    public var text: String
    /// The answer as run: `text` after code extraction, appended to the code prompt.
    public var completion: String
    /// Forwards this draft took.
    public var nfeUsed: Int
    /// For each answer token, the 0-based line of `completion` it starts on.
    public var tokenLines: [Int]
    /// Token index where code extraction cut the answer (tokens from here on were dropped), if it did.
    public var extractionCut: Int?
    /// TOLERATOR's fill-up draft before refinement, decoded up to its first stop id, and how
    /// many canvas tokens refinement changed (nil for methods without a fill-up stage).
    public var fillUpDraft: FillUpDraft?

    public init(canvas: [Int], answerEnd: Int, completion: String, nfeUsed: Int, tokenLines: [Int],
                extractionCut: Int? = nil, text: String? = nil) {
        self.canvas = canvas
        self.answerEnd = answerEnd
        self.text = text ?? completion
        self.completion = completion
        self.nfeUsed = nfeUsed
        self.tokenLines = tokenLines
        self.extractionCut = extractionCut
    }
}

/// What TOLERATOR's fill-up wrote before refinement, for `generate --show-draft`.
public struct FillUpDraft: Codable, Sendable, Equatable {
    public var text: String
    /// Canvas tokens refinement changed, of `canvasLength`.
    public var changedTokens: Int
    public var canvasLength: Int

    public init(text: String, changedTokens: Int, canvasLength: Int) {
        self.text = text
        self.changedTokens = changedTokens
        self.canvasLength = canvasLength
    }

    enum CodingKeys: String, CodingKey {
        case text
        case changedTokens = "changed_tokens"
        case canvasLength = "canvas_length"
    }
}

/// Writes candidates: fresh ones, and repairs of a failed one. The model behind it is the
/// drafter's business (the loop never sees logits).
public protocol Drafter {
    /// A fresh candidate from seed `seed` in at most `nfe` forwards.
    func draft(seed: UInt64, nfe: Int) throws -> Draft
    /// `draft` with `remask` re-masked and refined in at most `nfe` forwards; `wholeBody` asks
    /// for refinement that re-predicts more of the canvas (a wrong value names no line).
    func repair(_ draft: Draft, remask: [Int], wholeBody: Bool, seed: UInt64, nfe: Int) throws -> Draft
}
