import COpenBLAS
import Foundation

/// `y = x · Wᵀ` (or `y += x · Wᵀ`) for weights in any stored dtype, on OpenBLAS sgemm.
///
/// Default (`.workers`): the rows of W are split among `threads` workers, each calling
/// single-threaded sgemm. A worker widens its 16-bit weights one tile (`tileElements` floats,
/// at most `maxTileColumns` wide) at a time into its own float32 buffer and multiplies it while
/// the tile is still in cache, so widening is interleaved with compute on every core, memory
/// beyond the mapping is one tile per worker, and the machine runs exactly `threads` threads with
/// one hand-off per matrix (no OpenBLAS pool spinning beside our own workers). bf16 weights packed
/// at load for the f32 kernel (`.bf16Panels`, AVX-512 CPUs) skip widening and OpenBLAS
/// (PackedF32GEMM.swift).
/// `.blas` (kept for comparison in `bench forward`) widens a tile with all workers, then calls
/// OpenBLAS with `threads` threads per tile. With a native `compute`, 16-bit weights skip
/// widening and multiply in 16 bits (NativeGEMM.swift); other dtypes stay on sgemm.
final class LinearEngine {
    enum Mode: String, Sendable {
        case workers, blas
    }

    let threads: Int
    let tileElements: Int
    let mode: Mode
    let compute: ComputePath
    private let tiles: [UnsafeMutablePointer<Float>]
    private let native: NativeGEMMBuffers?
    /// Activation rows regrouped for the f32 kernel (PackedF32GEMM.swift).
    private let rowGroups = ScratchBuffer<Float>(capacity: 1 << 16)

    /// 1 Mi floats (4 MiB) per worker: two tiles fit the 32 MiB L3 with room to spare.
    static let defaultTileElements = 1 << 20
    /// Longer rows are split along K (accumulating), so a tile keeps a few hundred rows.
    static let maxTileColumns = 4096

    /// A native `compute` must be checked against the CPU first (ComputeChoice): its kernel
    /// faults on CPUs without the unit. It applies in `.workers` mode only.
    init(threads: Int, tileElements: Int = LinearEngine.defaultTileElements, mode: Mode = .workers,
         compute: ComputePath = .f32) {
        self.threads = threads
        self.tileElements = max(tileElements, 16)
        self.mode = mode
        self.compute = mode == .workers ? compute : .f32
        tiles = (0..<(mode == .workers ? threads : 1)).map { _ in .allocate(capacity: max(tileElements, 16)) }
        native = self.compute == .f32 ? nil : NativeGEMMBuffers(path: self.compute, workers: threads)
    }

    deinit { tiles.forEach { $0.deallocate() } }

    /// OpenBLAS threads this engine's GEMMs expect.
    var blasThreads: Int { mode == .blas ? threads : 1 }

    /// `rows` input rows of `x` (stride `ldx`) times `weight`ᵀ into `y` (stride `ldy`).
    func multiply(_ x: UnsafePointer<Float>, rows: Int, ldx: Int, weight: WeightMatrix,
                  into y: UnsafeMutablePointer<Float>, ldy: Int, accumulate: Bool = false) {
        guard rows > 0, weight.rows > 0 else { return }
        switch mode {
        case .workers: multiplyOnWorkers(x, rows: rows, ldx: ldx, weight: weight, into: y, ldy: ldy, accumulate: accumulate)
        case .blas: multiplyOnBLASThreads(x, rows: rows, ldx: ldx, weight: weight, into: y, ldy: ldy, accumulate: accumulate)
        }
    }

    /// (rows, columns) of a tile for rows of length `k`: columns split evenly into chunks ≤ maxTileColumns.
    func tileShape(columns k: Int) -> (rows: Int, columns: Int) {
        let chunks = (k + Self.maxTileColumns - 1) / Self.maxTileColumns
        let width = min(k, ((k + chunks - 1) / chunks + 15) / 16 * 16, tileElements)
        return (max(1, tileElements / width), width)
    }

    /// Splits W's rows into one `alignment`-aligned slice per worker (16 rows, or a packed matrix's
    /// 32-row strips) and runs `body(worker, slice)` concurrently.
    func forEachSlice(rows n: Int, alignment: Int = 16, _ body: (Int, Range<Int>) -> Void) {
        let workers = max(1, min(threads, n / alignment))
        let per = ((n + workers - 1) / workers + alignment - 1) / alignment * alignment
        Parallel.forEach(workers) { worker in
            let lower = worker * per, upper = min(n, lower + per)
            if lower < upper { body(worker, lower..<upper) }
        }
    }

