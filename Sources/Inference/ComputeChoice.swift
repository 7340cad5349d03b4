import BLASKernel
import ModelFiles

/// What `--compute` asks for.
public enum ComputeRequest: String, Sendable, CaseIterable {
    /// native where it is measured faster than f32 on this CPU, else f32.
    case auto
    /// Widen every weight to f32 and multiply with OpenBLAS sgemm: the reference path.
    case f32
    /// bf16 weights multiplied as stored (activations rounded to bf16, f32 accumulation) where
    /// the CPU has AVX512_BF16; f32 otherwise, and for f16/f32 weights.
    case native
}

/// How this model's weight GEMMs compute.
public enum ComputePath: String, Sendable, Codable {
    case f32
    case nativeBF16 = "native-bf16"
}

/// The resolved path and why, for reports and `--json` traces.
public struct ComputeChoice: Sendable, Equatable {
    public var path: ComputePath
    public var note: String

    /// The decision from facts alone, so every case is testable with made-up CPUs; `throughput`
    /// is called (measured) only for `.auto` on a CPU that could run native.
    public static func resolve(_ request: ComputeRequest, features: CPUFeatures, weightDTypes: Set<DType>,
                               throughput: () -> VectorThroughput) -> ComputeChoice {
        if request == .f32 { return ComputeChoice(path: .f32, note: "requested (reference path)") }
        let asked = request == .native ? "native requested, but " : ""
        guard features.supportsBF16Dot else {
            return ComputeChoice(path: .f32, note: asked + "this CPU has no AVX512_BF16")
        }
        guard weightDTypes.contains(.bf16) else {
            return ComputeChoice(path: .f32, note: asked + "no bf16 weights (f16 and f32 weights compute in f32)")
        }
        if request == .native { return ComputeChoice(path: .nativeBF16, note: "requested") }
        let measured = throughput()
        let rates = "bf16 dot \(Int(measured.bf16DotGFLOPs.rounded())) vs f32 FMA "
            + "\(Int(measured.f32FMAGFLOPs.rounded())) GFLOP/s per core, measured"
        return measured.bf16DotGFLOPs > measured.f32FMAGFLOPs
            ? ComputeChoice(path: .nativeBF16, note: "faster here: " + rates)
            : ComputeChoice(path: .f32, note: "f32 is faster here: " + rates)
    }
}
