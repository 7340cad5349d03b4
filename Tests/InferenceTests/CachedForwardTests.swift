import Foundation
import Testing
@testable import Inference
import ModelFiles
import ModelInterface

/// `forward(…, cache:, plan:)`: a cached forward whose cache holds nothing stale is the full
/// forward, for every family of the parity fixtures (LLaDA; Dream with the logit shift and
/// q/k/v biases; CoDA with QK-norm and GQA).
@Suite struct CachedForwardTests {
    static let families = ["llada-bf16", "dream-f16", "coda-f32"]
    /// Different row sets run GEMMs of different shapes, which sum in another order.
    static let tolerance: Float = 1e-5

    func ids(_ directory: String) throws -> [Int] {
        try #require(ParityManifest.load().models.first { $0.directory == directory }).cases[2].ids
    }

    @Test(arguments: families)
    func fillingTheCacheChangesNoBit(directory: String) throws {
        let model = try ParityManifest.model(directory)
        let tokens = try ids(directory)
        let positions = Array(tokens.indices)
        let plain = try model.logits(tokens: tokens, positions: positions)
        let cache = KVCache()
        let filled = try model.forward(tokens: tokens, positions: positions, cache: cache, plan: .all)
        #expect(filled.rows == plain)
        #expect(filled.computedRows == tokens.count)
        #expect(cache.storage is KVStore)
    }

    /// Same tokens as the fill: recomputing some rows against the cached rest is the full forward.
    @Test(arguments: families)
    func freshCacheGivesTheFullForwardsLogits(directory: String) throws {
        let model = try ParityManifest.model(directory)
        let tokens = try ids(directory)
        let full = try model.logits(tokens: tokens, positions: Array(tokens.indices))
        let cache = KVCache()
        _ = try model.forward(tokens: tokens, positions: [0], cache: cache, plan: .all)
        // Position 4 is asked but not named: under the shift its row 3 is added (and row 4 for LLaDA).
        let positions = [6, 4, tokens.count - 1]
        let cached = try model.forward(tokens: tokens, positions: positions, cache: cache,
                                       plan: .only([5, 6, tokens.count - 1]))
        #expect(cached.rows.positions == positions)
        let shifted = model.config.usesLogitShift
        #expect(cached.computedRows == (shifted ? 5 : 4))  // {5, 6, last} ∪ source rows {5|6, 3|4, last-1|last}
        for (k, p) in positions.enumerated() {
            let error = worstRelativeError(cached.rows.row(k), full.row(p))
            #expect(error <= Self.tolerance, "\(directory) position \(p): relative error \(error)")
        }
    }

    /// Changed tokens whose rows are all recomputed leave nothing stale: exact again. The same
    /// change with the cache's old rows kept (approximate) gives different logits.
    @Test(arguments: families)
    func recomputedChangesAreExactAndStaleRowsAreNot(directory: String) throws {
        let model = try ParityManifest.model(directory)
        let before = try ids(directory)
        var after = before
        after[2] = (after[2] + 7) % model.vocabularySize
        after[7] = (after[7] + 11) % model.vocabularySize
        let positions = Array(after.indices)
        let want = try model.logits(tokens: after, positions: positions)
        let cache = KVCache()
        _ = try model.forward(tokens: before, positions: [0], cache: cache, plan: .all)
        let everything = try model.forward(tokens: after, positions: positions, cache: cache, plan: .only(positions))
        for p in positions {
            #expect(worstRelativeError(everything.rows.row(p), want.row(p)) <= Self.tolerance)
        }
        _ = try model.forward(tokens: before, positions: [0], cache: cache, plan: .all)
        let stale = try model.forward(tokens: after, positions: [2, 7], cache: cache, plan: .only([2, 7]))
        let worst = [0, 1].map { worstRelativeError(stale.rows.row($0), want.row([2, 7][$0])) }.max()!
        #expect(worst > 1e-4, "stale keys and values should show: \(worst)")
    }

