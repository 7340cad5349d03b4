import ModelInterface
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Logit adjustment applied to every stop id before sampling (TOLERATOR fill-up, spec §4).
struct StopPenalty: Sendable, Equatable {
    var lambda: Double
    var form: EoTPenaltyForm

    func apply(_ logit: Float) -> Float {
        switch form {
        case .paper: return Float(Double(logit) - log(lambda))
        case .code: return Float(Double(logit) / lambda)
        }
    }
}

/// State shared by every method while one request decodes: the canvas, the generator, the
/// forward counter, per-step records and timing. Not thread-safe; one per `decode` call.
final class Session {
    let model: any LogitsModel
    let request: DecodingRequest
    let vocabularySize: Int
    let pool: SamplerPool
    let totalSteps: Int
    let progress: ((DecodingProgress) -> Void)?
    /// Inspection hook for tests: sees each step's rows exactly as the sampler will.
    var rowsObserver: ((LogitRows) -> Void)?
    /// The rows `forward` last returned, handed back to the model at the next forward.
    private var lastRows: LogitRows?

    var canvas: [Int]
    var rng: Xoshiro256StarStar
    var stopPenalty: StopPenalty?
    /// The semi-autoregressive block being decoded (canvas positions), for the cache's row plan.
    var cacheBlock: Range<Int>?
    private var planner: CachePlanner
    private let kvCache: KVCache?
    private(set) var nfeUsed = 0
    /// Sum of the forwards' FLOPs (0 when the model does not count them).
    private(set) var flops = 0.0
    private(set) var records: [StepRecord] = []
    private(set) var forwardSeconds = 0.0
    private(set) var otherSeconds = 0.0

    private let clock = ContinuousClock()
    private var stepStart: ContinuousClock.Instant
    private var stepForward: Duration = .zero
    private var stepForwarded = false
    private var stepFLOPs: Double?
    private var stepRows: Int?

    init(model: any LogitsModel, request: DecodingRequest, totalSteps: Int, cache: CachePolicy = .none,
         progress: ((DecodingProgress) -> Void)?) {
        self.planner = CachePlanner(policy: cache)
        self.kvCache = cache.mode == .none ? nil : KVCache()
        self.model = model
        self.request = request
        self.vocabularySize = model.vocabularySize
        self.pool = SamplerPool(vocabularySize: model.vocabularySize)
        self.totalSteps = totalSteps
        self.progress = progress
        self.canvas = [Int](repeating: request.maskId, count: request.canvasLength)
        self.rng = Xoshiro256StarStar(seed: request.seed)
        self.stepStart = clock.now
    }

    /// The last rows go back too, so the next decode with this model starts on their memory.
    deinit {
        if let lastRows { model.recycle(lastRows) }
    }

    var maskId: Int { request.maskId }

    /// Masked canvas positions in `range`, ascending.
    func maskedPositions(in range: Range<Int>? = nil) -> [Int] {
        (range ?? 0..<canvas.count).filter { canvas[$0] == maskId }
    }

    var unmaskedCount: Int { canvas.reduce(0) { $0 + ($1 == maskId ? 0 : 1) } }

    // MARK: - Steps

    func beginStep() {
        stepStart = clock.now
        stepForward = .zero
        stepForwarded = false
        stepFLOPs = nil
        stepRows = nil
    }

    /// The next forward recomputes every row (a new stage starts; the cache mode's refresh).
    func cacheBoundary() { planner.markBoundary() }

    /// One forward over `prompt ++ canvas`, returning the rows for canvas `positions` after the
    /// mask id is excluded from prediction and any stop penalty is applied.
    func forward(_ positions: [Int]) throws -> LogitRows {
        let offset = request.prompt.count
        let tokens = request.prompt + canvas
        let started = clock.now
        let sequencePositions = positions.map { $0 + offset }
        let plan = planner.plan(tokens: tokens, requested: sequencePositions,
                                block: cacheBlock.map { ($0.lowerBound + offset)..<($0.upperBound + offset) })
        // The previous step's rows are done with: their memory takes this step's logits.
        if let previous = lastRows {
            lastRows = nil
            model.recycle(previous)
        }
        let output = try model.forward(tokens: tokens, positions: sequencePositions, cache: kvCache, plan: plan)
        var rows = output.rows
        stepForward += clock.now - started
        if let f = output.flops { stepFLOPs = (stepFLOPs ?? 0) + f; flops += f }
        if let r = output.computedRows { stepRows = (stepRows ?? 0) + r }
        stepForwarded = true
        nfeUsed += 1
        let v = vocabularySize
        guard rows.rowCount == positions.count, rows.vocabularySize == v,
              rows.values.count == positions.count * v else {
            throw DecoderError.modelShapeMismatch(
                expectedRows: positions.count, gotRows: rows.rowCount,
                expectedVocabulary: v, gotVocabulary: rows.vocabularySize)
        }
        // A sampled mask id would leave its position masked and break every schedule's count,
        // so the mask is never a candidate (the references leave this to the model).
        let penalty = stopPenalty
        let stopIds = penalty == nil ? [] : Array(Set(request.stopIds)).sorted()  // once per id
        let mask = maskId
        rows.values.withUnsafeMutableBufferPointer { values in
            for r in 0..<positions.count {
                values[r * v + mask] = -.infinity
                if let penalty {
                    for id in stopIds where id != mask {
                        values[r * v + id] = penalty.apply(values[r * v + id])
                    }
                }
            }
        }
        rowsObserver?(rows)
        lastRows = rows
        return rows
    }

