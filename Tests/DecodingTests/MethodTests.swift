#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ModelInterface
import Testing
@testable import Decoding

@Suite struct RCRTests {
    /// Vocabulary 0…3 content, 4 stop, 5 mask; canvas of 3 after a 1-token prompt. Position 0
    /// first guesses token 1 (logit 3) and, once positions 1 and 2 are visible, knows it is 0;
    /// positions 1 and 2 become far surer (logits 6, 5) once position 0 is visible.
    static func model() -> FakeModel {
        FakeModel(vocabularySize: 6) { tokens, p in
            var row = [Float](repeating: 0, count: 6)
            let canvas = Array(tokens[1...])
            switch p - 1 {
            case 0: if canvas[1] != 5 && canvas[2] != 5 { row[0] = 8 } else { row[1] = 3 }
            case 1: row[2] = canvas[0] != 5 ? 6 : 2
            default: row[3] = canvas[0] != 5 ? 5 : 1
            }
            return row
        }
    }

    let request = DecodingRequest(prompt: [0], canvasLength: 3, nfe: 3, seed: 0, maskId: 5, stopIds: [4])

    @Test func rcrTakesBackALowConfidenceToken() throws {
        let model = Self.model()
        let result = try DiffusionDecoder(method: .rcr(RCROptions(family: .llada))).decode(model, request)
        // Step 0 keeps position 0 (token 1); step 1 finds positions 1, 2 surer and remasks it.
        #expect(result.trace.steps[0].remasked.map(\.position) == [1, 2])
        #expect(result.trace.steps[1].remasked == [TokenChange(position: 0, old: 1, new: 5)])
        #expect(result.canvas == [0, 2, 3])
        #expect(model.calls == 3 && result.trace.nfeUsed == 3)
        // Every step fills every masked block position.
        #expect(model.requests == [[1, 2, 3], [2, 3], [1]])
    }

    @Test func vanillaKeepsThatToken() throws {
        let result = try DiffusionDecoder(method: .vanilla(VanillaOptions(family: .llada))).decode(Self.model(), request)
        #expect(result.canvas == [1, 2, 3])
    }

    @Test func rcrUsesTheBudgetPerBlock() throws {
        let model = Fakes.hashed(promptLength: 2)
        let request = DecodingRequest(prompt: [0, 1], canvasLength: 12, nfe: 6, seed: 5, maskId: 23, stopIds: [22])
        let result = try DiffusionDecoder(method: .rcr(RCROptions(unmask: .lowConfidence, temperature: 0.7, blockLength: 4)))
            .decode(model, request)
        #expect(model.calls == 6 && result.trace.nfeUsed == 6)
        #expect(!result.canvas.contains(23))
        // Cumulative linear targets 2, 4 per block: after step 0 exactly two block tokens stay.
        for step in result.trace.steps where step.step % 2 == 0 {
            #expect(step.unmasked.count - step.remasked.count == 2)
        }
    }
}

@Suite struct ReMDMTests {
    @Test func remasksOnlyInTheLoopWindowAndEndsUnmasked() throws {
        let model = Fakes.hashed(promptLength: 1)
        let request = DecodingRequest(prompt: [0], canvasLength: 20, nfe: 40, seed: 11, maskId: 23, stopIds: [22])
        // η = 0.2: unmask probability η·α/(1−α) = 1.8 is clipped to 1.
        let options = ReMDMOptions(unmask: .lowConfidence, temperature: 0.5, eta: 0.2)
        let result = try DiffusionDecoder(method: .remdm(options)).decode(model, request)
        // t_j = 1 − j/40: the loop is 0.05 < t ≤ 0.55, i.e. steps 18…37.
        let loop = 18...37
        #expect(result.trace.steps.allSatisfy { ($0.stage == .remdmLoop) == loop.contains($0.step) })
        #expect(result.trace.steps.allSatisfy { $0.remasked.isEmpty || loop.contains($0.step) })
        #expect(result.trace.steps.flatMap(\.remasked).count > 0)
        // Phase 1 reaches α_on·G = 18 tokens with one per step.
        #expect(result.trace.steps.prefix(18).allSatisfy { $0.unmasked.count == 1 })
        #expect(!result.canvas.contains(23))
        // One forward per step, except loop steps that found nothing masked (nothing to predict).
        let skipped = result.trace.steps.filter { !$0.forward }
        #expect(skipped.allSatisfy { $0.stage == .remdmLoop && $0.unmasked.isEmpty })
        #expect(model.calls == 40 - skipped.count && result.trace.nfeUsed == model.calls)
        // Independently of the trace: the number of masks the model sees rises only in the loop.
        let masks = model.inputs.map { $0.filter { $0 == 23 }.count }
        for i in 1..<masks.count where masks[i] > masks[i - 1] {
            #expect(loop.contains(i - 1))
        }
    }

