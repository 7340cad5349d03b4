import CNativeGEMM

/// The buffers of bf16 weight GEMMs on AVX512_BF16 (CNativeGEMM): activations rounded to bf16
/// once per GEMM, weights read as stored (each worker repacks 32-row panels into a 16 KiB buffer
/// as it goes, so nothing is copied at load), f32 accumulation. Used under the model's lock.
final class NativeBF16Buffers {
    private(set) var packedRows: UnsafeMutablePointer<UInt32>
    private var capacity: Int
    let panels: [UnsafeMutablePointer<UInt32>]

    init(workers: Int) {
        capacity = 1 << 16
        packedRows = .allocate(capacity: capacity)
        let words = ngemm_bf16_panel_words()
        panels = (0..<max(workers, 1)).map { _ in .allocate(capacity: words) }
    }

    deinit {
        packedRows.deallocate()
        panels.forEach { $0.deallocate() }
    }

    /// Room for `m` rows of `k` elements as bf16 pairs (grows, never shrinks).
    func reserve(rows m: Int, columns k: Int) {
        let needed = m * ((k + 1) / 2)
        guard needed > capacity else { return }
        packedRows.deallocate()
        capacity = needed
        packedRows = .allocate(capacity: needed)
    }
}

extension LinearEngine {
    /// `y (+)= bf16(x) · Wᵀ` for a bf16 `weight`: rows of x rounded in parallel, then W's rows
    /// split among the workers as in the f32 path.
    func multiplyNative(_ x: UnsafePointer<Float>, rows m: Int, ldx: Int, weight: WeightMatrix,
                        into y: UnsafeMutablePointer<Float>, ldy: Int, accumulate: Bool,
                        buffers: NativeBF16Buffers) {
        precondition(weight.dtype == .bf16, "the native path multiplies bf16 weights only")
        let k = weight.columns
        buffers.reserve(rows: m, columns: k)
        let packed = buffers.packedRows
        let pairs = (k + 1) / 2
        Parallel.ranges(m, workers: threads, minimumPerWorker: 8) { rows in
            ngemm_bf16_pack_rows(x + rows.lowerBound * ldx, Int32(rows.count), Int32(k), ldx,
                                 packed + rows.lowerBound * pairs)
        }
        let w = weight.base.assumingMemoryBound(to: UInt16.self)
        let panels = buffers.panels
        forEachSlice(rows: weight.rows) { worker, slice in
            ngemm_bf16_gemm(packed, Int32(m), Int32(k), w + slice.lowerBound * k, k, Int32(slice.count),
                            y + slice.lowerBound, ldy, accumulate ? 1 : 0, panels[worker])
        }
    }
}
