#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Decoding

@Suite struct SamplerTests {
    func draw(_ row: [Float], _ spec: SamplingSpec, uniform: Double = 0, confidenceDraw: Double = 0) -> Candidate? {
        let sampler = RowSampler(vocabularySize: row.count)
        return row.withUnsafeBufferPointer { sampler.draw($0, spec, uniform: uniform, confidenceDraw: confidenceDraw) }
    }

    @Test func expMatchesLibmToAFewUlps() {
        var worst = 0.0
        for i in 0..<20_000 {
            let x = -Double(i) * 0.0353
            let want = exp(x)
            if want > 1e-300 { worst = max(worst, abs(Kernels.expNonPositive(x) - want) / want) }
        }
        #expect(worst < 5e-16)
        #expect(Kernels.expNonPositive(0) == 1)
        #expect(Kernels.expNonPositive(-.infinity) == 0)
        #expect(Kernels.expNonPositive(.nan).isNaN)
    }

    @Test func argmaxTakesFirstIndexOnTies() {
        let c = draw([1, 3, 0, 3], SamplingSpec(temperature: 0, confidence: .modelProbability))
        #expect(c?.token == 1)
        // softmax([1,3,0,3])[1] in Double.
        let total = exp(-2.0) + 1 + exp(-3.0) + 1
        #expect(abs(c!.confidence - 1 / total) < 1e-15)
    }

    @Test func inverseCDFPicksTheExactToken() {
        // softmax(log p) = p = [0.1, 0.2, 0.3, 0.4]: cumulative 0.1, 0.3, 0.6, 1.
        let row = [0.1, 0.2, 0.3, 0.4].map { Float(log($0)) }
        let spec = SamplingSpec(temperature: 1, confidence: .filteredProbability)
        #expect(draw(row, spec, uniform: 0.05)?.token == 0)
        #expect(draw(row, spec, uniform: 0.29)?.token == 1)
        #expect(draw(row, spec, uniform: 0.31)?.token == 2)
        #expect(draw(row, spec, uniform: 0.999)?.token == 3)
        #expect(abs(draw(row, spec, uniform: 0.5)!.confidence - 0.3) < 1e-6)
    }

    @Test func temperatureSharpensBeforeSampling() {
        // At τ = 0.5, p ∝ [0.1², 0.2², 0.3², 0.4²] = [0.01, 0.04, 0.09, 0.16]/0.3.
        let row = [0.1, 0.2, 0.3, 0.4].map { Float(log($0)) }
        let spec = SamplingSpec(temperature: 0.5, confidence: .modelProbability)
        // Cumulative 0.0333, 0.1667, 0.4667, 1: u = 0.4 lands on token 2.
        let c = draw(row, spec, uniform: 0.4)
        #expect(c?.token == 2)
        // low-confidence reads the untempered probability.
        #expect(abs(c!.confidence - 0.3) < 1e-6)
    }

    @Test func dreamConfidencesUseTheFilteredDistribution() {
        let row: [Float] = [2, 1, 0, -1]
        let e = row.map { exp(Double($0) - 2) }
        let p = e.map { $0 / e.reduce(0, +) }
        let entropy = draw(row, SamplingSpec(temperature: 0, confidence: .negativeEntropy))!
        #expect(entropy.token == 0)
        #expect(abs(entropy.confidence - p.reduce(0) { $0 + $1 * log($1) }) < 1e-12)
        let margin = draw(row, SamplingSpec(temperature: 0, confidence: .margin))!
        #expect(abs(margin.confidence - (p[0] - p[1])) < 1e-12)
        let maxProb = draw(row, SamplingSpec(temperature: 0, confidence: .filteredProbability))!
        #expect(abs(maxProb.confidence - p[0]) < 1e-12)
    }

    @Test func topPKeepsTheTokenThatCrossesTheThreshold() {
        // p ≈ [0.644, 0.237, 0.087, 0.032]: cumulative before token 2 is 0.881 > 0.7, so {0, 1} stay.
        let row: [Float] = [3, 2, 1, 0]
        let spec = SamplingSpec(temperature: 1, topP: 0.7, confidence: .filteredProbability)
        let e = [1, exp(-1.0)]
        #expect(abs(draw(row, spec, uniform: 0)!.confidence - e[0] / (e[0] + e[1])) < 1e-12)
        #expect(draw(row, spec, uniform: 0.999)?.token == 1)  // token 2 is unreachable
        // With p = 0.6 only token 0 remains (cumulative before token 1 is 0.644 > 0.6).
        let narrow = SamplingSpec(temperature: 1, topP: 0.6, confidence: .margin)
        #expect(draw(row, narrow, uniform: 0.999)?.token == 0)
        #expect(draw(row, narrow, uniform: 0.999)?.confidence == 1)
    }

    @Test func topKKeepsTiesWithTheKthLogit() {
        let row: [Float] = [0, 3, 2, 2, -1]
        let spec = SamplingSpec(temperature: 1, topK: 2, confidence: .filteredProbability)
        // Logits ≥ 2 survive: tokens 1, 2, 3 with weights 1, e⁻¹, e⁻¹.
        let total = 1 + 2 * exp(-1.0)
        #expect(abs(draw(row, spec, uniform: 0)!.confidence - 1 / total) < 1e-12)
        #expect(draw(row, spec, uniform: 0.999)?.token == 3)
        #expect([0.0, 0.5, 0.9, 0.999].allSatisfy { draw(row, spec, uniform: $0)?.token != 0 })
    }