    @Test func smallBudgetsStillFinish() throws {
        for t in 1...4 {
            let model = Fakes.hashed(promptLength: 1)
            let request = DecodingRequest(prompt: [0], canvasLength: 10, nfe: t, seed: 2, maskId: 23, stopIds: [22])
            let result = try DiffusionDecoder(method: .remdm(ReMDMOptions(family: .dream))).decode(model, request)
            #expect(!result.canvas.contains(23))
            #expect(result.trace.nfeUsed <= t)
        }
    }
}

@Suite struct ToleratorTests {
    let prompt = [2]

    func request(_ g: Int, _ t: Int, seed: UInt64 = 1, prompt: [Int]? = nil) -> DecodingRequest {
        DecodingRequest(prompt: prompt ?? self.prompt, canvasLength: g, nfe: t, seed: seed, maskId: 7, stopIds: [6])
    }

    @Test func usesExactlyTForwardsAndTheGammaFormula() throws {
        let model = Fakes.hashed(vocabularySize: 8, promptLength: 1)
        var options = ToleratorOptions(family: .llada)
        options.lockAfter = 0
        let result = try DiffusionDecoder(method: .tolerator(options)).decode(model, request(16, 12))
        #expect(model.calls == 12 && result.trace.nfeUsed == 12)
        #expect(result.trace.fillUpBudget == 6 && result.trace.refinementBudget == 6)
        #expect(result.trace.earlyStop == nil)
        let expected = (0..<6).map { k in 0.4 + 0.5 * 0.4 * (1 + cos(Double.pi * Double(k) / 6)) }
        #expect(zip(result.trace.gammas!, expected).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(result.trace.gammas!.count == 6)
        // Each refinement iteration re-predicts ⌊γ_k·16⌋ positions (nothing locks here).
        let refine = result.trace.steps.filter { $0.stage == .refine }
        #expect(refine.map { $0.targets!.count } == expected.map { Int(($0 * 16 + 1e-9).rounded(.down)) })
        #expect(result.trace.fillUpDraft?.count == 16 && !result.trace.fillUpDraft!.contains(7))
        // Refinement asks only for S.
        #expect(Array(model.requests.suffix(6).map { $0.map { $0 - 1 } }) == refine.map { $0.targets! })
    }

    @Test func repairsAPlantedWrongTokenThatVanillaKeeps() throws {
        // Fill-up decodes one token per step: the first two, decided with > 80% masked, are the
        // confidently wrong 5 at positions 1 and 2; everything after is the right 2.
        let vanilla = try DiffusionDecoder(method: .vanilla(VanillaOptions(family: .llada)))
            .decode(Fakes.needsContext(promptLength: 1), request(8, 16))
        #expect(vanilla.canvas == [2, 5, 5, 2, 2, 2, 2, 2])

        let model = Fakes.needsContext(promptLength: 1)
        let result = try DiffusionDecoder(method: .tolerator(ToleratorOptions(family: .llada))).decode(model, request(8, 16))
        #expect(result.trace.fillUpDraft == [2, 5, 5, 2, 2, 2, 2, 2])
        #expect(result.canvas == [2, 2, 2, 2, 2, 2, 2, 2])
        let edits = result.trace.steps.flatMap(\.edited)
        #expect(Set(edits.map(\.position)) == [1, 2] && edits.allSatisfy { $0.old == 5 && $0.new == 2 })
        #expect(model.calls == 16)
    }

    @Test func convergenceLockStopsEarly() throws {
        // γ = 1 re-predicts every unlocked position each time; the model is stable, so every
        // position's prediction repeats from iteration 1 on and all lock at iteration R.
        let model = Fakes.needsContext(promptLength: 1)
        var options = ToleratorOptions(family: .llada)
        options.gammaMax = 1
        options.gammaMin = 1
        options.lockAfter = 3
        let result = try DiffusionDecoder(method: .tolerator(options)).decode(model, request(8, 24))
        #expect(result.trace.earlyStop == EarlyStop(reason: .converged, iteration: 4, unusedNFE: 8))
        // Fill-up: 8 masks over 12 steps leaves 4 steps with nothing to unmask, and no forward.
        #expect(model.calls == 8 + 4 && result.trace.nfeUsed == 12)
        #expect(result.trace.steps.last?.locked == Array(0..<8))
    }

