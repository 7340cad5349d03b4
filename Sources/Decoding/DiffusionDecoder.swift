import ModelInterface

/// Decodes one request with one method over any `LogitsModel` (spec: shared/spec/decoding.md).
///
/// Choices where the spec leaves one open:
/// - Randomness: one xoshiro256** stream seeded with SplitMix64(seed). Per step, decisions that
///   need no logits (`random` confidences, `origin` and ReMDM coin flips, refinement subsets)
///   are drawn first, then one uniform per requested row in position order (only when τ > 0).
///   Draws are exact inverse-CDF categoricals over softmax(z/τ) in Double.
/// - Forwards: a step with nothing to predict (a count of 0, nothing masked) makes no forward;
///   `nfe_used` counts the forwards actually made, so it can be below T.
/// - The mask id is never a candidate (its logit is set to −inf before sampling).
/// - Dream grid: torch's float32 linspace and `int(M·(1 − s/t))`, bit-identical to torch.
/// - RCR targets and TOLERATOR's `round(ρT)` round half to even (Python's `round`).
/// - TOLERATOR: cosine γ uses k/K by default (the paper), k/(K−1) with `cosineReachesMinimum`;
///   |S| = ⌊γ_k·|A|⌋; with u < 1 "least likely" is the untempered softmax of the current token;
///   a position locks after R equalities of consecutive refinement predictions (R+1 identical
///   predictions); when ⌊γ_k·|A|⌋ = 0 refinement stops early (γ never grows, A never changes).
/// - ReMDM: phases 1 and 3 use LLaDA-style even counts (linear α), phase 1 reaching
///   round(α_on·G); the last step always finishes, so every T ends unmasked.
///
/// ```swift
/// let decoder = DiffusionDecoder(method: .tolerator(ToleratorOptions(family: .dream)))
/// let result = try decoder.decode(model, DecodingRequest(
///     prompt: ids, canvasLength: 256, nfe: 32, seed: 0, maskId: 151666, stopIds: [151643, 151645]))
/// print(result.answer, result.trace.nfeUsed)
/// ```
public struct DiffusionDecoder: Sendable {
    public var method: DecodingMethod
    /// Approximate KV caching (CachePlanner.swift); `.none` keeps every forward exact.
    public var cache: CachePolicy

    public init(method: DecodingMethod, cache: CachePolicy = .none) {
        self.method = method
        self.cache = cache
    }

    /// Checks the request and options against the spec's usage rules without running anything;
    /// with `maxSequenceLength`, also that prompt + canvas fits the model.
    public func validate(_ request: DecodingRequest, vocabularySize: Int, maxSequenceLength: Int? = nil) throws {
        try Validation.check(request, vocabularySize: vocabularySize)
        if let maximum = maxSequenceLength, request.prompt.count + request.canvasLength > maximum {
            throw DecoderError.sequenceTooLong(prompt: request.prompt.count, canvas: request.canvasLength, maximum: maximum)
        }
        try Validation.check(method, canvasLength: request.canvasLength, nfe: request.nfe)
        try Validation.check(cache)
    }

    /// Runs the method. `progress` is called after every step on the calling thread.
    public func decode(_ model: any LogitsModel, _ request: DecodingRequest,
                       progress: ((DecodingProgress) -> Void)? = nil) throws -> DecodingResult {
        try decode(model, request, progress: progress, observer: nil)
    }

    /// `observer` sees every step's rows as the sampler does (tests only).
    func decode(_ model: any LogitsModel, _ request: DecodingRequest,
                progress: ((DecodingProgress) -> Void)?, observer: ((LogitRows) -> Void)?) throws -> DecodingResult {
        try validate(request, vocabularySize: model.vocabularySize, maxSequenceLength: model.maxSequenceLength)
        let t = request.nfe
        var trace = DecodingTrace(
            method: method, promptLength: request.prompt.count, canvasLength: request.canvasLength,
            seed: request.seed, nfeBudget: t, nfeUsed: 0, steps: [], forwardSeconds: 0, otherSeconds: 0)
        let session: Session
        switch method {
        case .vanilla(let o):
            session = Session(model: model, request: request, totalSteps: t, cache: cache, progress: progress)
            session.rowsObserver = observer
            try session.runVanilla(o, steps: t, stage: .decode)
        case .remdm(let o):
            session = Session(model: model, request: request, totalSteps: t, cache: cache, progress: progress)
            session.rowsObserver = observer
            try session.runReMDM(o, steps: t)
        case .rcr(let o):
            session = Session(model: model, request: request, totalSteps: t, cache: cache, progress: progress)
            session.rowsObserver = observer
            try session.runRCR(o, steps: t)
        case .tolerator(let o):
            let split = Schedules.toleratorSplit(nfe: t, fillUpFraction: o.fillUpFraction)
            session = Session(model: model, request: request, totalSteps: t, cache: cache, progress: progress)
            session.rowsObserver = observer
            let (draft, outcome) = try session.runTolerator(o, fillUp: split.fillUp, refine: split.refine)
            trace.fillUpDraft = draft
            trace.fillUpBudget = split.fillUp
            trace.refinementBudget = split.refine
            trace.gammas = outcome.gammas
            trace.earlyStop = outcome.earlyStop
        }
        trace.nfeUsed = session.nfeUsed
        trace.cache = cache.mode == .none ? nil : cache
        trace.flops = session.records.contains { $0.flops != nil } ? session.flops : nil
        trace.steps = session.records
        trace.forwardSeconds = session.forwardSeconds
        trace.otherSeconds = session.otherSeconds
        let canvas = session.canvas
        let stops = Set(request.stopIds)
        let end = canvas.firstIndex { stops.contains($0) } ?? canvas.count
        return DecodingResult(canvas: canvas, answerEnd: end, trace: trace)
    }
}

