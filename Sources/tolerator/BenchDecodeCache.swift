import ArgumentParser
import Decoding
import Foundation
import ModelInterface

/// `bench decode --cache …`: seconds and FLOPs per answer for each cache mode, measured
/// interleaved in one run (repeat r decodes every mode before repeat r+1), so the ratios to
/// `none` compare like with like on a noisy machine.
struct CacheBenchmark {
    struct Row: Encodable {
        var method: String
        var cache: String
        var refreshEvery: Int?
        /// Median wall seconds of one decode.
        var secondsPerAnswer: Double
        var seconds: [Double]
        var flopsPerAnswer: Double?
        var nfeUsed: Int
        /// Rows computed over all forwards of one answer (prompt + canvas per forward without cache).
        var computedRowsPerAnswer: Int?
        /// `none`'s seconds per answer / this one's (same run).
        var speedup: Double
        /// `none`'s FLOPs per answer / this one's.
        var flopRatio: Double?
        /// Share of canvas tokens equal to `none`'s answer for the same seed (first repeat).
        var tokenAgreement: Double
        /// With `--check`: share of requested logits rows whose argmax equals the exact
        /// forward's, over one extra decode with this mode (each step also run exactly).
        var argmaxAgreement: Double?

        enum CodingKeys: String, CodingKey {
            case method, cache, seconds, speedup
            case refreshEvery = "refresh_every"
            case secondsPerAnswer = "seconds_per_answer"
            case flopsPerAnswer = "flops_per_answer"
            case nfeUsed = "nfe_used"
            case computedRowsPerAnswer = "computed_rows_per_answer"
            case flopRatio = "flop_ratio"
            case tokenAgreement = "token_agreement"
            case argmaxAgreement = "argmax_agreement"
        }
    }

    struct Report: Encodable {
        var model: String
        var prompt: Int
        var canvas: Int
        var nfe: Int
        var threads: Int
        var blockLength: Int?
        var repeats: Int
        var results: [Row]

        enum CodingKeys: String, CodingKey {
            case model, prompt, canvas, nfe, threads, repeats, results
            case blockLength = "block_length"
        }
    }

    var model: any LogitsModel
    var request: DecodingRequest
    var methods: [(name: String, method: DecodingMethod)]
    var policies: [CachePolicy]
    var repeats: Int
    /// Also decode once per mode through an `ExactnessProbe` (argmax agreement).
    var check = false

    func run(label: String, threads: Int, blockLength: Int?) throws -> Report {
        var rows: [Row] = []
        for (name, method) in methods {
            var seconds = [[Double]](repeating: [], count: policies.count)
            var first = [DecodingResult?](repeating: nil, count: policies.count)
            let clock = ContinuousClock()
            for _ in 0..<repeats {
                for (index, policy) in policies.enumerated() {
                    let started = clock.now
                    let result = try DiffusionDecoder(method: method, cache: policy).decode(model, request)
                    let elapsed = (clock.now - started).components
                    seconds[index].append(Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18)
                    if first[index] == nil { first[index] = result }
                }
            }
            let reference = policies.firstIndex { $0.mode == .none }
            let baseSeconds = reference.map { median(seconds[$0]) }
            let baseFLOPs = reference.flatMap { first[$0]?.trace.flops }
            for (index, policy) in policies.enumerated() {
                let result = first[index]!
                let own = median(seconds[index])
                let flops = result.trace.flops
                let computed = result.trace.steps.compactMap(\.computedRows)
                var agreement = 1.0
                if let reference, let base = first[reference] {
                    let same = zip(base.canvas, result.canvas).filter { $0 == $1 }.count
                    agreement = Double(same) / Double(max(1, base.canvas.count))
                }
                rows.append(Row(
                    method: name, cache: policy.mode.rawValue, refreshEvery: policy.refreshEvery,
                    secondsPerAnswer: own, seconds: seconds[index], flopsPerAnswer: flops,
                    nfeUsed: result.trace.nfeUsed, computedRowsPerAnswer: computed.isEmpty ? nil : computed.reduce(0, +),
                    speedup: (baseSeconds ?? own) / own,
                    flopRatio: baseFLOPs.flatMap { base in flops.map { base / $0 } }, tokenAgreement: agreement))
                if check {
                    let probe = ExactnessProbe(inner: model)
                    _ = try DiffusionDecoder(method: method, cache: policy).decode(probe, request)
                    rows[rows.count - 1].argmaxAgreement = probe.agreement
                }
            }
        }
        return Report(model: label, prompt: request.prompt.count, canvas: request.canvasLength, nfe: request.nfe,
                      threads: threads, blockLength: blockLength, repeats: repeats, results: rows)
    }

    private func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    static func printTable(_ report: Report) {
        print("model \(report.model): prompt \(report.prompt), canvas \(report.canvas), T \(report.nfe), "
              + "threads \(report.threads), block \(report.blockLength.map(String.init) ?? "-"), "
              + "median of \(report.repeats)")
        print("method      cache       s/answer  speedup  GFLOP/answer  FLOP ratio  rows/answer  same tokens  same argmax")
        func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
        for row in report.results {
            let cache = row.cache + (row.refreshEvery.map { "/\($0)" } ?? "")
            let gflop = row.flopsPerAnswer.map { String(format: "%12.1f", $0 / 1e9) } ?? "           -"
            let ratio = row.flopRatio.map { String(format: "%9.2fx", $0) } ?? "         -"
            let computed = row.computedRowsPerAnswer.map { String(format: "%11d", $0) } ?? "          -"
            print(pad(row.method, 10) + "  " + pad(cache, 9) + String(format: "  %8.3f  %6.2fx", row.secondsPerAnswer, row.speedup)
                  + "  " + gflop + "  " + ratio + "  " + computed + String(format: "  %10.1f%%", row.tokenAgreement * 100)
                  + (row.argmaxAgreement.map { String(format: "  %10.1f%%", $0 * 100) } ?? "            -"))
        }
    }
}

/// Decodes with the cached forward while comparing each step's rows with an exact forward over
/// the same tokens: how often the cache changes the model's top choice, free of the sampling
/// divergence that makes answers differ after the first changed token.
final class ExactnessProbe: LogitsModel {
    let inner: any LogitsModel
    private(set) var rows = 0
    private(set) var agreeing = 0

    init(inner: any LogitsModel) { self.inner = inner }

    var vocabularySize: Int { inner.vocabularySize }
    var maxSequenceLength: Int? { inner.maxSequenceLength }
    var agreement: Double { rows == 0 ? 1 : Double(agreeing) / Double(rows) }

    func logits(tokens: [Int], positions: [Int]) throws -> LogitRows {
        try inner.logits(tokens: tokens, positions: positions)
    }

    func forward(tokens: [Int], positions: [Int], cache: KVCache?, plan: RowPlan) throws -> ForwardOutput {
        let output = try inner.forward(tokens: tokens, positions: positions, cache: cache, plan: plan)
        let exact = try inner.logits(tokens: tokens, positions: positions)
        for k in 0..<positions.count {
            rows += 1
            if Self.argmax(output.rows.row(k)) == Self.argmax(exact.row(k)) { agreeing += 1 }
        }
        inner.recycle(exact)
        return output
    }

    func recycle(_ rows: consuming LogitRows) { inner.recycle(rows) }

    private static func argmax(_ row: ArraySlice<Float>) -> Int {
        var best = row.startIndex
        for index in row.indices where row[index] > row[best] { best = index }
        return best
    }
}