    @Test func emptyRefinementSetStopsEarly() throws {
        // ⌊0.4·2⌋ = 0: nothing can be refined.
        let model = Fakes.needsContext(promptLength: 1)
        var options = ToleratorOptions(family: .llada)
        options.gammaMax = 0.4
        let result = try DiffusionDecoder(method: .tolerator(options)).decode(model, request(2, 4))
        #expect(result.trace.earlyStop == EarlyStop(reason: .emptyRefinementSet, iteration: 0, unusedNFE: 2))
        #expect(model.calls == 2)
    }

    @Test func eotPenaltyLowersEveryStopLogitByLnLambdaInFillUpOnly() throws {
        let base: [Float] = [0.5, 1, -0.25, 0, 0, 0, 2, 0]  // stop ids 6 and 2
        let model = Fakes.constant(base)
        var seen: [(Int, [Float])] = []
        let decoder = DiffusionDecoder(method: .tolerator(ToleratorOptions(family: .llada)))
        var req = request(4, 8)
        req.stopIds = [6, 2, 6]  // a repeated id is penalised once
        _ = try decoder.decode(model, req, progress: nil) { rows in
            for r in 0..<rows.rowCount { seen.append((model.calls, Array(rows.row(r)))) }
        }
        let fillUp = seen.filter { $0.0 <= 4 }.map(\.1), refine = seen.filter { $0.0 > 4 }.map(\.1)
        #expect(!fillUp.isEmpty && !refine.isEmpty)
        for row in fillUp {
            #expect(row[6] == Float(2 - log(1.2)) && row[2] == Float(-0.25 - log(1.2)))
            #expect(abs(Double(base[6] - row[6]) - log(1.2)) < 1e-6)
            // Every other logit is untouched (the mask id is excluded from prediction).
            #expect(row[0] == 0.5 && row[1] == 1 && row[7] == -.infinity)
        }
        for row in refine { #expect(row[6] == 2 && row[2] == -0.25) }
    }

    @Test func eotPenaltyChangesTheArgmaxExactlyAtLnLambda() throws {
        // Stop logit −1.0 vs token 0 at −1.1: the paper's λ = 1.2 (ln λ ≈ 0.182) hands the
        // position to token 0, λ = 1.1 (ln λ ≈ 0.095 < 0.1) does not, and the code's form
        // (−1.0/1.2 ≈ −0.83) makes the stop id even likelier.
        func fillUpToken(_ lambda: Double, _ form: EoTPenaltyForm) throws -> Int {
            let model = Fakes.constant([-1.1, -5, -5, -5, -5, -5, -1.0, 0])
            var options = ToleratorOptions(fillUp: VanillaOptions(unmask: .lowConfidence), eotPenalty: lambda,
                                           eotPenaltyForm: form)
            options.fillUpFraction = 1
            return try DiffusionDecoder(method: .tolerator(options)).decode(model, request(1, 1)).trace.fillUpDraft![0]
        }
        #expect(try fillUpToken(1.2, .paper) == 0)
        #expect(try fillUpToken(1.1, .paper) == 6)
        #expect(try fillUpToken(1.2, .code) == 6)
        #expect(try fillUpToken(1.0, .paper) == 6)
    }

    @Test func updateRateRewritesTheLeastLikelyTokens() throws {
        // Draft [2, 5, 5, 2, …]; with γ = 1 and u = 0.25, ⌈0.25·8⌉ = 2 positions are rewritten:
        // the two whose current token (5) the model finds least likely.
        let model = Fakes.needsContext(promptLength: 1)
        var options = ToleratorOptions(family: .llada)
        options.gammaMax = 0.75
        options.gammaMin = 0.75
        options.updateRate = 0.34
        options.fillUpFraction = 8.0 / 9.0
        let result = try DiffusionDecoder(method: .tolerator(options)).decode(model, request(8, 9))
        let step = result.trace.steps.last!
        #expect(step.targets!.count == 6)
        let wrong = step.targets!.filter { $0 == 1 || $0 == 2 }
        #expect(step.edited.map(\.position) == wrong)
        #expect(model.calls == 9)
    }

    @Test(arguments: [VanillaFamily.llada, .dream])
    func seedsReproduceAndDiffer(family: VanillaFamily) throws {
        var options = ToleratorOptions(family: family)
        options.refinementTemperature = 1
        let decoder = DiffusionDecoder(method: .tolerator(options))
        func run(_ seed: UInt64) throws -> DecodingResult {
            try decoder.decode(Fakes.hashed(vocabularySize: 8, promptLength: 1), request(16, 8, seed: seed))
        }
        let a = try run(3), b = try run(3), c = try run(4)
        #expect(a.canvas == b.canvas && a.trace.fillUpDraft == b.trace.fillUpDraft)
        #expect(a.trace.steps.map(\.edited) == b.trace.steps.map(\.edited))
        #expect(a.canvas != c.canvas)
    }
}

@Suite struct InterfaceTests {
    let request = DecodingRequest(prompt: [1], canvasLength: 8, nfe: 4, seed: 0, maskId: 7, stopIds: [6])

