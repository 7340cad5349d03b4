import Foundation
import Testing
@testable import Inference
import ModelFiles

@Suite struct KernelTests {
    /// Every one of the 65536 bit patterns widens exactly as the scalar reference does.
    @Test(arguments: [DType.bf16, DType.f16])
    func vectorWideningIsExactForAllPatterns(dtype: DType) {
        let count = 1 << 16
        let patterns = (0..<count).map { UInt16($0) }
        var out = [Float](repeating: 0, count: count)
        patterns.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { Widening.widen(raw.baseAddress!, dtype: dtype, count: count, into: $0.baseAddress!) }
        }
        var mismatches = 0
        for (bits, value) in zip(patterns, out) {
            let want = dtype == .bf16 ? DType.bf16ToFloat(bits) : DType.f16ToFloat(bits)
            if want.isNaN ? !value.isNaN : want.bitPattern != value.bitPattern { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    /// Tiled widening (row tiles, column chunks past maxTileColumns, per-worker slices, both
    /// modes) gives the product of the whole matrix.
    @Test(arguments: [(37, 29), (40, LinearEngine.maxTileColumns + 904)])
    func tiledMultiplyMatchesWholeMatrix(rows: Int, columns: Int) {
        let inputs = 3
        var generator = SplitMix64(seed: 7)
        let weight = WeightMatrix.owned(rows: rows, columns: columns, dtype: .bf16) { buffer in
            for index in buffer.indices { buffer[index] = generator.nextSymmetric() }
        }
        let x = (0..<(inputs * columns)).map { _ in generator.nextSymmetric() }
        var whole = [Float](repeating: 0, count: rows * columns)
        whole.withUnsafeMutableBufferPointer { weight.widen(rows: 0..<rows, into: $0.baseAddress!) }
        var want = [Float](repeating: 0, count: inputs * rows)
        for i in 0..<inputs {
            for j in 0..<rows {
                var sum: Double = 0
                for t in 0..<columns { sum += Double(x[i * columns + t]) * Double(whole[j * columns + t]) }
                want[i * rows + j] = Float(sum) + 1  // accumulate onto ones
            }
        }
        let configurations: [(Int, Int, LinearEngine.Mode)] = [
            (columns * 4, 2, .workers), (64, 1, .workers), (1 << 20, 2, .workers), (columns * 4, 2, .blas), (columns, 1, .blas),
        ]
        for (tile, threads, mode) in configurations {
            let engine = LinearEngine(threads: threads, tileElements: tile, mode: mode)
            BLASThreads.set(engine.blasThreads)
            var got = [Float](repeating: 1, count: inputs * rows)
            x.withUnsafeBufferPointer { xs in
                got.withUnsafeMutableBufferPointer {
                    engine.multiply(xs.baseAddress!, rows: inputs, ldx: columns, weight: weight, into: $0.baseAddress!,
                                    ldy: rows, accumulate: true)
                }
            }
            let worst = zip(got, want).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-3, "tile \(tile), \(threads) threads, \(mode): \(worst)")
        }
    }

    /// Every path the CPU has (AVX-512, AVX2, portable) against double-precision references,
    /// at lengths that leave every kind of vector tail.
    @Test(arguments: [2, 1, 0])
    func rowKernelsMatchDoubleReferences(level: Int) {
        Kernels.withRowKernels(level: level) { used in
            var random = SplitMix64(seed: 7 + UInt64(level))
            for count in [1, 5, 8, 15, 16, 17, 33, 512, 1000] {
                // Softmax: scores spread over ±40 reach exp's whole useful range after the shift.
                let row = (0..<count).map { _ in random.nextSymmetric() * 40 }
                var got = row
                got.withUnsafeMutableBufferPointer { Kernels.softmax($0.baseAddress!, count: count) }
                let peak = Double(row.max()!)
                let exps = row.map { Foundation.exp(Double($0) - peak) }
                let total = exps.reduce(0, +)
                for (value, e) in zip(got, exps) {
                    let want = e / total
                    // Relative 2e-6 on the probabilities that matter; float exp loses relative accuracy
                    // far below them (arguments near -80), hence the absolute floor.
                    #expect(abs(Double(value) - want) <= 2e-6 * want + 1e-12, "level \(used) count \(count)")
                }
                // SwiGLU over ±20.
                var gate = (0..<count).map { _ in random.nextSymmetric() * 20 }
                let up = (0..<count).map { _ in random.nextSymmetric() * 2 }
                let reference = zip(gate, up).map { g, u in Double(g) / (1 + Foundation.exp(-Double(g))) * Double(u) }
                gate.withUnsafeMutableBufferPointer { Kernels.swiGLU(gate: $0.baseAddress!, up: up, count: count) }
                for (value, want) in zip(gate, reference) {
                    #expect(abs(Double(value) - want) <= 1e-6 * abs(want) + 1e-12, "level \(used) count \(count)")
                }
                // RMSNorm, two rows with a stride.
                let width = count
                let x = (0..<(2 * width + 3)).map { _ in random.nextSymmetric() * 3 }
                let weight = (0..<width).map { _ in random.nextSymmetric() * 0.5 + 1 }
                var y = [Float](repeating: 0, count: x.count)
                Kernels.rmsNorm(x, rows: 2, width: width, stride: width + 3, weight: weight, eps: 1e-5, into: &y)
                for r in 0..<2 {
                    let line = x[(r * (width + 3))..<(r * (width + 3) + width)].map(Double.init)
                    let scale = 1 / (line.map { $0 * $0 }.reduce(0, +) / Double(width) + 1e-5).squareRoot()
                    for i in 0..<width {
                        let want = Double(weight[i]) * line[i] * scale
                        #expect(abs(Double(y[r * (width + 3) + i]) - want) <= 1e-6 * abs(want) + 1e-12)
                    }
                }
            }
            // A NaN score makes the row NaN instead of silently vanishing.
            var poisoned: [Float] = [0, .nan, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
            poisoned.withUnsafeMutableBufferPointer { Kernels.softmax($0.baseAddress!, count: $0.count) }
            #expect(poisoned[1].isNaN)
        }
    }

    @Test func softmaxSumsToOneAndKeepsOrder() {
        var row: [Float] = (0..<21).map { Float($0 % 7) * 1.5 - 3 }
        row.withUnsafeMutableBufferPointer { Kernels.softmax($0.baseAddress!, count: $0.count) }
        #expect(abs(row.reduce(0, +) - 1) < 1e-6)
        let want = Foundation.exp(Double(6 % 7) * 1.5 - 3) / (0..<21).map { Foundation.exp(Double($0 % 7) * 1.5 - 3) }.reduce(0, +)
        #expect(abs(Double(row[6]) - want) < 1e-7)
    }

    /// Rotate-half pairs dimension j with j + D/2; position 0 is the identity.
    @Test func ropeRotatesHalvesByPositionAngle() {
        let table = RotaryTable(headDim: 4, theta: 10_000, length: 3)
        var x: [Float] = [1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]
        x.withUnsafeMutableBufferPointer { table.apply($0.baseAddress!, rows: 0..<3, heads: 1, stride: 4) }
        #expect(Array(x[0..<4]) == [1, 2, 3, 4])
        // Position 2: j = 0 angle 2 (inv_freq 1), j = 1 angle 2 / 100.
        let (c0, s0, c1, s1) = (cosf(2), sinf(2), cosf(0.02), sinf(0.02))
        let want: [Float] = [1 * c0 - 3 * s0, 2 * c1 - 4 * s1, 3 * c0 + 1 * s0, 4 * c1 + 2 * s1]
        for (got, expected) in zip(x[8..<12], want) { #expect(abs(got - expected) < 1e-6) }
    }

    @Test func rmsNormMatchesDefinition() {
        let x: [Float] = [1, -2, 3, -4]
        let weight: [Float] = [1, 0.5, 2, 1]
        var y = [Float](repeating: 0, count: 4)
        Kernels.rmsNorm(x, rows: 1, width: 4, weight: weight, eps: 1e-6, into: &y)
        let scale = 1 / (30.0 / 4 + 1e-6).squareRoot()
        for index in 0..<4 { #expect(abs(Double(y[index]) - Double(weight[index] * x[index]) * scale) < 1e-6) }
    }
}

@Suite struct AttentionTests {
    /// Largest |out − formula| (softmax(q·kᵀ/√d)·v in double, query head h on KV head
    /// h / (heads / kvHeads)) over every output of one `run` on seeded random q, k, v.
    func worstError(queries: Int, keys: Int, heads: Int, kvHeads: Int, headDim: Int, seed: UInt64) -> Double {
        var generator = SplitMix64(seed: seed)
        func random(_ count: Int) -> [Float] { (0..<count).map { _ in generator.nextSymmetric() * 2 } }
        let q = random(queries * heads * headDim), k = random(keys * kvHeads * headDim), v = random(keys * kvHeads * headDim)
        var out = [Float](repeating: .nan, count: q.count)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Attention.scratchCount(length: keys, workers: 2))
        defer { scratch.deallocate() }
        out.withUnsafeMutableBufferPointer { o in
            Attention(heads: heads, kvHeads: kvHeads, headDim: headDim, threads: 2, blasThreads: 1)
                .run(q: q, queries: queries, k: k, v: v, keys: keys, scores: scratch, into: o.baseAddress!)
        }
        var worst: Double = 0
        for head in 0..<heads {
            let kvHead = head / (heads / kvHeads)
            for i in 0..<queries {
                let logits = (0..<keys).map { j in
                    (0..<headDim).reduce(0.0) { $0 + Double(q[(i * heads + head) * headDim + $1]) * Double(k[(j * kvHeads + kvHead) * headDim + $1]) }
                        / Double(headDim).squareRoot()
                }
                let top = logits.max()!
                let weights = logits.map { Foundation.exp($0 - top) }
                let total = weights.reduce(0, +)
                for t in 0..<headDim {
                    let want = (0..<keys).reduce(0.0) { $0 + weights[$1] / total * Double(v[($1 * kvHeads + kvHead) * headDim + t]) }
                    worst = max(worst, abs(Double(out[(i * heads + head) * headDim + t]) - want))
                }
            }
        }
        return worst
    }

    /// Blocked, head-parallel GQA attention equals the textbook formula, across a block boundary.
    @Test func matchesNaiveSoftmaxAttention() {
        let length = 400
        #expect(Attention.blockRows(length: length) < length, "two blocks")
        #expect(worstError(queries: length, keys: length, heads: 4, kvHeads: 2, headDim: 8, seed: 3) < 1e-5)
    }

    /// A cached forward's shapes (fewer queries than keys), head sizes off 16, key counts off 16
    /// and row counts off 8, GQA and not, against the formula in double.
    @Test(arguments: [(5, 37, 2, 1, 64), (33, 200, 3, 3, 80), (8, 16, 1, 1, 16), (1, 1, 2, 2, 128), (17, 129, 4, 2, 24)])
    func fewerQueriesThanKeysMatchTheFormula(shape: (Int, Int, Int, Int, Int)) {
        let (queries, keys, heads, kvHeads, headDim) = shape
        let worst = worstError(queries: queries, keys: keys, heads: heads, kvHeads: kvHeads, headDim: headDim,
                               seed: UInt64(queries * 7 + keys))
        #expect(worst < 2e-5, "\(shape): \(worst)")
    }
}
