import ModelInterface
import Testing
@testable import Decoding

/// Prompt + canvas beyond the model's maximum sequence length is refused before any forward.
@Suite struct SequenceLengthTests {
    /// A fake that declares a maximum length and counts forwards.
    final class Bounded: LogitsModel {
        let vocabularySize = 8
        let maxSequenceLength: Int?
        private(set) var calls = 0
        init(maximum: Int?) { maxSequenceLength = maximum }
        func logits(tokens: [Int], positions: [Int]) throws -> LogitRows {
            calls += 1
            return LogitRows(positions: positions, vocabularySize: 8, values: [Float](repeating: 0, count: positions.count * 8))
        }
    }

    let request = DecodingRequest(prompt: [1, 2, 3], canvasLength: 8, nfe: 2, seed: 0, maskId: 7, stopIds: [6])
    let decoder = DiffusionDecoder(method: .vanilla(VanillaOptions(family: .dream)))

    @Test func tooLongIsATypedErrorNamingBothNumbers() {
        let model = Bounded(maximum: 10)
        #expect(throws: DecoderError.sequenceTooLong(prompt: 3, canvas: 8, maximum: 10)) { try decoder.decode(model, request) }
        #expect(model.calls == 0)
        #expect(DecoderError.sequenceTooLong(prompt: 3, canvas: 8, maximum: 10).description
            == "prompt (3 tokens) + canvas (8) = 11 tokens is more than the model's maximum sequence length 10; "
            + "shorten the input or lower --canvas")
    }

    @Test func exactlyTheMaximumOrNoMaximumDecodes() throws {
        let exact = Bounded(maximum: 11)
        #expect(try decoder.decode(exact, request).trace.nfeUsed == 2)
        let unknown = Bounded(maximum: nil)
        #expect(try decoder.decode(unknown, request).trace.nfeUsed == 2)
    }
}
