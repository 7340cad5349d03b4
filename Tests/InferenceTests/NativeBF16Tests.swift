import BLASKernel
import Foundation
import Testing
@testable import Inference
import ModelFiles

private let canRunNative = CPUFeatures.current.supportsBF16Dot

/// x rounded to bf16 as the kernel rounds it (nearest even; NaN is not in these inputs).
private func roundedToBF16(_ x: Float) -> Float { DType.bf16ToFloat(DType.floatToBF16(x)) }

/// The bf16 GEMM (issue 18, req. 2). Bounds, with u = 2⁻²⁴ and S = Σₜ |x̂ₜ·wₜ| for one output:
/// - against exact arithmetic on the bf16-rounded inputs: |got − want| ≤ (k + 2)·u·S (f32
///   accumulation of k products that bf16 × bf16 makes exact);
/// - against the f32 path (x not rounded): additionally 2⁻⁹·S, bf16's rounding of each x.
@Suite(.enabled(if: canRunNative, "needs AVX512_BF16")) struct NativeBF16Tests {
    /// m, n, k: row blocks of 8/4/2/1, column panels of 32 with a partial one, k odd and past one
    /// 256-element block, 16×16 transposes and the scalar packing path.
    static let shapes: [(Int, Int, Int)] = [(1, 1, 1), (3, 5, 7), (8, 32, 32), (15, 33, 33), (13, 70, 300),
                                            (9, 64, 514), (5, 100, 1001), (20, 96, 1024)]

    @Test(arguments: shapes)
    func kernelMatchesExactArithmeticOnRoundedInputs(m: Int, n: Int, k: Int) {
        var generator = SplitMix64(seed: UInt64(m * 1_000_003 + n * 1009 + k))
        let weight = WeightMatrix.owned(rows: n, columns: k, dtype: .bf16) { buffer in
            for index in buffer.indices { buffer[index] = generator.nextSymmetric() }
        }
        let x = (0..<(m * k)).map { _ in generator.nextSymmetric() * 4 }
        var w = [Float](repeating: 0, count: n * k)
        w.withUnsafeMutableBufferPointer { weight.widen(rows: 0..<n, into: $0.baseAddress!) }
        for accumulate in [false, true] {
            let engine = LinearEngine(threads: 2, compute: .nativeBF16)
            var got = [Float](repeating: 0.5, count: m * n)
            x.withUnsafeBufferPointer { xs in
                got.withUnsafeMutableBufferPointer {
                    engine.multiply(xs.baseAddress!, rows: m, ldx: k, weight: weight, into: $0.baseAddress!, ldy: n,
                                    accumulate: accumulate)
                }
            }
            var worst = 0.0
            for i in 0..<m {
                for j in 0..<n {
                    var sum = accumulate ? 0.5 : 0.0, magnitude = 0.0
                    for t in 0..<k {
                        let term = Double(roundedToBF16(x[i * k + t])) * Double(w[j * k + t])
                        sum += term
                        magnitude += abs(term)
                    }
                    let bound = Double(k + 2) * 0x1p-24 * (magnitude + 0.5)
                    worst = max(worst, abs(Double(got[i * n + j]) - sum) / bound)
                }
            }
            #expect(worst <= 1, "m \(m) n \(n) k \(k) accumulate \(accumulate): \(worst) of the bound")
        }
    }

    /// Through the engine as the model calls it (2 workers, row strides wider than the data),
    /// against the f32 path on the same weights: within bf16's rounding of the activations.
    @Test func engineMatchesTheF32PathWithinBF16Rounding() {
        let (m, n, k, ldx, ldy) = (37, 2 * 48 + 7, 300, 310, 120)
        var generator = SplitMix64(seed: 11)
        let weight = WeightMatrix.owned(rows: n, columns: k, dtype: .bf16) { buffer in
            for index in buffer.indices { buffer[index] = generator.nextSymmetric() }
        }
        let x = (0..<(m * ldx)).map { _ in generator.nextSymmetric() * 3 }
        func product(_ compute: ComputePath) -> [Float] {
            let engine = LinearEngine(threads: 2, compute: compute)
            BLASThreads.set(engine.blasThreads)
            var y = [Float](repeating: 7, count: m * ldy)
            x.withUnsafeBufferPointer { xs in
                y.withUnsafeMutableBufferPointer {
                    engine.multiply(xs.baseAddress!, rows: m, ldx: ldx, weight: weight, into: $0.baseAddress!, ldy: ldy)
                }
            }
            return y
        }
        let native = product(.nativeBF16), reference = product(.f32)
        var w = [Float](repeating: 0, count: n * k)
        w.withUnsafeMutableBufferPointer { weight.widen(rows: 0..<n, into: $0.baseAddress!) }
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<ldy {
                guard j < n else {
                    #expect(native[i * ldy + j] == 7, "column \(j) past n is left alone")
                    continue
                }
                let magnitude = (0..<k).reduce(0.0) { $0 + abs(Double(x[i * ldx + $1]) * Double(w[j * k + $1])) }
                let bound = (0x1p-9 + 2 * Double(k + 2) * 0x1p-24) * magnitude
                worst = max(worst, abs(Double(native[i * ldy + j]) - Double(reference[i * ldy + j])) / bound)
            }
        }
        #expect(worst <= 1, "\(worst) of the bound")
        #expect(worst > 0, "the native path really ran (bf16 rounding shows)")
    }
}

