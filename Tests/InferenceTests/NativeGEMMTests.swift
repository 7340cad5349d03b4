import BLASKernel
import CNativeGEMM
import Foundation
import Testing
@testable import Inference
import ModelFiles

/// The native paths this CPU can run.
let nativePaths: [ComputePath] = (CPUFeatures.current.supportsFP16FMA ? [.nativeFP16] : [])
    + (CPUFeatures.current.supportsBF16Dot ? [.nativeBF16] : [])

/// x rounded to bf16 as the kernel rounds it (nearest even; NaN is not in these inputs).
private func roundedToBF16(_ x: Float) -> Float { DType.bf16ToFloat(DType.floatToBF16(x)) }

/// The 16-bit GEMMs (issue 18, req. 2), with u = 2⁻²⁴ and S = Σₜ |xₜ·wₜ| for one output:
/// - bf16 (`vdpbf16ps`), against exact arithmetic on bf16-rounded x: |err| ≤ (k + 2)·u·S, since
///   bf16 × bf16 products are exact in f32 and only the f32 sums round.
/// - f16 (`vfmadd231ph`), against exact arithmetic on x itself: |err| ≤ (65·2⁻¹¹ + (k + 2)·u)·S,
///   x's rounding to f16 (2⁻¹¹ after exact power-of-two scaling) plus up to 64 f16 roundings
///   per partial sum; and, seeded, a measured mean |err|/S under 2⁻¹¹.
@Suite(.enabled(if: !nativePaths.isEmpty, "needs AVX512_FP16 or AVX512_BF16")) struct NativeGEMMTests {
    /// m, n, k: row blocks of 8/4/2/1, column panels of 32 with a partial one, k odd and past one
    /// 288-pair panel (and past chunks of 96 pairs inside one), 16×16 transposes and the scalar
    /// packing path.
    static let shapes: [(Int, Int, Int)] = [(1, 1, 1), (3, 5, 7), (8, 32, 32), (15, 33, 33), (13, 70, 300),
                                            (9, 64, 514), (5, 100, 1001), (20, 96, 1024)]

    static let cases: [(ComputePath, DType, Int)] = nativePaths.flatMap { path in
        (path == .nativeFP16 ? [DType.bf16, .f16] : [.bf16]).flatMap { dtype in shapes.indices.map { (path, dtype, $0) } }
    }

    @Test(arguments: cases)
    func kernelIsWithinItsBound(path: ComputePath, dtype: DType, shape: Int) {
        let (m, n, k) = Self.shapes[shape]
        var generator = SplitMix64(seed: UInt64(m * 1_000_003 + n * 1009 + k))
        let weight = WeightMatrix.owned(rows: n, columns: k, dtype: dtype) { buffer in
            for index in buffer.indices { buffer[index] = generator.nextSymmetric() }
        }
        // Rows of very different scales: the f16 path scales each row on its own.
        let x = (0..<(m * k)).map { index in generator.nextSymmetric() * Float(1 << (2 * (index / k % 7))) / 8 }
        var w = [Float](repeating: 0, count: n * k)
        w.withUnsafeMutableBufferPointer { weight.widen(rows: 0..<n, into: $0.baseAddress!) }
        for accumulate in [false, true] {
            let engine = LinearEngine(threads: 2, compute: path)
            var got = [Float](repeating: 0.5, count: m * n)
            x.withUnsafeBufferPointer { xs in
                got.withUnsafeMutableBufferPointer {
                    engine.multiply(xs.baseAddress!, rows: m, ldx: k, weight: weight, into: $0.baseAddress!, ldy: n,
                                    accumulate: accumulate)
                }
            }
            var worst = 0.0, meanRelative = 0.0
            for i in 0..<m {
                for j in 0..<n {
                    var sum = accumulate ? 0.5 : 0.0, magnitude = 0.0
                    for t in 0..<k {
                        let xt = path == .nativeBF16 ? roundedToBF16(x[i * k + t]) : x[i * k + t]
                        let term = Double(xt) * Double(w[j * k + t])
                        sum += term
                        magnitude += abs(term)
                    }
                    let rounding = path == .nativeBF16 ? 0 : Double(ngemm_f16_chunk() + 1) * 0x1p-11
                    let bound = (rounding + Double(k + 2) * 0x1p-24) * (magnitude + 0.5)
                    let error = abs(Double(got[i * n + j]) - sum)
                    worst = worstOf(worst, error / bound)
                    meanRelative += error / (magnitude + 0.5) / Double(m * n)
                }
            }
            #expect(worst <= 1, "\(path) \(dtype) m \(m) n \(n) k \(k) accumulate \(accumulate): \(worst) of the bound")
            if path == .nativeFP16 { #expect(meanRelative < 0x1p-11, "mean |err|/S \(meanRelative)") }
        }
    }

    /// Through the engine as the model calls it (2 workers, row strides wider than the data),
    /// against the f32 path on the same weights: within the 16-bit rounding of the activations.
    @Test(arguments: nativePaths)
    func engineMatchesTheF32Path(path: ComputePath) {
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
        let native = product(path), reference = product(.f32)
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
                let rounding = path == .nativeBF16 ? 0x1p-9 : Double(ngemm_f16_chunk() + 1) * 0x1p-11
                let bound = (rounding + 2 * Double(k + 2) * 0x1p-24) * magnitude
                worst = worstOf(worst, abs(Double(native[i * ldy + j]) - Double(reference[i * ldy + j])) / bound)
            }
        }
        #expect(worst <= 1, "\(worst) of the bound")
        #expect(worst > 0, "the native path really ran (16-bit rounding shows)")
    }

    /// A matrix with a |w| the f16 partial sums are not sized for goes through f32 instead.
    @Test(.enabled(if: CPUFeatures.current.supportsFP16FMA)) func largeWeightsFallBackToF32() {
        let weight = WeightMatrix.owned(rows: 40, columns: 64, dtype: .bf16) { buffer in
            for index in buffer.indices { buffer[index] = index == 77 ? 33 : 0.5 }
        }
        let small = WeightMatrix.owned(rows: 40, columns: 64, dtype: .bf16) { buffer in
            for index in buffer.indices { buffer[index] = index == 77 ? 32 : 0.5 }
        }
        let buffers = NativeGEMMBuffers(path: .nativeFP16, workers: 1)
        #expect(!buffers.handles(weight))
        #expect(buffers.handles(small))
        let f32 = WeightMatrix.owned(rows: 4, columns: 4, dtype: .f32) { $0.initialize(repeating: 1) }
        #expect(!buffers.handles(f32))
    }
}

