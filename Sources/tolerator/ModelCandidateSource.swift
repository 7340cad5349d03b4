import Decoding
import Foundation
import Inference
import ModelFiles
import Propose
import PythonSource
import Tokenization
import Verified

/// Drafts function bodies with the diffusion model through the attempt loop's drafter: the
/// function's prompt (imports, signature, docstring) in completion mode. `resample` decodes
/// attempt k with seed `seed + k`; `repair` re-masks and refines the previous attempt's canvas
/// (the repository's tests name no line of the body the host can map, so the whole body is
/// refined at a higher rate, as the attempt loop does for a wrong value).
struct ModelCandidateSource: CandidateSource, @unchecked Sendable {
    // @unchecked: propose tries candidates one at a time, in order; `last` is behind a lock.
    let model: TransformerModel
    let tokenizer: Tokenizer
    let method: DecodingMethod
    let repairOptions: ToleratorOptions
    let strategy: AttemptStrategy
    let canvas: Int
    let nfe: Int
    let seed: UInt64
    let cache: CachePolicy
    let maskID: Int
    let stopIDs: [Int]
    /// The model was trained without `>>>` examples in docstrings (generation_config.json).
    let stripExamples: Bool
    private let last = LastDraft()

    init(modelPath: String?, special: SpecialTokenOptions, decoding: DecodingFlags, threads: Int,
         strategy: AttemptStrategy = .resample) throws {
        let loaded = try LoadedModelFiles(path: try ModelLocation.resolve(modelPath), special: special)
        tokenizer = try loaded.requireTokenizer()
        let config = loaded.folder.config
        maskID = try loaded.requireMaskID()
        model = try TransformerModel(folder: loaded.folder, threads: threads)
        let defaults = try loaded.methodDefaults()
        method = decoding.decodingMethod(family: config.family, modelDefaults: defaults)
        repairOptions = decoding.toleratorOptions(family: config.family, modelDefaults: defaults)
        canvas = try loaded.canvasLength(decoding.canvas)
        nfe = decoding.nfe
        seed = decoding.seed
        cache = decoding.caching.policy(for: method.name, modelDefaults: try loaded.cacheDefaults())
        stopIDs = config.specialTokens.stopIDs
        stripExamples = try !loaded.showsPromptExamples()
        self.strategy = strategy
    }

    func candidate(for prompt: FunctionPrompt, attempt: Int, previous: [Verification]) async throws -> String? {
        let request = DecodingRequest(
            prompt: tokenizer.encode(stripExamples ? PromptExamples.stripped(prompt.text) : prompt.text,
                                     addSpecialTokens: false), canvasLength: canvas, nfe: nfe,
            seed: seed &+ UInt64(attempt), maskId: maskID, stopIds: stopIDs)
        let drafter = ModelDrafter(model: model, tokenizer: tokenizer, request: request, method: method,
                                   repairOptions: repairOptions, cache: cache)
        let draft: Draft
        if strategy == .repair, attempt > 0, let failed = last.value {
            draft = try drafter.repair(failed, remask: [], wholeBody: true, seed: request.seed, nfe: nfe)
        } else {
            draft = try drafter.draft(seed: request.seed, nfe: nfe)
        }
        last.value = draft
        return draft.completion
    }
}

private final class LastDraft: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Draft?
    var value: Draft? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
