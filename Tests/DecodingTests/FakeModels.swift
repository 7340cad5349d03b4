import ModelInterface
@testable import Decoding

/// A scripted stand-in for a transformer: each requested row is a function of the whole input
/// sequence and the sequence position. Counts forwards and keeps every input it saw.
final class FakeModel: LogitsModel {
    let vocabularySize: Int
    let row: ([Int], Int) -> [Float]
    private(set) var calls = 0
    private(set) var inputs: [[Int]] = []
    private(set) var requests: [[Int]] = []

    init(vocabularySize: Int, row: @escaping ([Int], Int) -> [Float]) {
        self.vocabularySize = vocabularySize
        self.row = row
    }

    /// The row plan of every forward (what a caching model would recompute).
    private(set) var plans: [RowPlan] = []

    /// Exact whatever the plan: records it and computes every row.
    func forward(tokens: [Int], positions: [Int], cache: KVCache?, plan: RowPlan) throws -> ForwardOutput {
        plans.append(plan)
        return ForwardOutput(rows: try logits(tokens: tokens, positions: positions))
    }

    /// Positions of every block of rows handed back through `recycle`, in order.
    private(set) var recycled: [[Int]] = []

    func recycle(_ rows: consuming LogitRows) {
        recycled.append(rows.positions)
    }

    func logits(tokens: [Int], positions: [Int]) throws -> LogitRows {
        calls += 1
        inputs.append(tokens)
        requests.append(positions)
        var values: [Float] = []
        for p in positions { values += row(tokens, p) }
        return LogitRows(positions: positions, vocabularySize: vocabularySize, values: values)
    }
}

func mix(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

enum Fakes {
    /// Flat, context-dependent logits in [0, 2): many tokens are plausible, so τ > 0 matters.
    static func hashed(vocabularySize v: Int = 24, promptLength m: Int) -> FakeModel {
        FakeModel(vocabularySize: v) { tokens, p in
            let context = tokens[m...].reduce(UInt64(0)) { $0 &* 31 &+ UInt64($1) }
            return (0..<v).map { j in
                Float(mix(UInt64(p) << 40 ^ UInt64(j) << 20 ^ context) % 1000) / 500
            }
        }
    }

    /// A model that needs context: with more than 80% of the canvas masked it confidently
    /// predicts the wrong token `wrong` (logit 9) everywhere except the first canvas position,
    /// which always sees the prompt and says `right` (logit 6); with enough context it says
    /// `right` with logit 9. Vocabulary: 0...5 content, 6 stop, 7 mask.
    static func needsContext(promptLength m: Int, right: Int = 2, wrong: Int = 5) -> FakeModel {
        FakeModel(vocabularySize: 8) { tokens, p in
            let canvas = tokens[m...]
            let masked = canvas.filter { $0 == 7 }.count
            var row = [Float](repeating: 0, count: 8)
            if Double(masked) > 0.8 * Double(canvas.count) {
                if p == m { row[right] = 6 } else { row[wrong] = 9 }
            } else {
                row[right] = 9
            }
            return row
        }
    }

    /// The same logits row at every position and call.
    static func constant(_ row: [Float]) -> FakeModel {
        FakeModel(vocabularySize: row.count) { _, _ in row }
    }
}

extension DecodingTrace {
    /// Tokens newly unmasked per step.
    var unmaskCounts: [Int] { steps.map(\.unmasked.count) }
}
