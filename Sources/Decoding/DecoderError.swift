/// Everything a caller can get wrong, or a model can return wrongly, named precisely.
public enum DecoderError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A numeric option outside its allowed range; `option` is its CLI/JSON name.
    case invalidOption(option: String, value: String, expected: String)
    /// `G % B != 0`.
    case canvasNotDivisibleByBlock(canvasLength: Int, blockLength: Int)
    /// `T % (G/B) != 0`; `stage` says which budget (e.g. TOLERATOR's fill-up share).
    case stepsNotDivisibleByBlocks(steps: Int, blocks: Int, stage: String)
    /// An option that the chosen unmasking rule does not use (e.g. top-p with `low-confidence`).
    case optionNotForRule(option: String, rule: UnmaskRule)
    /// The rule cannot drive this method (e.g. `origin` ranks nothing, so RCR cannot use it).
    case ruleNotForMethod(rule: UnmaskRule, method: String)
    /// A token id outside `0..<vocabularySize`.
    case tokenOutOfRange(role: String, token: Int, vocabularySize: Int)
    /// The model answered with a different shape than was asked for.
    case modelShapeMismatch(expectedRows: Int, gotRows: Int, expectedVocabulary: Int, gotVocabulary: Int)
    /// A logits row with NaN/+inf, or with every entry −inf.
    case nonFiniteLogits(position: Int)
    /// Prompt + canvas is longer than the model's maximum sequence length.
    case sequenceTooLong(prompt: Int, canvas: Int, maximum: Int)

    public var description: String {
        switch self {
        case let .invalidOption(option, value, expected):
            return "decoding option \(option) = \(value) is invalid: expected \(expected)"
        case let .canvasNotDivisibleByBlock(g, b):
            return "canvas length \(g) is not a multiple of block length \(b)"
        case let .stepsNotDivisibleByBlocks(t, blocks, stage):
            return "\(stage) step budget \(t) is not a multiple of the number of blocks \(blocks)"
        case let .optionNotForRule(option, rule):
            return "option \(option) does not apply to unmasking rule \(rule.rawValue)"
        case let .ruleNotForMethod(rule, method):
            return "unmasking rule \(rule.rawValue) cannot be used with method \(method)"
        case let .tokenOutOfRange(role, token, v):
            return "\(role) token id \(token) is outside the vocabulary 0..<\(v)"
        case let .modelShapeMismatch(er, gr, ev, gv):
            return "model returned \(gr) rows × \(gv) logits, expected \(er) rows × \(ev)"
        case let .nonFiniteLogits(position):
            return "logits for sequence position \(position) are NaN, +inf or all −inf"
        case let .sequenceTooLong(prompt, canvas, maximum):
            return "prompt (\(prompt) tokens) + canvas (\(canvas)) = \(prompt + canvas) tokens is more than the model's "
                + "maximum sequence length \(maximum); shorten the input or lower --canvas"
        }
    }
}
