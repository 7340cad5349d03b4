import ModelInterface
import Testing
@testable import Decoding

/// Row bookkeeping of `--cache`: which sequence rows each forward recomputes.
@Suite struct CachePlannerTests {
    @Test func noneComputesEveryRowAlways() {
        var planner = CachePlanner(policy: .none)
        let tokens = [1, 2, 3, 9, 9]
        #expect(planner.plan(tokens: tokens, requested: [3], block: 3..<5) == .all)
        #expect(planner.plan(tokens: tokens, requested: [3], block: 3..<5) == .all)
        #expect(planner.cachedTokens == nil)
    }

    /// Prompt 2 + canvas 6 in blocks of 3 (rows 2..<5, 5..<8); 9 is the mask.
    @Test func prefixRecomputesFromTheBlockStartAndRefreshesPerBlock() {
        var planner = CachePlanner(policy: CachePolicy(mode: .prefix))
        var tokens = [1, 2, 9, 9, 9, 9, 9, 9]
        #expect(planner.plan(tokens: tokens, requested: [2, 3, 4], block: 2..<5) == .all)
        tokens[3] = 4
        #expect(planner.plan(tokens: tokens, requested: [2, 4], block: 2..<5) == .only([2, 3, 4, 5, 6, 7]))
        tokens[2] = 5
        tokens[4] = 6
        #expect(planner.plan(tokens: tokens, requested: [5, 6, 7], block: 5..<8) == .all)
        tokens[6] = 7
        #expect(planner.plan(tokens: tokens, requested: [5, 7], block: 5..<8) == .only([5, 6, 7]))
    }

    @Test func dualRecomputesTheBlockAndNothingElse() {
        var planner = CachePlanner(policy: CachePolicy(mode: .dual))
        var tokens = [1, 2, 9, 9, 9, 9, 9, 9]
        #expect(planner.plan(tokens: tokens, requested: [2, 3, 4], block: 2..<5) == .all)
        tokens[3] = 4
        #expect(planner.plan(tokens: tokens, requested: [2, 4], block: 2..<5) == .only([2, 3, 4]))
        tokens[2] = 5
        #expect(planner.plan(tokens: tokens, requested: [4], block: 2..<5) == .only([2, 3, 4]))
        #expect(planner.cachedTokens == [1, 2, 5, 4, 9, 9, 9, 9])
    }

    /// Outside blocks (refinement, Dream-style rules): the rows asked for plus every row whose
    /// token differs from the one its cached keys were computed from.
    @Test func dualOutsideBlocksRecomputesAskedAndChangedRows() {
        var planner = CachePlanner(policy: CachePolicy(mode: .dual))
        var tokens = [1, 2, 3, 4, 5, 6]
        #expect(planner.plan(tokens: tokens, requested: [2, 5], block: nil) == .all)
        tokens[2] = 9  // masked as a refinement target
        tokens[5] = 9
        #expect(planner.plan(tokens: tokens, requested: [2, 5], block: nil) == .only([2, 5]))
        tokens[2] = 7  // written back
        tokens[5] = 6  // written back unchanged: its cached keys came from the mask, so dirty
        tokens[3] = 9  // next target
        #expect(planner.plan(tokens: tokens, requested: [3], block: nil) == .only([2, 3, 5]))
        // Prefix outside blocks: from the first active row to the end.
        var prefix = CachePlanner(policy: CachePolicy(mode: .prefix))
        var other = [1, 2, 3, 4, 5, 6]
        #expect(prefix.plan(tokens: other, requested: [4], block: nil) == .all)
        other[4] = 9
        #expect(prefix.plan(tokens: other, requested: [4], block: nil) == .only([4, 5]))
    }

    @Test func refreshEveryNForwardsAndAtBoundaries() {
        var planner = CachePlanner(policy: CachePolicy(mode: .dual, refreshEvery: 3))
        let tokens = [1, 2, 3, 4]
        let plans = (0..<7).map { _ in planner.plan(tokens: tokens, requested: [3], block: nil) }
        #expect(plans == [.all, .only([3]), .only([3]), .all, .only([3]), .only([3]), .all])
        planner.markBoundary()
        #expect(planner.plan(tokens: tokens, requested: [3], block: nil) == .all)
        #expect(planner.plan(tokens: tokens, requested: [3], block: nil) == .only([3]))
        // A longer sequence cannot reuse the cache.
        #expect(planner.plan(tokens: tokens + [5], requested: [3], block: nil) == .all)
    }

    /// Through a decoder: LLaDA-style vanilla, prompt 3, G 8 in blocks of 4, T 4 (2 steps a block).
    @Test func vanillaBlocksPlanFullThenTheBlock() throws {
        let model = Fakes.hashed(promptLength: 3)
        let request = DecodingRequest(prompt: [1, 2, 3], canvasLength: 8, nfe: 4, seed: 1, maskId: 23, stopIds: [22])
        let options = VanillaOptions(unmask: .lowConfidence, blockLength: 4)
        let dual = try DiffusionDecoder(method: .vanilla(options), cache: CachePolicy(mode: .dual)).decode(model, request)
        #expect(model.plans == [.all, .only([3, 4, 5, 6]), .all, .only([7, 8, 9, 10])])
        #expect(dual.trace.cache == CachePolicy(mode: .dual))
        let prefixModel = Fakes.hashed(promptLength: 3)
        _ = try DiffusionDecoder(method: .vanilla(options), cache: CachePolicy(mode: .prefix)).decode(prefixModel, request)
        #expect(prefixModel.plans == [.all, .only(Array(3..<11)), .all, .only([7, 8, 9, 10])])
        // An exact model gives the same answer whatever the plan: caching changes only cost.
        let plain = try DiffusionDecoder(method: .vanilla(options)).decode(Fakes.hashed(promptLength: 3), request)
        #expect(plain.canvas == dual.canvas)
        #expect(plain.trace.cache == nil)
    }

    /// TOLERATOR: fill-up as vanilla; refinement starts with a full forward, then recomputes the
    /// iteration's targets plus the previous targets (their tokens changed from the mask).
    @Test func toleratorRefinementRecomputesTargetsAndLastWrites() throws {
        let model = Fakes.hashed(promptLength: 3)
        let request = DecodingRequest(prompt: [1, 2, 3], canvasLength: 8, nfe: 8, seed: 3, maskId: 23, stopIds: [22])
        var options = ToleratorOptions(family: .llada)
        options.lockAfter = 0
        let result = try DiffusionDecoder(method: .tolerator(options), cache: CachePolicy(mode: .dual)).decode(model, request)
        let refine = result.trace.steps.filter { $0.stage == .refine }
        #expect(refine.count == 4)
        let plans = model.plans.suffix(refine.count)
        #expect(plans.first == .all)
        for (k, plan) in plans.enumerated().dropFirst() {
            let targets = Set(refine[k].targets!.map { $0 + 3 })
            let previous = Set(refine[k - 1].targets!.map { $0 + 3 })
            #expect(plan == .only(targets.union(previous).sorted()))
        }
    }

    @Test func refreshOfZeroIsATypedError() {
        let request = DecodingRequest(prompt: [1], canvasLength: 4, nfe: 2, seed: 0, maskId: 23, stopIds: [22])
        let decoder = DiffusionDecoder(method: .vanilla(VanillaOptions(family: .llada)),
                                       cache: CachePolicy(mode: .prefix, refreshEvery: 0))
        #expect(throws: DecoderError.invalidOption(option: "cache_refresh", value: "0", expected: "at least 1 forward")) {
            try decoder.decode(Fakes.hashed(promptLength: 1), request)
        }
    }
}