    /// Candidates for every row of `rows` (canvas `positions`), drawing the uniforms in position
    /// order: first one per row for the categorical draw (only when τ > 0), then one per row for
    /// `random` confidences.
    func candidates(_ rows: LogitRows, positions: [Int], _ spec: SamplingSpec) throws -> [Candidate] {
        let n = positions.count
        let uniforms = spec.temperature > 0 ? (0..<n).map { _ in rng.uniform() } : [Double](repeating: 0, count: n)
        let draws = spec.confidence == .uniform ? (0..<n).map { _ in rng.uniform() } : uniforms
        let results = pool.map(rows) { sampler, row, r in
            sampler.draw(row, spec, uniform: uniforms[r], confidenceDraw: draws[r])
        }
        return try zip(results, positions).map { result, position in
            guard let c = result else {
                throw DecoderError.nonFiniteLogits(position: position + request.prompt.count)
            }
            return c
        }
    }

    /// softmax(z)[token] for each row (untempered).
    func modelProbabilities(_ rows: LogitRows, positions: [Int], of tokens: [Int]) throws -> [Double] {
        let results = pool.map(rows) { sampler, row, r in sampler.modelProbability(of: tokens[r], in: row) }
        return try zip(results, positions).map { result, position in
            guard let p = result else {
                throw DecoderError.nonFiniteLogits(position: position + request.prompt.count)
            }
            return p
        }
    }

    /// Writes `tokens` at `positions`, returning the changes.
    @discardableResult
    func write(_ tokens: [Int], at positions: [Int]) -> [TokenChange] {
        zip(positions, tokens).map { p, t in
            let change = TokenChange(position: p, old: canvas[p], new: t)
            canvas[p] = t
            return change
        }
    }

    func endStep(_ stage: DecodingStage, block: Int? = nil, unmasked: [TokenChange] = [],
                 remasked: [TokenChange] = [], edited: [TokenChange] = [], targets: [Int]? = nil,
                 locked: [Int]? = nil, gamma: Double? = nil) {
        let total = seconds(clock.now - stepStart)
        let forward = seconds(stepForward)
        forwardSeconds += forward
        otherSeconds += max(0, total - forward)
        records.append(StepRecord(
            step: records.count, stage: stage, block: block, forward: stepForwarded, nfe: nfeUsed,
            unmasked: unmasked, remasked: remasked, edited: edited, targets: targets, locked: locked,
            gamma: gamma, forwardSeconds: forward, otherSeconds: max(0, total - forward),
            flops: stepFLOPs, computedRows: stepRows))
        progress?(DecodingProgress(
            stage: stage, step: records.count - 1, totalSteps: totalSteps, nfeUsed: nfeUsed,
            nfeBudget: request.nfe, unmaskedTokens: unmaskedCount,
            changedTokens: unmasked.count + remasked.count + edited.count, canvasLength: canvas.count))
    }

    private func seconds(_ d: Duration) -> Double {
        let c = d.components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }

    // MARK: - Shared unmasking moves

    /// Unmasks the `k` most confident of `masked` under `rule` (ties: lower position). `random`
    /// draws its confidences first and forwards only the chosen rows.
    func unmaskMostConfident(_ masked: [Int], count k: Int, rule: UnmaskRule, spec: SamplingSpec) throws -> [TokenChange] {
        guard k > 0, !masked.isEmpty else { return [] }
        if rule == .random {
            let draws = masked.map { _ in rng.uniform() }
            let chosen = Self.topK(masked, scores: draws, k).sorted()
            let rows = try forward(chosen)
            var plain = spec
            plain.confidence = .none
            return write(try candidates(rows, positions: chosen, plain).map(\.token), at: chosen)
        }
        let rows = try forward(masked)
        let found = try candidates(rows, positions: masked, spec)
        let chosen = Set(Self.topK(masked, scores: found.map(\.confidence), k))
        let picks = masked.indices.filter { chosen.contains(masked[$0]) }
        return write(picks.map { found[$0].token }, at: picks.map { masked[$0] })
    }

    /// Unmasks each of `masked` independently with probability `p` (Dream `origin`): the coin
    /// flips come first, so only the chosen rows are forwarded.
    func unmaskEach(_ masked: [Int], probability p: Double, spec: SamplingSpec) throws -> [TokenChange] {
        let chosen = masked.filter { _ in rng.uniform() < p }
        guard !chosen.isEmpty else { return [] }
        let rows = try forward(chosen)
        return write(try candidates(rows, positions: chosen, spec).map(\.token), at: chosen)
    }

    /// The `k` positions with the highest scores; ties go to the lower position.
    static func topK(_ positions: [Int], scores: [Double], _ k: Int) -> [Int] {
        let order = positions.indices.sorted { a, b in
            scores[a] != scores[b] ? scores[a] > scores[b] : positions[a] < positions[b]
        }
        return order.prefix(k).map { positions[$0] }
    }
}
