import Decoding
import Foundation
import ModelInterface
import Tokenization
import Verified

/// One generation to make.
public struct GenerationRequest: Sendable, Equatable {
    public var taskID: String
    public var prompt: RenderedPrompt
    /// `vanilla`, `tolerator`, `remdm` or `rcr`.
    public var method: String
    /// Forward-pass budget T.
    public var nfe: Int
    /// Index of the sample among those of the same task, method and budget.
    public var sample: Int
    /// Derived from the run seed and the sample key (`Fingerprint.sampleSeed`).
    public var seed: UInt64

    public init(taskID: String, prompt: RenderedPrompt, method: String, nfe: Int, sample: Int, seed: UInt64) {
        self.taskID = taskID
        self.prompt = prompt
        self.method = method
        self.nfe = nfe
        self.sample = sample
        self.seed = seed
    }
}

/// What a generator made: the answer text (after the response prefix) and how.
public struct GenerationOutput: Sendable, Equatable {
    public var text: String
    public var nfeUsed: Int
    public var trace: TraceSummary?

    public init(text: String, nfeUsed: Int, trace: TraceSummary? = nil) {
        self.text = text
        self.nfeUsed = nfeUsed
        self.trace = trace
    }
}

/// Prompt text in, answer text out. Generation runs on one thread, one request at a time; the
/// runner overlaps verification with it. Must be deterministic given the request's seed.
public protocol Generator {
    /// Names the model files and everything else that decides outputs (goes into run.json).
    var identity: String { get }
    /// Canvas length G (0 when the generator has none).
    var canvasLength: Int { get }
    /// The canonical description of a method's options; throws for unknown methods.
    func parameters(method: String) throws -> String
    func generate(_ request: GenerationRequest) throws -> GenerationOutput
    /// A drafter for the attempt loop (`eval --attempts`): fresh drafts as `generate` makes them
    /// (same seed, same text) and repairs; nil when the generator cannot make more than text.
    /// `extract` turns decoded text into the completion that runs.
    func drafter(for request: GenerationRequest,
                 extract: @escaping @Sendable (String) -> (completion: String, cutAt: String.Index?)) -> (any Drafter)?
}

extension Generator {
    public func drafter(for request: GenerationRequest,
                        extract: @escaping @Sendable (String) -> (completion: String, cutAt: String.Index?)) -> (any Drafter)? {
        nil
    }
}

/// A diffusion LM through the Decoding library: tokenize, decode with the method, detokenize.
///
/// ```swift
/// let model = try TransformerModel(checkpoint: files.checkpoint, config: folder.config, threads: 2)
/// let generator = DiffusionGenerator(
///     model: model, tokenizer: try Tokenizer.load(directory: dir), methods: methods,
///     canvasLength: 256, maskID: folder.config.specialTokens.maskID!,
///     stopIDs: folder.config.specialTokens.stopIDs, identity: "…")
/// ```
public final class DiffusionGenerator: Generator {
    public let model: any LogitsModel
    public let tokenizer: Tokenizer
    /// Options per method name.
    public let methods: [String: DecodingMethod]
    public let canvasLength: Int
    public let maskID: Int
    public let stopIDs: [Int]
    public let identity: String
    /// Refinement options `--strategy repair` uses (default: the method's own when it is
    /// TOLERATOR, else TOLERATOR's defaults over the method's vanilla options).
    public var repairOptions: ToleratorOptions?
    /// KV-cache policy per method name (`--cache`, else the model folder's `cache_options`);
    /// a method not named decodes exactly. Part of each method's parameters when not none.
    public var caches: [String: CachePolicy] = [:]

    /// The KV-cache policy `method` decodes with.
    public func cache(for method: String) -> CachePolicy { caches[method] ?? .none }

    public init(model: any LogitsModel, tokenizer: Tokenizer, methods: [String: DecodingMethod], canvasLength: Int,
                maskID: Int, stopIDs: [Int], identity: String, repairOptions: ToleratorOptions? = nil) {
        self.repairOptions = repairOptions
        self.model = model
        self.tokenizer = tokenizer
        self.methods = methods
        self.canvasLength = canvasLength
        self.maskID = maskID
        self.stopIDs = stopIDs
        self.identity = identity
    }

    public func parameters(method: String) throws -> String {
        guard let options = methods[method] else { throw EvaluationError.unknownMethod(method) }
        // Runs without a cache keep the parameters they always had, so old run folders resume.
        let cache = cache(for: method)
        guard cache.mode != .none else { return Self.canonicalJSON(options) }
        return Self.canonicalJSON(CachedMethod(method: options, cache: cache))
    }

    static func canonicalJSON<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    public func generate(_ request: GenerationRequest) throws -> GenerationOutput {
        guard let method = methods[request.method] else { throw EvaluationError.unknownMethod(request.method) }
        // Chat-rendered text carries its own BOS; a completion prompt gets the tokenizer's.
        let ids = tokenizer.encode(request.prompt.text, addSpecialTokens: request.prompt.style == .completion)
        let decodingRequest = DecodingRequest(prompt: ids, canvasLength: canvasLength, nfe: request.nfe,
                                              seed: request.seed, maskId: maskID, stopIds: stopIDs)
        let result = try DiffusionDecoder(method: method, cache: cache(for: request.method)).decode(model, decodingRequest)
        let text = tokenizer.decode(result.answer, skipSpecialTokens: true)
        let trace = result.trace
        var summary = TraceSummary(forwardSeconds: trace.forwardSeconds)
        summary.edits = trace.steps.reduce(0) { $0 + $1.edited.count }
        summary.remasks = trace.steps.reduce(0) { $0 + $1.remasked.count }
        summary.earlyStop = trace.earlyStop?.reason.rawValue
        summary.fillUpNFE = trace.fillUpBudget
        summary.refinementNFE = trace.refinementBudget
        if let draft = trace.fillUpDraft {
            let stops = Set(stopIDs)
            let end = draft.firstIndex { stops.contains($0) } ?? draft.count
            summary.fillUpDraft = tokenizer.decode(Array(draft[..<end]), skipSpecialTokens: true)
        }
        return GenerationOutput(text: text, nfeUsed: trace.nfeUsed, trace: summary)
    }

    public func drafter(for request: GenerationRequest,
                        extract: @escaping @Sendable (String) -> (completion: String, cutAt: String.Index?)) -> (any Drafter)? {
        guard let method = methods[request.method] else { return nil }
        let ids = tokenizer.encode(request.prompt.text, addSpecialTokens: request.prompt.style == .completion)
        let decodingRequest = DecodingRequest(prompt: ids, canvasLength: canvasLength, nfe: request.nfe,
                                              seed: request.seed, maskId: maskID, stopIds: stopIDs)
        var repair = repairOptions ?? ToleratorOptions(family: .llada)
        switch method {
        case .tolerator(let own) where repairOptions == nil: repair = own
        case .vanilla(let vanilla) where repairOptions == nil: repair.fillUp = vanilla
        default: break
        }
        return ModelDrafter(model: model, tokenizer: tokenizer, request: decodingRequest, method: method,
                            repairOptions: repair, cache: cache(for: request.method), extract: extract)
    }
}

/// A method's parameters with the cache that changes its outputs.
private struct CachedMethod: Encodable {
    var method: DecodingMethod
    var cache: CachePolicy
}