    @Test func filteringSearchesDownToTinyWeights() {
        // One token at logit 20 over 4999 at 0 (weight e = exp(−20) each); top-p keeps half
        // the tail, so the threshold search must go below 1e-8 to find the survivors.
        var row = [Float](repeating: 0, count: 5000)
        row[4321] = 20
        let e = exp(-20.0), total = 1 + 4999 * e
        let p = 1 - (4999 * e / total) / 2
        let spec = SamplingSpec(temperature: 1, topP: p, confidence: .filteredProbability)
        // Tail tokens 0, 1, … are kept while 1 + (i−1)e ≤ p·total, i.e. i − 1 ≤ 2499.5: 2500 of them.
        let c = draw(row, spec, uniform: 0)!
        #expect(c.token == 4321)
        #expect(abs(c.confidence - 1 / (1 + 2500 * e)) < 1e-12)
        let last = draw(row, spec, uniform: 0.999_999_999_999)!
        #expect(last.token == 2499)
    }

    @Test func nonFiniteRowsAreRefused() {
        #expect(draw([0, .nan, 1], SamplingSpec(temperature: 1, confidence: .none)) == nil)
        #expect(draw([-.infinity, -.infinity], SamplingSpec(temperature: 0, confidence: .none)) == nil)
        #expect(draw([0, .infinity], SamplingSpec(temperature: 1, confidence: .none)) == nil)
    }

    @Test func eotPenaltyForms() {
        let paper = StopPenalty(lambda: 1.2, form: .paper)
        let code = StopPenalty(lambda: 1.2, form: .code)
        #expect(abs(Double(paper.apply(3)) - (3 - log(1.2))) < 1e-6)
        #expect(abs(Double(paper.apply(-3)) - (-3 - log(1.2))) < 1e-6)
        #expect(abs(Double(code.apply(-3)) - (-2.5)) < 1e-6)  // the code's form raises a negative logit
    }
}

@Suite struct FilteredSamplingReferenceTests {
    /// Brute force, as torch does it: full stable sort, top-p on the cumulative probability,
    /// then top-k on the logits; returns the kept tokens' probabilities.
    static func reference(_ row: [Float], temperature: Double, topP: Double?, topK: Int?) -> [Int: Double] {
        let scale = temperature > 0 ? 1 / temperature : 1
        let m = Double(row.max()!)
        let e = row.map { exp((Double($0) - m) * scale) }
        let total = e.reduce(0, +)
        let sorted = row.indices.sorted { row[$0] != row[$1] ? row[$0] > row[$1] : $0 < $1 }
        var kept = sorted
        if let p = topP {
            var cumulative = 0.0
            for (i, j) in sorted.enumerated() {
                if i > 0 && cumulative > p * total { kept = Array(sorted[..<i]); break }
                cumulative += e[j]
            }
        }
        if let k = topK, kept.count > k {
            let kth = row[kept[k - 1]]
            kept = kept.filter { row[$0] >= kth }
        }
        let mass = kept.reduce(0) { $0 + e[$1] }
        return Dictionary(uniqueKeysWithValues: kept.map { ($0, e[$0] / mass) })
    }

    @Test(arguments: [0.0, 0.3, 1.0])
    func bucketedFiltersMatchBruteForce(temperature: Double) {
        var rng = Xoshiro256StarStar(seed: 99)
        let v = 200
        let sampler = RowSampler(vocabularySize: v)
        for trial in 0..<16 {
            // Spread from nearly flat to peaked; every third row is coarsely quantised (many ties).
            let spread = [0.05, 0.5, 3, 12][(trial + trial / 4) % 4]
            let row = (0..<v).map { _ -> Float in
                let z = Float((rng.uniform() * 2 - 1) * spread)
                return trial % 3 == 0 ? (z * 4).rounded() / 4 : z
            }
            let topP: Double? = [nil, 0.5, 0.9, 0.99][trial % 4]
            let topK: Int? = [nil, 5, 50, nil][(trial / 4) % 4]
            guard topP != nil || topK != nil else { continue }
            let want = Self.reference(row, temperature: temperature, topP: topP, topK: topK)
            let top = want.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }!
            let second = want.filter { $0.key != top.key }.map(\.value).max() ?? 0
            row.withUnsafeBufferPointer { r in
                func draw(_ c: ConfidenceMeasure, _ u: Double) -> Candidate {
                    sampler.draw(r, SamplingSpec(temperature: temperature, topP: topP, topK: topK, confidence: c),
                                 uniform: u, confidenceDraw: 0)!
                }
                let entropy = want.values.reduce(0) { $0 + $1 * log($1) }
                #expect(abs(draw(.negativeEntropy, 0.5).confidence - entropy) < 1e-9, "trial \(trial)")
                #expect(abs(draw(.margin, 0.5).confidence - (top.value - second)) < 1e-9, "trial \(trial)")
                if temperature == 0 {
                    let c = draw(.filteredProbability, 0.5)
                    #expect(c.token == top.key && abs(c.confidence - top.value) < 1e-9, "trial \(trial)")
                } else {
                    // An inverse CDF over a grid of n uniforms hits each token n·p times, ±1.
                    let n = 400
                    var counts: [Int: Int] = [:]
                    for i in 0..<n { counts[draw(.filteredProbability, (Double(i) + 0.5) / Double(n)).token, default: 0] += 1 }
                    #expect(counts.keys.allSatisfy { want[$0] != nil }, "trial \(trial)")
                    #expect(want.allSatisfy { abs(Double(counts[$0.key] ?? 0) - Double(n) * $0.value) <= 1.000001 },
                            "trial \(trial)")
                }
            }
        }
    }
}
