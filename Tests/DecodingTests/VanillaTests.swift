import Testing
@testable import Decoding

@Suite struct VanillaTests {
    let prompt = [1, 2, 3]
    let mask = 23

    func request(_ g: Int, _ t: Int, seed: UInt64 = 1) -> DecodingRequest {
        DecodingRequest(prompt: prompt, canvasLength: g, nfe: t, seed: seed, maskId: mask, stopIds: [22])
    }

    /// No forward ever sees an accepted canvas token change, and each position is unmasked once.
    func expectNeverRevisited(_ model: FakeModel, _ result: DecodingResult) {
        let m = prompt.count
        for (i, input) in model.inputs.enumerated() {
            for p in 0..<result.canvas.count where input[m + p] != mask {
                #expect(model.inputs[i...].allSatisfy { $0[m + p] == input[m + p] })
                #expect(result.canvas[p] == input[m + p])
            }
        }
        let unmasked = result.trace.steps.flatMap(\.unmasked).map(\.position)
        #expect(unmasked.sorted() == Array(0..<result.canvas.count))
        #expect(result.trace.steps.allSatisfy { $0.remasked.isEmpty && $0.edited.isEmpty })
        #expect(!result.canvas.contains(mask))
    }

    @Test(arguments: [UnmaskRule.lowConfidence, .random, .entropy, .maxProb, .margin, .origin])
    func vanillaNeverChangesAnAcceptedToken(rule: UnmaskRule) throws {
        let model = Fakes.hashed(promptLength: prompt.count)
        let options = VanillaOptions(unmask: rule, temperature: 0.8, topP: rule.family == .dream ? 0.9 : nil)
        let result = try DiffusionDecoder(method: .vanilla(options)).decode(model, request(16, 8))
        expectNeverRevisited(model, result)
        #expect(model.calls == result.trace.nfeUsed)
    }

    @Test func lladaUnmasksThreeThreeTwoTwo() throws {
        let model = Fakes.hashed(promptLength: prompt.count)
        let result = try DiffusionDecoder(method: .vanilla(VanillaOptions(family: .llada))).decode(model, request(10, 4))
        #expect(result.trace.unmaskCounts == [3, 3, 2, 2])
        #expect(model.calls == 4 && result.trace.nfeUsed == 4)
        // Only masked positions are ever asked for.
        #expect(model.requests.map(\.count) == [10, 7, 4, 2])
    }

    @Test func lladaBlocksAreSemiAutoregressive() throws {
        let model = Fakes.hashed(promptLength: prompt.count)
        let options = VanillaOptions(unmask: .lowConfidence, blockLength: 4)
        let result = try DiffusionDecoder(method: .vanilla(options)).decode(model, request(8, 4))
        #expect(result.trace.unmaskCounts == [2, 2, 2, 2])
        #expect(result.trace.steps.map(\.block) == [0, 0, 1, 1])
        for step in result.trace.steps {
            let block = step.block!
            #expect(step.unmasked.allSatisfy { (block * 4)..<(block * 4 + 4) ~= $0.position })
        }
        // The second block's rows are requested only after the first block is complete.
        #expect(model.requests.map { $0.map { $0 - prompt.count } } == [[0, 1, 2, 3], [0, 1, 2, 3].filter {
            !result.trace.steps[0].unmasked.map(\.position).contains($0) }, [4, 5, 6, 7],
            [4, 5, 6, 7].filter { !result.trace.steps[2].unmasked.map(\.position).contains($0) }])
        #expect(model.calls == 4)
    }

    @Test func dreamFollowsTheTimeGrid() throws {
        let model = Fakes.hashed(promptLength: prompt.count)
        let result = try DiffusionDecoder(method: .vanilla(VanillaOptions(family: .dream))).decode(model, request(64, 8))
        #expect(result.trace.unmaskCounts == [7, 8, 8, 8, 8, 8, 8, 9])
        #expect(model.calls == 8 && result.trace.nfeUsed == 8)
    }

    @Test func dreamStepsWithNothingToUnmaskCostNoForward() throws {
        // 64 tokens in 64 steps: torch gives 0 at step 0, then 1 each, and 2 at the last step.
        let model = Fakes.hashed(promptLength: prompt.count)
        let result = try DiffusionDecoder(method: .vanilla(VanillaOptions(family: .dream))).decode(model, request(64, 64))
        #expect(result.trace.unmaskCounts == [0] + [Int](repeating: 1, count: 62) + [2])
        #expect(result.trace.steps[0].forward == false)
        #expect(model.calls == 63 && result.trace.nfeUsed == 63 && result.trace.nfeBudget == 64)
    }

    @Test(arguments: [
        VanillaOptions(unmask: .lowConfidence, temperature: 1),
        VanillaOptions(unmask: .random, temperature: 1),
        VanillaOptions(unmask: .entropy, temperature: 1, topP: 0.95, topK: 10),
        VanillaOptions(unmask: .origin, temperature: 1),
    ])
    func seedsReproduceAndDiffer(options: VanillaOptions) throws {
        let decoder = DiffusionDecoder(method: .vanilla(options))
        func run(_ seed: UInt64) throws -> (DecodingResult, FakeModel) {
            let model = Fakes.hashed(promptLength: prompt.count)
            return (try decoder.decode(model, request(24, 6, seed: seed)), model)
        }
        let (a, ma) = try run(7), (b, mb) = try run(7), (c, _) = try run(8)
        #expect(a.canvas == b.canvas)
        #expect(a.trace.steps.map(\.unmasked) == b.trace.steps.map(\.unmasked))
        #expect(ma.inputs == mb.inputs)
        #expect(a.canvas != c.canvas)
    }

    @Test func answerEndsAtTheFirstStopId() throws {
        // Position 3 of the canvas always predicts the stop id 22 with high confidence.
        let m = prompt.count
        let model = FakeModel(vocabularySize: 24) { _, p in
            var row = [Float](repeating: 0, count: 24)
            row[p - m == 3 ? 22 : 5] = 8
            return row
        }
        let result = try DiffusionDecoder(method: .vanilla(VanillaOptions(family: .llada))).decode(model, request(8, 4))
        #expect(result.canvas == [5, 5, 5, 22, 5, 5, 5, 5])
        #expect(result.answerEnd == 3 && result.answer == [5, 5, 5])
    }

    @Test func theMaskIdIsNeverACandidate() throws {
        // The model's favourite token is the mask id itself.
        let model = FakeModel(vocabularySize: 24) { _, _ in
            var row = [Float](repeating: 0, count: 24)
            row[23] = 50
            row[4] = 1
            return row
        }
        let result = try DiffusionDecoder(method: .vanilla(VanillaOptions(family: .llada))).decode(model, request(6, 3))
        #expect(result.canvas == [4, 4, 4, 4, 4, 4])
    }
}
