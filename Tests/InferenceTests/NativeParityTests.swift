import BLASKernel
import Foundation
import Testing
@testable import Inference
import ModelFiles

/// The native bf16 path on the bf16 fixture against PyTorch fp32 (issue 18, req. 2). Only the
/// activations differ from the f32 path: each GEMM input is rounded to bf16 (relative error
/// ≤ 2⁻⁹), and the logits carry that through two layers and the head. The stated bound is 2⁻⁶
/// of the row's largest |logit|, 160 times the f32 path's 1e-4 (measured: 0.0055 native, 5e-7 f32).
@Suite(.enabled(if: CPUFeatures.current.supportsBF16Dot, "needs AVX512_BF16")) struct NativeParityTests {
    static let bound: Float = 0x1p-6

    @Test func bf16FixtureMatchesPyTorchWithinTheBF16Bound() throws {
        let manifest = try ParityManifest.load()
        let entry = try #require(manifest.models.first { $0.directory == "llada-bf16" })
        let native = try ParityManifest.model("llada-bf16", compute: .native)
        #expect(native.compute.path == .nativeBF16)
        let reference = try ParityManifest.model("llada-bf16", compute: .f32)
        var worst: Float = 0, worstReference: Float = 0
        for testCase in entry.cases {
            let want = try ParityManifest.expected(testCase)
            let positions = Array(testCase.ids.indices)
            let got = try native.logits(tokens: testCase.ids, positions: positions)
            let f32 = try reference.logits(tokens: testCase.ids, positions: positions)
            for row in positions {
                let slice = want[(row * entry.vocabSize)..<((row + 1) * entry.vocabSize)]
                worst = max(worst, worstRelativeError(got.row(row), slice))
                worstReference = max(worstReference, worstRelativeError(f32.row(row), slice))
            }
        }
        print("native bf16 vs PyTorch fp32: worst \(worst) of row max; f32 path \(worstReference)")
        #expect(worst <= Self.bound, "worst relative error \(worst)")
        // The test can fail the other way too: a native path that silently ran f32 shows no rounding.
        #expect(worst > 10 * worstReference, "native \(worst) vs f32 \(worstReference)")
    }
}
