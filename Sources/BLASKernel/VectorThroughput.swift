import CCPUFeatures

/// One core's measured f32 FMA, bf16 dot-product (`vdpbf16ps`) and f16 FMA (`vfmadd231ph`)
/// throughput: whether 16-bit compute pays on this CPU, and with which unit. `vdpbf16ps` does twice the FLOPs of an f32 FMA per instruction, but
/// Golden Cove-class cores (Sapphire/Emerald Rapids) issue it once per 2 cycles against two FMAs
/// per cycle, so there it has half the f32 rate; only a measurement tells.
public struct VectorThroughput: Sendable, Equatable, Codable {
    /// GFLOP/s per core at the widest f32 FMA width (0 below AVX2).
    public var f32FMAGFLOPs: Double
    /// GFLOP/s per core of zmm `vdpbf16ps` (0 without AVX512_BF16).
    public var bf16DotGFLOPs: Double
    /// GFLOP/s per core of zmm `vfmadd231ph` (0 without AVX512_FP16).
    public var fp16FMAGFLOPs: Double

    public init(f32FMAGFLOPs: Double, bf16DotGFLOPs: Double, fp16FMAGFLOPs: Double = 0) {
        self.f32FMAGFLOPs = f32FMAGFLOPs
        self.bf16DotGFLOPs = bf16DotGFLOPs
        self.fp16FMAGFLOPs = fp16FMAGFLOPs
    }

    /// Measures both (about 20 ms with AVX512_BF16: best of short runs, so load lowers it less).
    public static func measure(features: CPUFeatures = .current) -> VectorThroughput {
        let width: Int32 = features.tier == .avx512 ? 512 : features.tier == .avx2 ? 256 : 0
        return VectorThroughput(
            f32FMAGFLOPs: width > 0 ? cpuf_measure_fma_flops(width, 20) / 1e9 : 0,
            bf16DotGFLOPs: features.supportsBF16Dot ? cpuf_measure_bf16_dot_flops(20) / 1e9 : 0,
            fp16FMAGFLOPs: features.supportsFP16FMA ? cpuf_measure_fp16_fma_flops(20) / 1e9 : 0)
    }

    /// Measured once per process, on first use.
    public static let current = VectorThroughput.measure()
}

extension CPUFeatures {
    /// AVX512_BF16 with the AVX-512 subsets the bf16 GEMM kernel also uses (F, BW, VL).
    public var supportsBF16Dot: Bool { avx512BF16 && avx512f && avx512bw && avx512vl }
    /// AVX512_FP16 with the subsets the f16 GEMM kernel also uses (F, BW, VL, DQ).
    public var supportsFP16FMA: Bool { avx512FP16 && avx512f && avx512bw && avx512vl && avx512dq }
}