    /// Asking for some positions runs the last layer's queries and MLP for their rows only: the
    /// logits equal those rows of the all-positions forward (unordered, repeated, and under the
    /// Dream shift positions 0 and 1 reading the same row).
    @Test(arguments: families)
    func someRowsGiveTheSameLogitsAsEveryRow(directory: String) throws {
        let model = try ParityManifest.model(directory)
        let tokens = try ids(directory)
        let every = try model.logits(tokens: tokens, positions: Array(tokens.indices))
        let asked = [5, 1, 0, 5, tokens.count - 1]
        let some = try model.logits(tokens: tokens, positions: asked)
        for (k, p) in asked.enumerated() {
            let error = worstRelativeError(some.row(k), every.row(p))
            #expect(error <= Self.tolerance, "\(directory) position \(p): relative error \(error)")
        }
    }

    /// FLOPs follow the rows computed: keys and values for every computed row in every layer,
    /// the rest of a layer for every computed row but, in the last layer, only the read ones.
    @Test func flopsCountOnlyComputedRows() throws {
        let model = try ParityManifest.model("llada-bf16", threads: 1)
        let tokens = try ids("llada-bf16")
        let l = Double(tokens.count)
        let c = model.config
        let layers = Double(c.layerCount)
        let q = Double(c.headCount * c.headDim), kv = Double(c.kvHeadCount * c.headDim), d = Double(c.hiddenSize)
        let keysValues = 2 * 2 * d * kv
        let rest = 2 * (2 * d * q + 3 * d * Double(c.intermediateSize))
        let head = 2 * 2 * d * Double(c.vocabularySize)
        func want(computed: Double, read: Double) -> Double {
            let rowLayers = computed * (layers - 1) + read
            return computed * layers * keysValues + rowLayers * rest + head + 4 * l * q * rowLayers
        }
        let cache = KVCache()
        let full = try model.forward(tokens: tokens, positions: [1, 2], cache: cache, plan: .all)
        #expect(abs(full.flops! - want(computed: l, read: 2)) <= want(computed: l, read: 2) * 1e-12)
        let part = try model.forward(tokens: tokens, positions: [1, 2], cache: cache, plan: .only([1, 2, 3]))
        #expect(abs(part.flops! - want(computed: 3, read: 2)) <= want(computed: 3, read: 2) * 1e-12)
        #expect(part.computedRows == 3)
        // Every row read: the engines.md formula.
        let all = try model.forward(tokens: tokens, positions: Array(tokens.indices), cache: cache, plan: .all)
        #expect(abs(all.flops! - ForwardFLOPs(config: c, length: tokens.count, rows: tokens.count).total)
                <= all.flops! * 1e-12)
    }

    @Test func badPlansAreTypedErrors() throws {
        let model = try ParityManifest.model("llada-bf16", threads: 1)
        let tokens = [1, 2, 3, 4, 5]
        #expect(throws: KVCacheError.notFilled(sequenceLength: 5)) {
            try model.forward(tokens: tokens, positions: [1], cache: KVCache(), plan: .only([1]))
        }
        #expect(throws: KVCacheError.notFilled(sequenceLength: 5)) {
            try model.forward(tokens: tokens, positions: [1], cache: nil, plan: .only([1]))
        }
        let cache = KVCache()
        _ = try model.forward(tokens: tokens + [6], positions: [1], cache: cache, plan: .all)
        #expect(throws: KVCacheError.notFilled(sequenceLength: 5)) {
            try model.forward(tokens: tokens, positions: [1], cache: cache, plan: .only([1]))
        }
        _ = try model.forward(tokens: tokens, positions: [1], cache: cache, plan: .all)
        #expect(throws: KVCacheError.badRow(row: 1, sequenceLength: 5)) {
            try model.forward(tokens: tokens, positions: [1], cache: cache, plan: .only([3, 1]))
        }
        #expect(throws: KVCacheError.badRow(row: 5, sequenceLength: 5)) {
            try model.forward(tokens: tokens, positions: [1], cache: cache, plan: .only([1, 5]))
        }
    }
}
