import ArgumentParser
import Inference

/// `--compute f32|native|auto`, shared by the commands that run a forward pass.
enum ComputeOption {
    static let help = ArgumentHelp(
        "Weight GEMMs: f32 (the reference path), native (bf16 weights multiplied as stored on AVX512_BF16 CPUs, f32 accumulation) or auto (native where measured faster).",
        valueName: "auto|f32|native")
}

extension ComputeRequest: ExpressibleByArgument {}