/// The `--compute` decision from facts alone: made-up CPUs and measured rates.
@Suite struct ComputeChoiceTests {
    static func cpu(bf16: Bool) -> CPUFeatures {
        var features = CPUFeatures()
        features.isX86_64 = true
        (features.avx, features.fma, features.avx2) = (true, true, true)
        (features.avx512f, features.avx512dq, features.avx512bw, features.avx512vl) = (true, true, true, true)
        features.avx512BF16 = bf16
        return features
    }

    static let goldenCove = VectorThroughput(f32FMAGFLOPs: 175, bf16DotGFLOPs: 87)
    static let doubleRate = VectorThroughput(f32FMAGFLOPs: 100, bf16DotGFLOPs: 200)

    @Test func f32IsAlwaysHonouredAndNeverMeasures() {
        let choice = ComputeChoice.resolve(.f32, features: Self.cpu(bf16: true), weightDTypes: [.bf16]) {
            Issue.record("measured without need")
            return Self.doubleRate
        }
        #expect(choice.path == .f32)
    }

    @Test func autoPicksNativeOnlyWhereTheDotProductIsMeasuredFaster() {
        let slow = ComputeChoice.resolve(.auto, features: Self.cpu(bf16: true), weightDTypes: [.bf16]) { Self.goldenCove }
        #expect(slow.path == .f32)
        #expect(slow.note == "f32 is faster here: bf16 dot 87 vs f32 FMA 175 GFLOP/s per core, measured")
        let fast = ComputeChoice.resolve(.auto, features: Self.cpu(bf16: true), weightDTypes: [.bf16]) { Self.doubleRate }
        #expect(fast.path == .nativeBF16)
    }

    @Test func nativeIsHonouredWhereItCanRunEvenIfSlower() {
        let choice = ComputeChoice.resolve(.native, features: Self.cpu(bf16: true), weightDTypes: [.bf16, .f32]) { Self.goldenCove }
        #expect(choice == ComputeChoice(path: .nativeBF16, note: "requested"))
    }

    @Test func withoutTheUnitOrBF16WeightsEverythingIsF32() {
        let noUnit = ComputeChoice.resolve(.native, features: Self.cpu(bf16: false), weightDTypes: [.bf16]) { Self.doubleRate }
        #expect(noUnit == ComputeChoice(path: .f32, note: "native requested, but this CPU has no AVX512_BF16"))
        var noBW = Self.cpu(bf16: true)
        noBW.avx512bw = false
        #expect(ComputeChoice.resolve(.auto, features: noBW, weightDTypes: [.bf16]) { Self.doubleRate }.path == .f32)
        let f16 = ComputeChoice.resolve(.auto, features: Self.cpu(bf16: true), weightDTypes: [.f16, .f32]) { Self.doubleRate }
        #expect(f16 == ComputeChoice(path: .f32, note: "no bf16 weights (f16 and f32 weights compute in f32)"))
    }
}
