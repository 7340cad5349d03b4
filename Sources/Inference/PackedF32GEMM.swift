import CNativeGEMM
import CRowKernels

/// The f32 path's own kernel for bf16 weights packed at load (`.bf16Panels`): f32 products and
/// sums as sgemm computes them on the widened weights, without the widening pass, OpenBLAS's
/// per-call packing of both operands, or its separate pass that zeroes the output. Activation rows
/// are regrouped once per GEMM (`ngemm_f32_pack_rows`); W's rows are split among the workers.
enum PackedF32GEMM {
    /// Whether this process may run the kernel: AVX512F with ZMM state saved by the OS, and no
    /// TOLERATOR_MAX_ISA cap below AVX-512 (set to time this machine as an AVX2-only one) — the
    /// row kernels' own test, so both follow one cap.
    static let available = rk_allowed_level() == 2
}

extension LinearEngine {
    /// `y (+)= x · Wᵀ` for a `.bf16Panels` weight: rows regrouped in parallel (whole groups per
    /// worker), then W's 32-row strips split among the workers.
    func multiplyPackedF32(_ x: UnsafePointer<Float>, rows m: Int, ldx: Int, weight: WeightMatrix,
                           into y: UnsafeMutablePointer<Float>, ldy: Int, accumulate: Bool, buffer: ScratchBuffer<Float>) {
        let k = weight.columns
        let pairs = (k + 1) / 2
        buffer.reserve(ngemm_f32_rows_floats(Int32(m), Int32(k)))
        let grouped = buffer.pointer
        let group = Int(ngemm_f32_row_group())
        let groups = (m + group - 1) / group
        Parallel.ranges(groups, workers: threads, minimumPerWorker: 2) { range in
            let first = range.lowerBound * group, count = min(range.upperBound * group, m) - first
            ngemm_f32_pack_rows(x + first * ldx, Int32(count), Int32(k), ldx, grouped + first * pairs * 2)
        }
        let packed = weight.base.assumingMemoryBound(to: UInt32.self)
        forEachSlice(rows: weight.rows, alignment: PackedWeights.stripRows) { _, slice in
            ngemm_f32_gemm_packed(grouped, Int32(m), Int32(k), packed + slice.lowerBound * pairs, Int32(slice.count),
                                  y + slice.lowerBound, ldy, accumulate ? 1 : 0)
        }
    }
}
