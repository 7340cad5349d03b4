import Decoding
import Foundation
import ModelInterface
import Testing
import Tokenization
@testable import Evaluation

/// Predicts a fixed answer: the row for canvas position p peaks at `answer[p]` (then the stop id).
struct FixedAnswerModel: LogitsModel {
    let vocabularySize: Int
    let answer: [Int]
    let stop: Int
    let canvasLength: Int

    func logits(tokens: [Int], positions: [Int]) throws -> LogitRows {
        var values = [Float](repeating: 0, count: positions.count * vocabularySize)
        let canvasStart = tokens.count - canvasLength
        for (row, position) in positions.enumerated() {
            let p = position - canvasStart
            let target = p < answer.count ? answer[p] : stop
            values[row * vocabularySize + target] = 20
        }
        return LogitRows(positions: positions, vocabularySize: vocabularySize, values: values)
    }
}

@Suite struct GeneratorTests {
    @Test func diffusionGeneratorDecodesTheAnswerAndTheDraft() throws {
        let tokenizer = try Tokenizer.load(directory: checkout.appendingPathComponent("Tests/TokenizationTests/Fixtures/qwen2"))
        let stop = try #require(tokenizer.id(forToken: "<|endoftext|>"))
        let mask = try #require(tokenizer.id(forToken: "<|im_start|>"))
        let body = "    return a + b\n"
        let answer = tokenizer.encode(body, addSpecialTokens: false)
        let canvas = answer.count + 4
        let model = FixedAnswerModel(vocabularySize: tokenizer.idLimit, answer: answer, stop: stop, canvasLength: canvas)
        let generator = DiffusionGenerator(
            model: model, tokenizer: tokenizer,
            methods: ["vanilla": .defaults("vanilla", family: .dream)!, "tolerator": .defaults("tolerator", family: .dream)!],
            canvasLength: canvas, maskID: mask, stopIDs: [stop], identity: "fixed")
        let prompt = RenderedPrompt(templateID: "t", style: .completion, text: "def add(a, b):\n", responsePrefix: "", stops: [])
        let vanilla = try generator.generate(GenerationRequest(taskID: "T", prompt: prompt, method: "vanilla", nfe: 4, sample: 0, seed: 1))
        #expect(vanilla.text == body)
        #expect(vanilla.nfeUsed == 4)
        #expect(vanilla.trace?.fillUpDraft == nil)
        let tolerator = try generator.generate(GenerationRequest(taskID: "T", prompt: prompt, method: "tolerator", nfe: 4, sample: 0, seed: 1))
        #expect(tolerator.text == body)
        #expect(tolerator.trace?.fillUpDraft == body)  // the fixed model's draft is already right
        #expect(tolerator.trace?.fillUpNFE == 2 && tolerator.trace?.refinementNFE == 2)
        #expect(try generator.parameters(method: "vanilla").contains("\"unmask\":\"entropy\""))
        #expect(throws: EvaluationError.unknownMethod("rcr")) { try generator.parameters(method: "rcr") }
    }
}