    func error(_ method: DecodingMethod, _ request: DecodingRequest? = nil) -> DecoderError? {
        do {
            _ = try DiffusionDecoder(method: method).decode(Fakes.hashed(vocabularySize: 8, promptLength: 1), request ?? self.request)
            return nil
        } catch {
            return error as? DecoderError
        }
    }

    @Test func usageErrorsAreTyped() {
        #expect(error(.vanilla(VanillaOptions(unmask: .lowConfidence, blockLength: 3)))
                == .canvasNotDivisibleByBlock(canvasLength: 8, blockLength: 3))
        #expect(error(.vanilla(VanillaOptions(unmask: .lowConfidence, blockLength: 1)))
                == .stepsNotDivisibleByBlocks(steps: 4, blocks: 8, stage: "vanilla"))
        var zero = request
        zero.nfe = 0
        #expect(error(.vanilla(VanillaOptions(family: .llada)), zero)
                == .invalidOption(option: "nfe", value: "0", expected: "at least 1 forward"))
        #expect(error(.vanilla(VanillaOptions(unmask: .lowConfidence, topP: 0.9))) == .optionNotForRule(option: "top_p", rule: .lowConfidence))
        #expect(error(.vanilla(VanillaOptions(unmask: .entropy, blockLength: 4))) == .optionNotForRule(option: "block_length", rule: .entropy))
        #expect(error(.vanilla(VanillaOptions(unmask: .entropy, temperature: -1)))
                == .invalidOption(option: "temperature", value: "-1.0", expected: "τ ≥ 0"))
        #expect(error(.rcr(RCROptions(unmask: .origin))) == .ruleNotForMethod(rule: .origin, method: "rcr"))
        // T = 6 → T_f = 3, not a multiple of 2 blocks.
        var six = request
        six.nfe = 6
        #expect(error(.tolerator(ToleratorOptions(fillUp: VanillaOptions(unmask: .lowConfidence, blockLength: 4))), six)
                == .stepsNotDivisibleByBlocks(steps: 3, blocks: 2, stage: "tolerator fill-up"))
        var badMask = request
        badMask.maskId = 8
        #expect(error(.vanilla(VanillaOptions(family: .llada)), badMask) == .tokenOutOfRange(role: "mask", token: 8, vocabularySize: 8))
        #expect(error(.remdm(ReMDMOptions(unmask: .entropy, tOn: 0.05, tOff: 0.5)))
                == .invalidOption(option: "t_on/t_off", value: "0.05/0.5", expected: "0 ≤ t_off < t_on < 1"))
        #expect(DecoderError.canvasNotDivisibleByBlock(canvasLength: 8, blockLength: 3).description
                == "canvas length 8 is not a multiple of block length 3")
    }

    @Test func badModelOutputIsATypedError() {
        let nan = FakeModel(vocabularySize: 8) { _, p in p == 3 ? [0, .nan, 0, 0, 0, 0, 0, 0] : [Float](repeating: 0, count: 8) }
        #expect(throws: DecoderError.nonFiniteLogits(position: 3)) {
            try DiffusionDecoder(method: .vanilla(VanillaOptions(family: .dream))).decode(nan, request)
        }
        struct Short: LogitsModel {
            var vocabularySize: Int { 8 }
            func logits(tokens: [Int], positions: [Int]) throws -> LogitRows {
                LogitRows(positions: [0], vocabularySize: 8, values: [Float](repeating: 0, count: 8))
            }
        }
        #expect(throws: DecoderError.modelShapeMismatch(expectedRows: 8, gotRows: 1, expectedVocabulary: 8, gotVocabulary: 8)) {
            try DiffusionDecoder(method: .vanilla(VanillaOptions(family: .llada))).decode(Short(), request)
        }
    }

    @Test func traceAndOptionsAreSnakeCaseJSON() throws {
        let result = try DiffusionDecoder(method: .tolerator(ToleratorOptions(family: .dream)))
            .decode(Fakes.hashed(vocabularySize: 8, promptLength: 1), request)
        let json = String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
        for key in ["\"nfe_used\":4", "\"fill_up_draft\"", "\"answer_end\"", "\"forward_seconds\"", "\"eot_penalty\":1.2",
                    "\"refinement_temperature\":0.3", "\"name\":\"tolerator\"", "\"stage\":\"fill-up\"", "\"gammas\""] {
            #expect(json.contains(key), "missing \(key)")
        }
        let back = try JSONDecoder().decode(DecodingResult.self, from: Data(json.utf8))
        #expect(back == result)
        // Options decode with the spec's defaults for whatever is left out.
        let minimal = #"{"name":"tolerator","options":{"fill_up":{"unmask":"entropy","temperature":0.5}}}"#
        let method = try JSONDecoder().decode(DecodingMethod.self, from: Data(minimal.utf8))
        #expect(method == .tolerator(ToleratorOptions(family: .dream)))
        let remdm = try JSONDecoder().decode(DecodingMethod.self, from: Data(#"{"name":"remdm","options":{"unmask":"low-confidence"}}"#.utf8))
        #expect(remdm == .remdm(ReMDMOptions(unmask: .lowConfidence, tOn: 0.55, tOff: 0.05, alphaOn: 0.9, eta: 0.02)))
        #expect(DecodingMethod.defaults("vanilla", family: .dream) == .vanilla(VanillaOptions(unmask: .entropy)))
        // The list the CLI checks names against is exactly the methods there are.
        #expect(DecodingMethod.names.map { DecodingMethod.defaults($0, family: .llada)?.name } == DecodingMethod.names)
        #expect(DecodingMethod.defaults("sideways", family: .llada) == nil)
    }

    @Test func progressReportsEveryStep() throws {
        var seen: [DecodingProgress] = []
        let result = try DiffusionDecoder(method: .vanilla(VanillaOptions(family: .llada)))
            .decode(Fakes.hashed(vocabularySize: 8, promptLength: 1), request) { seen.append($0) }
        #expect(seen.map(\.step) == [0, 1, 2, 3])
        #expect(seen.map(\.nfeUsed) == [1, 2, 3, 4])
        #expect(seen.map(\.unmaskedTokens) == [2, 4, 6, 8])
        #expect(seen.allSatisfy { $0.totalSteps == 4 && $0.nfeBudget == 4 && $0.canvasLength == 8 })
        #expect(result.trace.steps.allSatisfy { $0.forwardSeconds >= 0 && $0.otherSeconds >= 0 })
    }
}

@Suite struct ReproducibilityTests {
    @Test(arguments: [
        DecodingMethod.rcr(RCROptions(unmask: .lowConfidence, temperature: 1, blockLength: 8)),
        .rcr(RCROptions(unmask: .margin, temperature: 1, topK: 12)),
        .remdm(ReMDMOptions(unmask: .lowConfidence, temperature: 1, eta: 0.1)),
        .remdm(ReMDMOptions(unmask: .origin, temperature: 1, eta: 0.1)),
    ])
    func sameSeedSameOutputOtherSeedOtherOutput(method: DecodingMethod) throws {
        func run(_ seed: UInt64) throws -> (DecodingResult, FakeModel) {
            let model = Fakes.hashed(promptLength: 1)
            let request = DecodingRequest(prompt: [0], canvasLength: 16, nfe: 16, seed: seed, maskId: 23, stopIds: [22])
            return (try DiffusionDecoder(method: method).decode(model, request), model)
        }
        let (a, ma) = try run(21), (b, mb) = try run(21), (c, _) = try run(22)
        #expect(a.canvas == b.canvas && ma.inputs == mb.inputs)
        #expect(a.trace.steps.map(\.remasked) == b.trace.steps.map(\.remasked))
        #expect(a.canvas != c.canvas)
        #expect(!a.canvas.contains(23) && ma.calls == a.trace.nfeUsed)
    }
}

/// Every method hands each forward's rows back to the model once it is done with them (the last
/// when the decode ends), so a model can write the next logits into their memory.
@Suite struct SessionRecycleTests {
    @Test(arguments: [
        DecodingMethod.vanilla(VanillaOptions(family: .llada)),
        .remdm(ReMDMOptions(family: .llada)),
        .rcr(RCROptions(family: .llada)),
        .tolerator(ToleratorOptions(family: .llada)),
    ])
    func eachForwardsRowsGoBackOnce(method: DecodingMethod) throws {
        let model = Fakes.hashed(promptLength: 2)
        let request = DecodingRequest(prompt: [0, 1], canvasLength: 12, nfe: 8, seed: 3, maskId: 23, stopIds: [22])
        let result = try DiffusionDecoder(method: method).decode(model, request)
        #expect(model.calls == result.trace.nfeUsed && model.calls >= 4)
        #expect(model.recycled == model.requests)
    }
}
