import Foundation
import Testing
@testable import Inference
import ModelInterface

/// `recycle`: rows handed back become the memory of the next forward's logits, which are the
/// same values a model without recycling computes; rows still held elsewhere are never written.
@Suite struct RecycleTests {
    static let families = ["llada-bf16", "dream-f16"]

    func address(_ values: [Float]) -> UInt {
        values.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
    }

    /// A forward on `model` whose rows go back at once; returns a copy of the values and where they lay.
    func forwardAndRecycle(_ model: TransformerModel, _ tokens: [Int], _ positions: [Int]) throws -> (values: [Float], address: UInt) {
        let rows = try model.logits(tokens: tokens, positions: positions)
        let result = (rows.values.map { $0 }, address(rows.values))
        model.recycle(rows)
        return result
    }

    @Test(arguments: families)
    func sameOrFewerRowsReuseTheMemoryAndGiveTheSameLogits(directory: String) throws {
        let model = try ParityManifest.model(directory)
        let reference = try ParityManifest.model(directory)
        let tokens = try #require(ParityManifest.load().models.first { $0.directory == directory }).cases[0].ids
        let all = Array(tokens.indices)
        let fewer = Array(all.dropFirst(3).dropLast(2))

        let first = try forwardAndRecycle(model, tokens, all)
        #expect(first.values == (try reference.logits(tokens: tokens, positions: all)).values)
        let again = try forwardAndRecycle(model, tokens, all)
        #expect(again.address == first.address)
        #expect(again.values == first.values)
        let shorter = try forwardAndRecycle(model, tokens, fewer)
        #expect(shorter.address == first.address)
        #expect(shorter.values == (try reference.logits(tokens: tokens, positions: fewer)).values)
        // Back to all rows: the block kept its capacity, so it holds them again.
        let longer = try forwardAndRecycle(model, tokens, all)
        #expect(longer.address == first.address)
        #expect(longer.values == first.values)
    }

    @Test func rowsStillHeldAreNeverWritten() throws {
        let model = try ParityManifest.model("llada-bf16")
        let tokens = try #require(ParityManifest.load().models.first { $0.directory == "llada-bf16" }).cases[0].ids
        let all = Array(tokens.indices)
        let held = try model.logits(tokens: tokens, positions: all)
        let snapshot = held.values.map { $0 }
        model.recycle(held)
        // Other tokens, so that writing into the held block would change it.
        let other = tokens.map { ($0 + 7) % model.vocabularySize }
        let next = try model.logits(tokens: other, positions: all)
        #expect(held.values == snapshot)
        #expect(address(next.values) != address(held.values))
        #expect(next.values == (try ParityManifest.model("llada-bf16").logits(tokens: other, positions: all)).values)
    }

    @Test func aBlockServesWhatItsCapacityHolds() {
        var spare = SpareLogits()
        let block = [Float](repeating: 1, count: 8)
        spare.keep(block)
        #expect(spare.take(count: block.capacity + 1) == nil)
        var shrunk = spare.take(count: 5)
        #expect(shrunk == [1, 1, 1, 1, 1])
        #expect(spare.take(count: 5) == nil)   // taken once
        shrunk?.append(2)
        spare.keep(shrunk!)
        spare.keep([Float](repeating: 3, count: 1))   // smaller: the larger block stays
        // Growing within the capacity: stale values stay, new ones are zero (overwritten by the forward).
        #expect(spare.take(count: 8) == [1, 1, 1, 1, 1, 2, 0, 0])
    }
}
