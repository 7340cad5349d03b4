import Dispatch
import ModelFiles

/// Bidirectional grouped-query attention: every query row sees every key (no mask).
///
/// Heads run in parallel on `threads` workers, each calling single-threaded sgemm, so the
/// machine runs exactly `threads` compute threads (OpenBLAS is switched to 1 thread here and
/// back afterwards). Query rows go in blocks of `blockRows(length:)`, so a worker's scores
/// (`blockRows × length`) stay in cache between QKᵀ, softmax and PV, and memory grows
/// linearly, not quadratically, with the sequence.
struct Attention {
    let heads: Int
    let kvHeads: Int
    let headDim: Int
    let threads: Int
    /// OpenBLAS threads to restore afterwards.
    let blasThreads: Int

    static func blockRows(length: Int) -> Int { ForwardMemoryEstimate.attentionBlockRows(length: length) }

    /// Floats of score scratch that `run` needs for `length` with `workers` workers.
    static func scratchCount(length: Int, workers: Int) -> Int {
        max(1, workers) * min(length, blockRows(length: length)) * length
    }

    /// `q` is `length × heads·headDim`, `k`/`v` are `length × kvHeads·headDim`; writes `out` like `q`.
    func run(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
             length: Int, scores: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        run(q: q, queries: length, k: k, v: v, keys: length, scores: scores, into: out)
    }

    /// `queries` query rows against `keys` key/value rows (a cached forward computes queries only
    /// for the rows it recomputes, and they see every row's keys). `scores` must hold
    /// `scratchCount(length: keys, …)` floats, which covers any `queries ≤ keys`.
    func run(q: UnsafePointer<Float>, queries: Int, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
             keys length: Int, scores: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let workers = max(1, min(threads, heads))
        let qWidth = heads * headDim
        let kvWidth = kvHeads * headDim
        let group = heads / kvHeads
        let scale = 1 / Float(headDim).squareRoot()
        let block = min(queries, Self.blockRows(length: length))
        let (heads, headDim) = (self.heads, self.headDim)
        BLASThreads.set(1)
        defer { BLASThreads.set(blasThreads) }
        Parallel.forEach(workers) { worker in
            let s = scores + worker * block * length
            for head in stride(from: worker, to: heads, by: workers) {
                // Query head h reads KV head h / group (repeat_kv expands groups contiguously).
                let kvHead = head / group
                var first = 0
                while first < queries {
                    let rows = min(block, queries - first)
                    sgemm(rows, length, headDim, q + first * qWidth + head * headDim, qWidth,
                          k + kvHead * headDim, kvWidth, 0, s, length, alpha: scale)
                    Kernels.softmax(rows: rows, of: s, count: length, stride: length)
                    sgemmNN(rows, headDim, length, s, length, v + kvHead * headDim, kvWidth,
                            0, out + first * qWidth + head * headDim, qWidth)
                    first += rows
                }
            }
        }
    }
}
