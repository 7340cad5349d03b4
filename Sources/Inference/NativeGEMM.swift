import CNativeGEMM
import Foundation

/// The buffers of 16-bit weight GEMMs (CNativeGEMM): activations rounded once per GEMM,
/// weights read as stored (each worker repacks 32-row panels into a 16 KiB (bf16) or 32 KiB (f16)
/// buffer as it goes, so nothing is copied at load), f32 accumulation. Used under the model's lock.
final class NativeGEMMBuffers {
    let path: ComputePath
    private let rowWords = ScratchBuffer<UInt32>(capacity: 1 << 16)
    private let rowFactors = ScratchBuffer<Float>(capacity: 1 << 10)
    var packedRows: UnsafeMutablePointer<UInt32> { rowWords.pointer }
    var unscale: UnsafeMutablePointer<Float> { rowFactors.pointer }
    let panels: [UnsafeMutablePointer<UInt32>]
    /// Whether a matrix's |w| fits the f16 kernel's partial sums, by base address (computed once).
    private var fitsF16: [UnsafeRawPointer: Bool] = [:]

    init(path: ComputePath, workers: Int) {
        precondition(path != .f32)
        self.path = path
        let words = path == .nativeFP16 ? ngemm_f16_panel_words() : ngemm_bf16_panel_words()
        panels = (0..<max(workers, 1)).map { _ in .allocate(capacity: words) }
    }

    deinit { panels.forEach { $0.deallocate() } }

    /// Room for `m` rows of `k` elements as 16-bit pairs (grows, never shrinks).
    func reserve(rows m: Int, columns k: Int) {
        rowWords.reserve(m * ((k + 1) / 2))
        rowFactors.reserve(m)
    }

    /// Whether this path multiplies `weight` (else it goes through f32 widening and sgemm).
    func handles(_ weight: WeightMatrix) -> Bool {
        if weight.layout == .f16Panels { return path == .nativeFP16 }
        if weight.layout == .bf16Panels { return false }
        switch path {
        case .f32: return false
        case .nativeBF16: return weight.dtype == .bf16
        case .nativeFP16:
            if let known = fitsF16[weight.base] { return known }
            let fits = Self.f16KernelTakes(weight)
            fitsF16[weight.base] = fits
            return fits
        }
    }

    /// Whether the f16 kernel may multiply `weight`: 16-bit, and every |w| within its limit (rows
    /// are scaled to |x| < 16 and lanes sum 64 products, so |w| must stay small for no f16 partial
    /// sum to overflow). Reads every value: callers keep the answer. Needs AVX512_FP16.
    static func f16KernelTakes(_ weight: WeightMatrix) -> Bool {
        guard weight.dtype == .bf16 || weight.dtype == .f16 else { return false }
        let largest = ngemm_max_abs_16(weight.base.assumingMemoryBound(to: UInt16.self), weight.elementCount,
                                       weight.dtype == .bf16 ? 1 : 0)
        return largest <= ngemm_f16_safe_weight_max()
    }
}

extension LinearEngine {
    /// `y (+)= x · Wᵀ` on the native path: rows of x rounded in parallel, then W's rows split
    /// among the workers as in the f32 path.
    func multiplyNative(_ x: UnsafePointer<Float>, rows m: Int, ldx: Int, weight: WeightMatrix,
                        into y: UnsafeMutablePointer<Float>, ldy: Int, accumulate: Bool,
                        buffers: NativeGEMMBuffers) {
        let k = weight.columns
        buffers.reserve(rows: m, columns: k)
        let packed = buffers.packedRows, unscale = buffers.unscale
        let pairs = (k + 1) / 2
        let fp16 = buffers.path == .nativeFP16
        Parallel.ranges(m, workers: threads, minimumPerWorker: 8) { rows in
            let source = x + rows.lowerBound * ldx, target = packed + rows.lowerBound * pairs
            if fp16 {
                ngemm_f16_pack_rows(source, Int32(rows.count), Int32(k), ldx, target, unscale + rows.lowerBound)
            } else {
                ngemm_bf16_pack_rows(source, Int32(rows.count), Int32(k), ldx, target)
            }
        }
        if weight.layout == .f16Panels {
            let packedWeights = weight.base.assumingMemoryBound(to: UInt32.self)
            // Slices start on a 32-row strip, where ngemm_f16_gemm_packed expects them.
            forEachSlice(rows: weight.rows, alignment: PackedWeights.stripRows) { _, slice in
                ngemm_f16_gemm_packed(packed, unscale, Int32(m), Int32(k), packedWeights + slice.lowerBound * pairs,
                                      Int32(slice.count), y + slice.lowerBound, ldy, accumulate ? 1 : 0)
            }
            return
        }
        let w = weight.base.assumingMemoryBound(to: UInt16.self)
        let isBF16: Int32 = weight.dtype == .bf16 ? 1 : 0
        let panels = buffers.panels
        forEachSlice(rows: weight.rows) { worker, slice in
            let rowsOfW = w + slice.lowerBound * k, out = y + slice.lowerBound
            if fp16 {
                ngemm_f16_gemm(packed, unscale, Int32(m), Int32(k), rowsOfW, isBF16, k, Int32(slice.count), out, ldy,
                               accumulate ? 1 : 0, panels[worker])
            } else {
                ngemm_bf16_gemm(packed, Int32(m), Int32(k), rowsOfW, k, Int32(slice.count), out, ldy,
                                accumulate ? 1 : 0, panels[worker])
            }
        }
    }
}
