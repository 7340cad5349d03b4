import Decoding
import ModelInterface
import Tokenization

/// Drafts with a diffusion model: fresh candidates with the chosen method, repairs with
/// TOLERATOR refinement from the failed canvas.
public struct ModelDrafter: Drafter {
    public var model: any LogitsModel
    public var tokenizer: Tokenizer
    /// Prompt, canvas length, mask and stop ids; `nfe` and `seed` are set per attempt.
    public var request: DecodingRequest
    public var method: DecodingMethod
    /// Refinement options for repairs (the method's own when it is TOLERATOR).
    public var repairOptions: ToleratorOptions
    /// KV-cache policy of every draft and repair.
    public var cache: CachePolicy
    /// Turns the decoded answer into the completion that is run, and says where it cut the
    /// answer (in characters), if it did. Default: the answer as is.
    public var extract: @Sendable (String) -> (completion: String, cutAt: String.Index?)

    public init(model: any LogitsModel, tokenizer: Tokenizer, request: DecodingRequest, method: DecodingMethod,
                repairOptions: ToleratorOptions, cache: CachePolicy = .none,
                extract: @escaping @Sendable (String) -> (completion: String, cutAt: String.Index?) = { ($0, nil) }) {
        self.cache = cache
        self.model = model
        self.tokenizer = tokenizer
        self.request = request
        self.method = method
        self.repairOptions = repairOptions
        self.extract = extract
    }

    public func draft(seed: UInt64, nfe: Int) throws -> Draft {
        var r = request
        r.seed = seed
        r.nfe = nfe
        return makeDraft(try DiffusionDecoder(method: method, cache: cache).decode(model, r))
    }

    public func repair(_ draft: Draft, remask: [Int], wholeBody: Bool, seed: UInt64, nfe: Int) throws -> Draft {
        var r = request
        r.seed = seed
        r.nfe = nfe
        var options = repairOptions
        if wholeBody {
            // A wrong value names no line: re-predict more of the canvas per iteration.
            options.gammaMax = max(options.gammaMax, 0.9)
            options.gammaMin = max(options.gammaMin, 0.6)
        }
        let result = try DiffusionDecoder(method: .tolerator(options), cache: cache)
            .repair(model, RepairRequest(base: r, canvas: draft.canvas, remask: remask), options: options)
        return makeDraft(result)
    }

    func makeDraft(_ result: DecodingResult) -> Draft {
        let answer = result.answer
        let text = tokenizer.decode(answer, skipSpecialTokens: true)
        let (completion, cutAt) = extract(text)
        // Line of each answer token: newlines in the text decoded before it.
        var lines: [Int] = []
        lines.reserveCapacity(answer.count)
        var newlines = 0
        var cut: Int?
        var decodedLength = 0
        for (index, token) in answer.enumerated() {
            lines.append(newlines)
            let piece = tokenizer.decode([token], skipSpecialTokens: true)
            newlines += piece.reduce(0) { $0 + ($1 == "\n" ? 1 : 0) }
            decodedLength += piece.count
            if let cutAt, cut == nil, decodedLength > text.distance(from: text.startIndex, to: cutAt) {
                cut = index
            }
        }
        var draft = Draft(canvas: result.canvas, answerEnd: result.answerEnd, completion: completion,
                          nfeUsed: result.trace.nfeUsed, tokenLines: lines, extractionCut: cut, text: text)
        if let filled = result.trace.fillUpDraft, filled.count == result.canvas.count {
            let stops = Set(request.stopIds)
            let end = filled.firstIndex(where: stops.contains) ?? filled.count
            draft.fillUpDraft = FillUpDraft(text: tokenizer.decode(Array(filled[..<end]), skipSpecialTokens: true),
                                            changedTokens: filled.indices.filter { filled[$0] != result.canvas[$0] }.count,
                                            canvasLength: filled.count)
        }
        return draft
    }
}
