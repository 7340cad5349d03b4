import Decoding
import Foundation
import Inference
import ModelFiles
import Propose
import PythonSource
import Tokenization

/// Drafts function bodies with the diffusion model: the function's prompt (imports, signature,
/// docstring) in completion mode, one decode per attempt, seeds `seed, seed + 1, ...`.
struct ModelCandidateSource: CandidateSource, @unchecked Sendable {
    // @unchecked: the model is used from one task at a time (propose tries candidates in order).
    let model: TransformerModel
    let tokenizer: Tokenizer
    let method: DecodingMethod
    let canvas: Int
    let nfe: Int
    let seed: UInt64
    let maskID: Int
    let stopIDs: [Int]

    init(modelPath: String?, special: SpecialTokenOptions, decoding: DecodingFlags, threads: Int) throws {
        let loaded = try LoadedModelFiles(path: try ModelLocation.resolve(modelPath), special: special)
        tokenizer = try loaded.requireTokenizer()
        let config = loaded.folder.config
        maskID = try loaded.requireMaskID()
        model = try TransformerModel(folder: loaded.folder, threads: threads)
        method = decoding.decodingMethod(family: config.family, modelDefaults: try loaded.methodDefaults())
        canvas = try loaded.canvasLength(decoding.canvas)
        nfe = decoding.nfe
        seed = decoding.seed
        stopIDs = config.specialTokens.stopIDs
    }

    func candidate(for prompt: FunctionPrompt, attempt: Int, previous: [Verification]) async throws -> String? {
        let request = DecodingRequest(
            prompt: tokenizer.encode(prompt.text, addSpecialTokens: false), canvasLength: canvas, nfe: nfe,
            seed: seed &+ UInt64(attempt), maskId: maskID, stopIds: stopIDs)
        let result = try DiffusionDecoder(method: method).decode(model, request)
        return tokenizer.decode(result.answer, skipSpecialTokens: true)
    }
}
