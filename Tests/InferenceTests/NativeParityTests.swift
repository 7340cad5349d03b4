import BLASKernel
import Foundation
import Testing
@testable import Inference
import ModelFiles

/// The native paths on the bf16 fixture against PyTorch fp32 (issue 18, req. 2). Only the
/// activations differ from the f32 path: each GEMM input is rounded to 16 bits (bf16: relative
/// error ≤ 2⁻⁹; f16: 2⁻¹¹ plus f16 partial sums), carried through two layers and the head. The
/// stated bound is 2⁻⁶ of the row's largest |logit|, 160 times the f32 path's 1e-4 (measured:
/// bf16 0.0055, f16 0.0027, f32 5e-7).
@Suite(.enabled(if: !nativePaths.isEmpty, "needs AVX512_FP16 or AVX512_BF16")) struct NativeParityTests {
    static let bound: Float = 0x1p-6

    @Test(arguments: nativePaths)
    func bf16FixtureMatchesPyTorchWithinTheBound(path: ComputePath) throws {
        let manifest = try ParityManifest.load()
        let entry = try #require(manifest.models.first { $0.directory == "llada-bf16" })
        let folder = try ModelFolder(directory: ParityManifest.root.appendingPathComponent("llada-bf16"))
        let native = try TransformerModel(folder: folder, threads: 2, forcing: path)
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
        print("\(path.rawValue) vs PyTorch fp32: worst \(worst) of row max; f32 path \(worstReference)")
        #expect(worst <= Self.bound, "worst relative error \(worst)")
        // The test can fail the other way too: a native path that silently ran f32 shows no rounding.
        #expect(worst > 10 * worstReference, "native \(worst) vs f32 \(worstReference)")
    }

    /// `--compute native` picks the f16 unit where there is one, for f16 checkpoints too.
    @Test func nativeRequestPicksTheF16UnitFirst() throws {
        let model = try ParityManifest.model("dream-f16", compute: .native)
        #expect(model.compute.path == (CPUFeatures.current.supportsFP16FMA ? .nativeFP16 : .f32))
    }
}
