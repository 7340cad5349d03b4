import ModelInterface
import Testing
@testable import Decoding

@Suite struct RepairTests {
    let request = DecodingRequest(prompt: [1, 2, 3], canvasLength: 8, nfe: 4, seed: 7, maskId: 7, stopIds: [6])

    /// Re-masked positions are filled again first (fill-up), then refinement runs; the budget holds.
    @Test func remaskedPositionsAreFilledThenRefined() throws {
        let model = Fakes.needsContext(promptLength: 3)
        let failed = [2, 2, 5, 5, 2, 2, 6, 6]
        let options = ToleratorOptions(fillUp: VanillaOptions(family: .llada), refinementTemperature: 0, lockAfter: 0)
        let result = try DiffusionDecoder(method: .tolerator(options))
            .repair(model, RepairRequest(base: request, canvas: failed, remask: [2, 3]), options: options)
        // Fill-up gets round(0.5 * 4) = 2 forwards, refinement the other 2.
        #expect(result.trace.fillUpBudget == 2)
        #expect(result.trace.refinementBudget == 2)
        #expect(result.trace.nfeUsed <= 4)
        // The first forward sees the failed canvas with exactly positions 2 and 3 masked.
        #expect(Array(model.inputs[0][3...]) == [2, 2, 7, 7, 2, 2, 6, 6])
        // With 2 of 8 masked the model has context and writes `right` (2) there.
        #expect(result.trace.fillUpDraft.map { Array($0[2...3]) } == [2, 2])
        #expect(!result.canvas.contains(7))
    }

    /// Nothing re-masked: every forward goes to refinement.
    @Test func nothingRemaskedSpendsTheBudgetOnRefinement() throws {
        let model = Fakes.hashed(promptLength: 3)
        let options = ToleratorOptions(fillUp: VanillaOptions(family: .llada), lockAfter: 0)
        let canvas = [3, 4, 5, 3, 4, 5, 3, 4]
        let result = try DiffusionDecoder(method: .tolerator(options))
            .repair(model, RepairRequest(base: request, canvas: canvas, remask: []), options: options)
        #expect(result.trace.fillUpBudget == 0)
        #expect(result.trace.refinementBudget == 4)
        #expect(result.trace.nfeUsed == 4)
        #expect(result.trace.steps.allSatisfy { $0.stage == .refine })
        #expect(result.trace.fillUpDraft == canvas)
    }

    @Test func badCanvasOrPositionIsATypedError() throws {
        let model = Fakes.hashed(promptLength: 3)
        let options = ToleratorOptions(fillUp: VanillaOptions(family: .llada))
        let decoder = DiffusionDecoder(method: .tolerator(options))
        #expect(throws: DecoderError.invalidOption(option: "canvas", value: "3 tokens", expected: "canvas_length = 8 tokens")) {
            try decoder.repair(model, RepairRequest(base: request, canvas: [1, 2, 3], remask: []), options: options)
        }
        #expect(throws: DecoderError.invalidOption(option: "remask", value: "8", expected: "a canvas position 0..<8")) {
            try decoder.repair(model, RepairRequest(base: request, canvas: [Int](repeating: 3, count: 8), remask: [8]),
                               options: options)
        }
    }
}