/// The `--compute` decision from facts alone: made-up CPUs and measured rates.
@Suite struct ComputeChoiceTests {
    static func cpu(bf16: Bool, fp16: Bool = false) -> CPUFeatures {
        var features = CPUFeatures()
        features.isX86_64 = true
        (features.avx, features.fma, features.avx2) = (true, true, true)
        (features.avx512f, features.avx512dq, features.avx512bw, features.avx512vl) = (true, true, true, true)
        (features.avx512BF16, features.avx512FP16) = (bf16, fp16)
        return features
    }

    /// Emerald Rapids, measured here: f16 FMA at twice, bf16 dot at half the f32 rate.
    static let goldenCove = VectorThroughput(f32FMAGFLOPs: 175, bf16DotGFLOPs: 87, fp16FMAGFLOPs: 350)
    static let doubleRateBF16 = VectorThroughput(f32FMAGFLOPs: 100, bf16DotGFLOPs: 200)

    @Test func f32IsAlwaysHonouredAndNeverMeasures() {
        let choice = ComputeChoice.resolve(.f32, features: Self.cpu(bf16: true, fp16: true), weightDTypes: [.bf16]) {
            Issue.record("measured without need")
            return Self.goldenCove
        }
        #expect(choice.path == .f32)
    }

    @Test func autoPicksTheFastestMeasuredUnitOnlyWhenItBeatsF32() {
        let bf16Only = ComputeChoice.resolve(.auto, features: Self.cpu(bf16: true), weightDTypes: [.bf16]) { Self.goldenCove }
        #expect(bf16Only == ComputeChoice(path: .f32, note: "f32 is faster here: bf16 dot 87 vs f32 FMA 175 GFLOP/s per core, measured"))
        let both = ComputeChoice.resolve(.auto, features: Self.cpu(bf16: true, fp16: true), weightDTypes: [.bf16]) { Self.goldenCove }
        #expect(both == ComputeChoice(path: .nativeFP16, note: "faster here: f16 FMA 350 vs f32 FMA 175 GFLOP/s per core, measured"))
        let fastBF16 = ComputeChoice.resolve(.auto, features: Self.cpu(bf16: true), weightDTypes: [.bf16]) { Self.doubleRateBF16 }
        #expect(fastBF16.path == .nativeBF16)
    }

    @Test func nativeIsHonouredWhereItCanRunEvenIfSlower() {
        let choice = ComputeChoice.resolve(.native, features: Self.cpu(bf16: true), weightDTypes: [.bf16, .f32]) { Self.goldenCove }
        #expect(choice == ComputeChoice(path: .nativeBF16, note: "requested"))
        let f16 = ComputeChoice.resolve(.native, features: Self.cpu(bf16: true, fp16: true), weightDTypes: [.f16]) { Self.goldenCove }
        #expect(f16 == ComputeChoice(path: .nativeFP16, note: "requested"))
    }

    @Test func withoutAUnitOrSixteenBitWeightsEverythingIsF32() {
        let noUnit = ComputeChoice.resolve(.native, features: Self.cpu(bf16: false), weightDTypes: [.bf16]) { Self.goldenCove }
        #expect(noUnit == ComputeChoice(path: .f32, note: "native requested, but this CPU has neither AVX512_FP16 nor AVX512_BF16"))
        var noBW = Self.cpu(bf16: true, fp16: true)
        noBW.avx512bw = false
        #expect(ComputeChoice.resolve(.auto, features: noBW, weightDTypes: [.bf16]) { Self.goldenCove }.path == .f32)
        let f16OnBF16CPU = ComputeChoice.resolve(.auto, features: Self.cpu(bf16: true), weightDTypes: [.f16, .f32]) { Self.doubleRateBF16 }
        #expect(f16OnBF16CPU == ComputeChoice(path: .f32, note: "no 16-bit weights this CPU can multiply natively"))
        let f32Weights = ComputeChoice.resolve(.native, features: Self.cpu(bf16: true, fp16: true), weightDTypes: [.f32]) { Self.goldenCove }
        #expect(f32Weights.path == .f32)
    }
}

/// The larger ratio, NaN once either is NaN: `max` would drop a NaN output and let it pass.
func worstOf(_ worst: Double, _ ratio: Double) -> Double {
    worst.isNaN || ratio.isNaN ? .nan : max(worst, ratio)
}
