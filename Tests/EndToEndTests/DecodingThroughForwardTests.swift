import Decoding
import Foundation
import Inference
import ModelFiles
import ModelInterface
import Testing

/// Counts the forwards a decoder really makes, around the real transformer.
final class CountingModel: LogitsModel, @unchecked Sendable {
    let inner: TransformerModel
    private(set) var calls = 0

    init(_ inner: TransformerModel) { self.inner = inner }

    var vocabularySize: Int { inner.vocabularySize }

    func logits(tokens: [Int], positions: [Int]) throws -> LogitRows {
        calls += 1
        return try inner.logits(tokens: tokens, positions: positions)
    }
}

/// The tiny random checkpoints of Tools/parity (committed with the forward-pass parity fixtures).
let parityRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("InferenceTests/Fixtures/parity")

func fixtureModel(_ name: String) throws -> (ModelConfig, TransformerModel) {
    let folder = try ModelFolder(directory: parityRoot.appendingPathComponent(name))
    return (folder.config, try TransformerModel(folder: folder, threads: 2, compute: .f32))
}

@Suite struct DecodingThroughForwardTests {
    static let cases: [(String, String)] = ["llada-bf16", "dream-f16", "coda-f32"].flatMap { fixture in
        ["vanilla", "remdm", "rcr", "tolerator"].map { (fixture, $0) }
    }

    @Test(arguments: cases)
    func everyMethodDecodesARealCheckpoint(fixture: String, methodName: String) throws {
        let (config, transformer) = try fixtureModel(fixture)
        let model = CountingModel(transformer)
        let family: VanillaFamily = config.family == .llada ? .llada : .dream
        let method = try #require(DecodingMethod.defaults(methodName, family: family))
        let maskID = try #require(config.specialTokens.maskID)
        let request = DecodingRequest(prompt: [3, 17, 42, 5, 99], canvasLength: 16, nfe: 8, seed: 7,
                                      maskId: maskID, stopIds: config.specialTokens.stopIDs)
        let result = try DiffusionDecoder(method: method).decode(model, request)

        #expect(result.canvas.count == 16)
        #expect(!result.canvas.contains(maskID), "every method ends fully unmasked")
        #expect(result.canvas.allSatisfy { (0..<config.vocabularySize).contains($0) })
        #expect(model.calls == result.trace.nfeUsed, "the trace counts the forwards really made")
        #expect(result.trace.nfeUsed <= 8)
        #expect(result.trace.nfeUsed == result.trace.steps.filter(\.forward).count)
        if methodName == "tolerator" {
            #expect(result.trace.fillUpDraft?.count == 16)
            #expect(result.trace.nfeUsed == 8 || result.trace.earlyStop != nil)
        }
        if methodName == "vanilla" {
            // Accepted tokens are never revisited: each position is written exactly once.
            let writes = result.trace.steps.flatMap(\.unmasked).map(\.position)
            #expect(writes.sorted() == Array(0..<16))
            #expect(result.trace.steps.allSatisfy { $0.edited.isEmpty && $0.remasked.isEmpty })
        }

        let again = try DiffusionDecoder(method: method).decode(CountingModel(transformer), request)
        #expect(again.canvas == result.canvas, "same seed, same output")
    }

    @Test func differentSeedsGiveDifferentSamplesThroughTheRealModel() throws {
        let (config, transformer) = try fixtureModel("llada-bf16")
        var options = ToleratorOptions(family: .llada)
        options.fillUp.temperature = 1
        options.refinementTemperature = 1
        let canvases = try (0..<4).map { seed in
            try DiffusionDecoder(method: .tolerator(options)).decode(transformer, DecodingRequest(
                prompt: [3, 17, 42], canvasLength: 16, nfe: 8, seed: UInt64(seed),
                maskId: config.specialTokens.maskID!, stopIds: [])).canvas
        }
        #expect(Set(canvases.map { $0.map(String.init).joined(separator: ",") }).count > 1)
    }
}