    private func multiplyOnWorkers(_ x: UnsafePointer<Float>, rows m: Int, ldx: Int, weight: WeightMatrix,
                                   into y: UnsafeMutablePointer<Float>, ldy: Int, accumulate: Bool) {
        if weight.layout == .bf16Panels {
            multiplyPackedF32(x, rows: m, ldx: ldx, weight: weight, into: y, ldy: ldy, accumulate: accumulate,
                              buffer: rowGroups)
            return
        }
        if let native, native.handles(weight) {
            multiplyNative(x, rows: m, ldx: ldx, weight: weight, into: y, ldy: ldy, accumulate: accumulate, buffers: native)
            return
        }
        let k = weight.columns
        let beta: Float = accumulate ? 1 : 0
        let (tileRows, tileColumns) = tileShape(columns: k)
        let tiles = self.tiles
        forEachSlice(rows: weight.rows) { worker, slice in
            if let direct = weight.directFloats {
                sgemm(m, slice.count, k, x, ldx, direct + slice.lowerBound * k, k, beta, y + slice.lowerBound, ldy)
                return
            }
            let tile = tiles[worker]
            var first = slice.lowerBound
            while first < slice.upperBound {
                let count = min(tileRows, slice.upperBound - first)
                var column = 0
                while column < k {
                    let width = min(tileColumns, k - column)
                    weight.widen(rows: first..<(first + count), columns: column..<(column + width), into: tile)
                    sgemm(m, count, width, x + column, ldx, tile, width, column == 0 ? beta : 1, y + first, ldy)
                    column += width
                }
                first += count
            }
        }
    }

    private func multiplyOnBLASThreads(_ x: UnsafePointer<Float>, rows: Int, ldx: Int, weight: WeightMatrix,
                                       into y: UnsafeMutablePointer<Float>, ldy: Int, accumulate: Bool) {
        let k = weight.columns
        let beta: Float = accumulate ? 1 : 0
        if let direct = weight.directFloats {
            sgemm(rows, weight.rows, k, x, ldx, direct, k, beta, y, ldy)
            return
        }
        let tileRows = max(1, min(weight.rows, tileElements / max(k, 1)))
        let tile = tiles[0]
        var start = 0
        while start < weight.rows {
            let count = min(tileRows, weight.rows - start)
            if count * k <= tileElements {
                widenOnAllWorkers(weight, rows: start..<(start + count), into: tile)
                sgemm(rows, count, k, x, ldx, tile, k, beta, y + start, ldy)
            } else {
                // One row longer than the tile: fall back to column chunks.
                var column = 0
                while column < k {
                    let width = min(tileElements, k - column)
                    weight.widen(rows: start..<(start + 1), columns: column..<(column + width), into: tile)
                    sgemm(rows, 1, width, x + column, ldx, tile, width, column == 0 ? beta : 1, y + start, ldy)
                    column += width
                }
            }
            start += count
        }
    }

    private func widenOnAllWorkers(_ weight: WeightMatrix, rows range: Range<Int>, into tile: UnsafeMutablePointer<Float>) {
        Parallel.ranges(range.count, workers: threads, minimumPerWorker: 16) { part in
            weight.widen(rows: (range.lowerBound + part.lowerBound)..<(range.lowerBound + part.upperBound),
                         into: tile + part.lowerBound * weight.columns)
        }
    }

    /// Widens a whole matrix as `.workers` mode does, discarding it (measures widening alone).
    func widenAll(_ weight: WeightMatrix) {
        guard weight.directFloats == nil, mode == .workers else { return }
        let (tileRows, tileColumns) = tileShape(columns: weight.columns)
        let tiles = self.tiles
        forEachSlice(rows: weight.rows) { worker, slice in
            var first = slice.lowerBound
            while first < slice.upperBound {
                let count = min(tileRows, slice.upperBound - first)
                var column = 0
                while column < weight.columns {
                    let width = min(tileColumns, weight.columns - column)
                    weight.widen(rows: first..<(first + count), columns: column..<(column + width), into: tiles[worker])
                    column += width
                }
                first += count
            }
        }
    }
}

/// Row-major `C = alpha·A·Bᵀ + beta·C` with A `m×k`, B `n×k`.
@inline(__always)
func sgemm(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int,
           _ b: UnsafePointer<Float>, _ ldb: Int, _ beta: Float,
           _ c: UnsafeMutablePointer<Float>, _ ldc: Int, alpha: Float = 1) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k),
                alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Row-major `C = A·B + beta·C` with A `m×k`, B `k×n`.
@inline(__always)
func sgemmNN(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int,
             _ b: UnsafePointer<Float>, _ ldb: Int, _ beta: Float,
             _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// OpenBLAS's thread count is process-wide; every forward sets it before its GEMMs.
enum BLASThreads {
    static func set(_ count: Int) { openblas_set_num_threads(Int32(count)) }
}
