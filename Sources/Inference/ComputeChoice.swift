import BLASKernel
import ModelFiles

/// What `--compute` asks for.
public enum ComputeRequest: String, Sendable, CaseIterable {
    /// native where it is measured faster than f32 on this CPU, else f32.
    case auto
    /// Widen every weight to f32 and multiply with OpenBLAS sgemm: the reference path.
    case f32
    /// 16-bit weights multiplied without widening, f32 accumulation: f16 FMAs on AVX512_FP16
    /// (bf16 or f16 weights), else bf16 dot products on AVX512_BF16 (bf16 weights); f32 where
    /// the CPU has neither, and for f32 weights.
    case native
}

/// How this model's weight GEMMs compute.
public enum ComputePath: String, Sendable, Codable {
    case f32
    /// `vdpbf16ps`: activations rounded to bf16, bf16 weights as stored, f32 sums.
    case nativeBF16 = "native-bf16"
    /// `vfmadd231ph`: activations scaled and rounded to f16, weights converted to f16 as a panel
    /// is read, at most 64 products summed per f16 lane, then f32 sums.
    case nativeFP16 = "native-fp16"
}

/// The resolved path and why, for reports and `--json` traces.
public struct ComputeChoice: Sendable, Equatable {
    public var path: ComputePath
    public var note: String

    public init(path: ComputePath, note: String) {
        self.path = path
        self.note = note
    }

    /// The decision from facts alone, so every case is testable with made-up CPUs; `throughput`
    /// is called (measured) only for `.auto` on a CPU that could run native.
    public static func resolve(_ request: ComputeRequest, features: CPUFeatures, weightDTypes: Set<DType>,
                               throughput: () -> VectorThroughput) -> ComputeChoice {
        if request == .f32 { return ComputeChoice(path: .f32, note: "requested (reference path)") }
        let asked = request == .native ? "native requested, but " : ""
        // Candidates in order of preference: the f16 FMA path covers both 16-bit dtypes.
        var candidates: [ComputePath] = []
        if features.supportsFP16FMA && !weightDTypes.isDisjoint(with: [.bf16, .f16]) { candidates.append(.nativeFP16) }
        if features.supportsBF16Dot && weightDTypes.contains(.bf16) { candidates.append(.nativeBF16) }
        guard let first = candidates.first else {
            if !features.supportsFP16FMA && !features.supportsBF16Dot {
                return ComputeChoice(path: .f32, note: asked + "this CPU has neither AVX512_FP16 nor AVX512_BF16")
            }
            return ComputeChoice(path: .f32, note: asked + "no 16-bit weights this CPU can multiply natively")
        }
        if request == .native { return ComputeChoice(path: first, note: "requested") }
        let measured = throughput()
        func rate(_ path: ComputePath) -> Double {
            path == .nativeFP16 ? measured.fp16FMAGFLOPs : path == .nativeBF16 ? measured.bf16DotGFLOPs : measured.f32FMAGFLOPs
        }
        let best = candidates.max { rate($0) < rate($1) }!
        let rates = ([best] + [.f32]).map { "\($0 == .f32 ? "f32 FMA" : $0 == .nativeFP16 ? "f16 FMA" : "bf16 dot") \(Int(rate($0).rounded()))" }
            .joined(separator: " vs ") + " GFLOP/s per core, measured"
        return rate(best) > rate(.f32)
            ? ComputeChoice(path: best, note: "faster here: " + rates)
            : ComputeChoice(path: .f32, note: "f32 is faster here: " + rates)
    }
}