/// The spec's usage rules (typed errors, never traps).
enum Validation {
    static func check(_ r: DecodingRequest, vocabularySize v: Int) throws {
        try require(v > 0, "vocabulary_size", v, "a positive count")
        try require(r.canvasLength >= 1, "canvas_length", r.canvasLength, "at least 1")
        try require(r.nfe >= 1, "nfe", r.nfe, "at least 1 forward")
        func inVocabulary(_ role: String, _ id: Int) throws {
            guard (0..<v).contains(id) else { throw DecoderError.tokenOutOfRange(role: role, token: id, vocabularySize: v) }
        }
        try inVocabulary("mask", r.maskId)
        for id in r.stopIds { try inVocabulary("stop", id) }
        for id in r.prompt { try inVocabulary("prompt", id) }
    }

    static func check(_ method: DecodingMethod, canvasLength g: Int, nfe t: Int) throws {
        switch method {
        case .vanilla(let o):
            try check(o, canvasLength: g, steps: t, stage: "vanilla")
        case .remdm(let o):
            try sampling(o.unmask, temperature: o.temperature, topP: o.topP, topK: o.topK)
            try require(o.tOff >= 0 && o.tOff < o.tOn && o.tOn < 1, "t_on/t_off", "\(o.tOn)/\(o.tOff)",
                        "0 ≤ t_off < t_on < 1")
            try require(o.alphaOn > 0 && o.alphaOn < 1, "alpha_on", o.alphaOn, "0 < α_on < 1")
            try require(o.eta >= 0 && o.eta <= 1, "eta", o.eta, "0 ≤ η ≤ 1")
        case .rcr(let o):
            guard o.unmask != .origin else { throw DecoderError.ruleNotForMethod(rule: .origin, method: "rcr") }
            try sampling(o.unmask, temperature: o.temperature, topP: o.topP, topK: o.topK)
            try blocks(o.blockLength, canvasLength: g, steps: t, stage: "rcr")
        case .tolerator(let o):
            try require(o.fillUpFraction >= 0 && o.fillUpFraction <= 1, "fill_up_fraction", o.fillUpFraction, "0 ≤ ρ ≤ 1")
            try require(o.eotPenalty >= 1 && o.eotPenalty.isFinite, "eot_penalty", o.eotPenalty, "λ ≥ 1")
            try require(o.gammaMax >= 0 && o.gammaMax <= 1, "gamma_max", o.gammaMax, "0 ≤ γ_max ≤ 1")
            try require(o.gammaMin >= 0 && o.gammaMin <= o.gammaMax, "gamma_min", o.gammaMin, "0 ≤ γ_min ≤ γ_max")
            try require(o.refinementTemperature >= 0 && o.refinementTemperature.isFinite,
                        "refinement_temperature", o.refinementTemperature, "τ_r ≥ 0")
            try require(o.updateRate > 0 && o.updateRate <= 1, "update_rate", o.updateRate, "0 < u ≤ 1")
            try require(o.lockAfter >= 0, "lock_after", o.lockAfter, "R ≥ 0 (0 = never lock)")
            let split = Schedules.toleratorSplit(nfe: t, fillUpFraction: o.fillUpFraction)
            try check(o.fillUp, canvasLength: g, steps: split.fillUp, stage: "tolerator fill-up")
        }
    }

    static func check(_ cache: CachePolicy) throws {
        if let n = cache.refreshEvery { try require(n >= 1, "cache_refresh", n, "at least 1 forward") }
    }

    static func check(_ o: VanillaOptions, canvasLength g: Int, steps: Int, stage: String) throws {
        try sampling(o.unmask, temperature: o.temperature, topP: o.topP, topK: o.topK)
        if o.unmask.family == .llada {
            try blocks(o.blockLength, canvasLength: g, steps: steps, stage: stage)
        } else if let b = o.blockLength, b != g {
            throw DecoderError.optionNotForRule(option: "block_length", rule: o.unmask)
        }
    }

    static func sampling(_ rule: UnmaskRule, temperature: Double, topP: Double?, topK: Int?) throws {
        try require(temperature >= 0 && temperature.isFinite, "temperature", temperature, "τ ≥ 0")
        if rule.family == .llada {
            if topP != nil { throw DecoderError.optionNotForRule(option: "top_p", rule: rule) }
            if topK != nil { throw DecoderError.optionNotForRule(option: "top_k", rule: rule) }
        }
        if let p = topP { try require(p > 0 && p <= 1, "top_p", p, "0 < p ≤ 1") }
        if let k = topK { try require(k >= 1, "top_k", k, "k ≥ 1") }
    }

    static func blocks(_ blockLength: Int?, canvasLength g: Int, steps: Int, stage: String) throws {
        let b = blockLength ?? g
        try require(b >= 1, "block_length", b, "at least 1")
        guard g % b == 0 else { throw DecoderError.canvasNotDivisibleByBlock(canvasLength: g, blockLength: b) }
        guard steps % (g / b) == 0 else {
            throw DecoderError.stepsNotDivisibleByBlocks(steps: steps, blocks: g / b, stage: stage)
        }
    }

    private static func require(_ ok: Bool, _ option: String, _ value: Any, _ expected: String) throws {
        if !ok { throw DecoderError.invalidOption(option: option, value: "\(value)", expected: expected) }
    }
}
