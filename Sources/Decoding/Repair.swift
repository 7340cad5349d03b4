import ModelInterface

/// Where a failed candidate goes back to the model: its canvas, and the positions to re-mask.
///
/// Repair is TOLERATOR's refinement started from an existing canvas instead of a fresh fill-up:
/// the re-masked positions are filled again (vanilla, `fillUpFraction` of the budget, only when
/// something was re-masked), then refinement iterations cross-validate the whole canvas. The
/// verifier decides *where* to re-mask (a syntax error's line, a traceback's lines, an
/// extraction cut); decoding only needs the positions.
public struct RepairRequest: Sendable, Equatable {
    /// The prompt, canvas length, seed and ids; `nfe` is this repair's budget.
    public var base: DecodingRequest
    /// The failed candidate's canvas (G tokens).
    public var canvas: [Int]
    /// Canvas positions to re-mask before refinement (may be empty).
    public var remask: [Int]

    public init(base: DecodingRequest, canvas: [Int], remask: [Int]) {
        self.base = base
        self.canvas = canvas
        self.remask = remask
    }
}

extension DiffusionDecoder {
    /// Repairs a canvas with TOLERATOR's options (`options.gammaMax`/`gammaMin` set how much of
    /// the canvas each refinement iteration re-predicts). Uses at most `request.base.nfe` forwards.
    public func repair(_ model: any LogitsModel, _ request: RepairRequest, options: ToleratorOptions,
                       progress: ((DecodingProgress) -> Void)? = nil) throws -> DecodingResult {
        let base = request.base
        try Validation.check(base, vocabularySize: model.vocabularySize)
        try Validation.check(.tolerator(options), canvasLength: base.canvasLength, nfe: base.nfe)
        guard request.canvas.count == base.canvasLength else {
            throw DecoderError.invalidOption(option: "canvas", value: "\(request.canvas.count) tokens",
                                             expected: "canvas_length = \(base.canvasLength) tokens")
        }
        for p in request.remask where !(0..<base.canvasLength).contains(p) {
            throw DecoderError.invalidOption(option: "remask", value: "\(p)", expected: "a canvas position 0..<\(base.canvasLength)")
        }
        try Validation.check(cache)
        let session = Session(model: model, request: base, totalSteps: base.nfe, cache: cache, progress: progress)
        session.canvas = request.canvas
        for p in request.remask { session.canvas[p] = base.maskId }
        let masked = !session.maskedPositions().isEmpty
        let fillUp = masked ? Schedules.toleratorSplit(nfe: base.nfe, fillUpFraction: options.fillUpFraction).fillUp : 0
        if fillUp > 0 { try session.runVanilla(options.fillUp, steps: fillUp, stage: .fillUp) }
        let draft = session.canvas
        session.cacheBoundary()
        let outcome = try session.refine(options, iterations: base.nfe - fillUp)
        var trace = DecodingTrace(
            method: .tolerator(options), promptLength: base.prompt.count, canvasLength: base.canvasLength,
            seed: base.seed, nfeBudget: base.nfe, nfeUsed: session.nfeUsed, steps: session.records,
            forwardSeconds: session.forwardSeconds, otherSeconds: session.otherSeconds)
        trace.cache = cache.mode == .none ? nil : cache
        trace.flops = session.records.contains { $0.flops != nil } ? session.flops : nil
        trace.fillUpDraft = draft
        trace.fillUpBudget = fillUp
        trace.refinementBudget = base.nfe - fillUp
        trace.gammas = outcome.gammas
        trace.earlyStop = outcome.earlyStop
        let stops = Set(base.stopIds)
        let end = session.canvas.firstIndex { stops.contains($0) } ?? session.canvas.count
        return DecodingResult(canvas: session.canvas, answerEnd: end, trace: trace)
    }
}
