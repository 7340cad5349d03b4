import BLASKernel
import Foundation
import ModelFiles
import Testing
@testable import Inference

/// The f32 path's own kernel on bf16 panels packed at load (PackedF32GEMM.swift): f32 products of
/// the exact bf16 weights and f32 sums, so against exact arithmetic |err| ≤ (k + 2)·u·S with
/// u = 2⁻²⁴ and S = Σₜ |xₜ·wₜ| (one rounding per sum, plus the accumulated output).
@Suite(.enabled(if: PackedF32GEMM.available, "needs AVX-512")) struct PackedF32GEMMTests {
    /// m, n, k, ldx: groups of 12 rows and every shorter group, strips of 32 with a partial one,
    /// k odd (a zero partner) and past one 512-pair panel, several row blocks (300 rows of 2050),
    /// rows wider than k; and row blocks of 16 groups or more, whose panels are widened once
    /// (425 rows of 1025: blocks of 216 and 209 rows, the second ending in a 5-row group).
    static let shapes: [(Int, Int, Int, Int)] = [(1, 1, 1, 1), (3, 5, 7, 9), (12, 32, 32, 32), (13, 33, 33, 40),
                                                 (25, 70, 300, 300), (40, 64, 1025, 1031), (11, 100, 1001, 1001),
                                                 (300, 40, 2050, 2050), (37, 96, 1024, 1024), (425, 70, 1025, 1031)]

    @Test(arguments: shapes.indices)
    func kernelIsWithinTheF32Bound(shape: Int) throws {
        let (m, n, k, ldx) = Self.shapes[shape]
        var generator = SplitMix64(seed: UInt64(shape * 7919 + 3))
        let weight = WeightMatrix.owned(rows: n, columns: k, dtype: .bf16) { buffer in
            for index in buffer.indices { buffer[index] = generator.nextSymmetric() }
        }
        let packed = try #require(PackedWeights.pack(weight, into: .bf16Panels, threads: 2))
        #expect(packed.layout == .bf16Panels && packed.rows == n && packed.columns == k)
        // Columns past k are NaN: a kernel that read them (an odd k's partner) would poison the sums.
        let x = (0..<(m * ldx)).map { index in
            index % ldx < k ? generator.nextSymmetric() * Float(1 << (index / ldx % 5)) : .nan
        }
        var w = [Float](repeating: 0, count: n * k)
        w.withUnsafeMutableBufferPointer { weight.widen(rows: 0..<n, into: $0.baseAddress!) }
        let engine = LinearEngine(threads: 2, compute: .f32)
        for accumulate in [false, true] {
            var got = [Float](repeating: 0.5, count: m * n)
            x.withUnsafeBufferPointer { xs in
                got.withUnsafeMutableBufferPointer {
                    engine.multiply(xs.baseAddress!, rows: m, ldx: ldx, weight: packed, into: $0.baseAddress!, ldy: n,
                                    accumulate: accumulate)
                }
            }
            let finite = got.allSatisfy { $0.isFinite }
            #expect(finite, "m \(m) n \(n) k \(k): a NaN or infinity in the output")
            var worst = 0.0
            for i in 0..<m {
                for j in 0..<n {
                    var sum = accumulate ? 0.5 : 0.0, magnitude = accumulate ? 0.5 : 0.0
                    for t in 0..<k {
                        let term = Double(x[i * ldx + t]) * Double(w[j * k + t])
                        sum += term
                        magnitude += abs(term)
                    }
                    let bound = Double(k + 2) * 0x1p-24 * magnitude
                    worst = max(worst, abs(Double(got[i * n + j]) - sum) / max(bound, .leastNormalMagnitude))
                }
            }
            #expect(worst <= 1, "m \(m) n \(n) k \(k) accumulate \(accumulate): error \(worst)× the bound")
        }
    }

    @Test func onlyBF16MatricesArePackedForTheF32Kernel() {
        let f16 = WeightMatrix.owned(rows: 40, columns: 64, dtype: .f16) { $0.initialize(repeating: 1) }
        let f32 = WeightMatrix.owned(rows: 40, columns: 64, dtype: .f32) { $0.initialize(repeating: 1) }
        #expect(PackedWeights.pack(f16, into: .bf16Panels, threads: 2) == nil)
        #expect(PackedWeights.pack(f32, into: .bf16Panels, threads: 2) == nil)
        #expect(TransformerModel.packedLayout(for: .f32) == .bf16Panels)
        #expect(TransformerModel.packedLayout(for: .nativeBF16) == .rows)
    }

    /// Whole fixture models on the f32 path: the packed kernel against widening and OpenBLAS
    /// (`packWeights: false`), every logit within f32 summation-order differences. The bf16 LLaDA
    /// packs every projection and its head; the f16 Dream packs nothing and is unchanged.
    @Test(arguments: ["llada-bf16", "dream-f16"])
    func packedF32ModelMatchesOpenBLAS(directory: String) throws {
        let pair = try PackedFixturePair(fixture: directory, path: .f32)
        let bf16 = pair.packed.weights.head.dtype == .bf16
        #expect(pair.packed.weights.packedMatrixCount == (bf16 ? pair.packableCount : 0))
        #expect(pair.perCall.weights.packedMatrixCount == 0)
        let (a, b) = (pair.packedLogits, pair.perCallLogits)
        let finite = a.allSatisfy { $0.isFinite }
        #expect(finite && a.count == b.count)
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
        let scale = b.map(abs).max() ?? 1
        #expect(worst <= 1e-5 * scale, "packed f32 vs OpenBLAS: \(worst) of \(scale)")
        if !bf16 { #expect(a == b) }
    }
}
