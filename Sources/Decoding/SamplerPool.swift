import Dispatch
import ModelInterface
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs the per-row work of one step on all cores. Each row's result depends only on its logits
/// and the uniforms drawn for it beforehand, so the output is the same for any thread count.
final class SamplerPool {
    let vocabularySize: Int
    private let samplers: [RowSampler]

    init(vocabularySize: Int, workers: Int = SamplerPool.processorCount) {
        self.vocabularySize = vocabularySize
        self.samplers = (0..<max(1, workers)).map { _ in RowSampler(vocabularySize: vocabularySize) }
    }

    static var processorCount: Int {
        max(1, min(16, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
    }

    /// `body(sampler, row, r)` for every row r, results in row order.
    func map<T>(_ rows: LogitRows, _ body: @escaping (RowSampler, UnsafeBufferPointer<Float>, Int) -> T) -> [T] {
        let n = rows.rowCount, v = vocabularySize
        guard n > 0 else { return [] }
        let out = UnsafeMutablePointer<T?>.allocate(capacity: n)
        out.initialize(repeating: nil, count: n)
        defer {
            out.deinitialize(count: n)
            out.deallocate()
        }
        rows.values.withUnsafeBufferPointer { values in
            let base = values.baseAddress!
            let job = RowJob(samplers: samplers) { sampler, r in
                out[r] = body(sampler, UnsafeBufferPointer(start: base + r * v, count: v), r)
            }
            // Small jobs are not worth waking threads for.
            job.run(rows: n, parallel: n * v >= 1 << 17)
        }
        return (0..<n).map { out[$0]! }
    }
}

/// The closure and samplers a `concurrentPerform` shares; threads touch disjoint rows and
/// disjoint samplers, which is what makes the unchecked Sendable sound.
private final class RowJob: @unchecked Sendable {
    let samplers: [RowSampler]
    let work: (RowSampler, Int) -> Void

    init(samplers: [RowSampler], work: @escaping (RowSampler, Int) -> Void) {
        self.samplers = samplers
        self.work = work
    }

    func run(rows n: Int, parallel: Bool) {
        let chunks = parallel ? min(samplers.count, n) : 1
        if chunks <= 1 {
            for r in 0..<n { work(samplers[0], r) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            for r in stride(from: c, to: n, by: chunks) { self.work(self.samplers[c], r) }
        }
    }
}
