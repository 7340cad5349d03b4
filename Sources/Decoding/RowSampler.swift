#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a position's confidence is (spec §1a/§1b).
enum ConfidenceMeasure: Sendable {
    case none
    /// LLaDA `low-confidence`: softmax(z)[x0] from the untempered logits.
    case modelProbability
    /// LLaDA `random`: the uniform draw handed in.
    case uniform
    /// Dream `max-prob`: p[x0] under the filtered, tempered distribution.
    case filteredProbability
    /// Dream `margin`: top-1 minus top-2 of that distribution.
    case margin
    /// Dream `entropy`: Σ p log p of that distribution.
    case negativeEntropy
}

/// How one logits row becomes a candidate token.
struct SamplingSpec: Sendable, Equatable {
    /// τ; 0 = argmax (first index on ties).
    var temperature: Double
    /// Nucleus mass, only when 0 < p < 1.
    var topP: Double?
    /// Only when 1 ≤ k.
    var topK: Int?
    var confidence: ConfidenceMeasure

    init(temperature: Double, topP: Double? = nil, topK: Int? = nil, confidence: ConfidenceMeasure) {
        self.temperature = temperature
        self.topP = topP.flatMap { $0 < 1 ? $0 : nil }
        self.topK = topK
        self.confidence = confidence
    }
}

struct Candidate: Sendable, Equatable {
    var token: Int
    var confidence: Double
}

/// Turns logits rows into candidates with exact categorical draws in Double. Owns one
/// vocabulary-sized scratch buffer, reused for every row, so steps allocate nothing that size.
/// Not thread-safe: one per worker.
final class RowSampler {
    let vocabularySize: Int
    /// exp((z − max)/τ) of the current row.
    var weights: [Double]
    /// Filtering scratch (see FilteredSampling.swift), allocated on first use.
    var order: [Int32] = []
    var bucketOf: [UInt16] = []
    var bucketMass: [Double] = []
    var bucketSize: [Int] = []

    init(vocabularySize: Int) {
        self.vocabularySize = vocabularySize
        self.weights = [Double](repeating: 0, count: vocabularySize)
    }

    /// The candidate for one row, or nil when the row has no finite maximum or NaNs.
    /// `uniform` drives the categorical draw (unused at τ = 0); `confidenceDraw` is the
    /// `random` rule's confidence.
    func draw(_ row: UnsafeBufferPointer<Float>, _ spec: SamplingSpec, uniform: Double,
              confidenceDraw: Double) -> Candidate? {
        let maxLogit = Kernels.maxValue(row)
        guard maxLogit.isFinite else { return nil }
        let m = Double(maxLogit)
        let tempered = spec.temperature > 0
        let scale = tempered ? 1 / spec.temperature : 1
        if spec.topP != nil || (spec.topK.map { $0 < row.count } ?? false) {
            return drawFiltered(row, spec, max: m, scale: scale, uniform: uniform)
        }
        // Argmax needs no softmax unless a confidence does.
        if !tempered && (spec.confidence == .none || spec.confidence == .uniform) {
            return Candidate(token: Kernels.firstIndex(row, equalTo: maxLogit),
                             confidence: spec.confidence == .uniform ? confidenceDraw : 0)
        }
        return weights.withUnsafeMutableBufferPointer { w -> Candidate? in
            Kernels.storeExp(row, max: m, scale: scale, into: w)
            let total = Kernels.sum(w)
            guard total.isFinite, total > 0 else { return nil }
            let token = tempered ? Kernels.pick(w, target: uniform * total)
                                 : Kernels.firstIndex(row, equalTo: maxLogit)
            let confidence: Double
            switch spec.confidence {
            case .none:
                confidence = 0
            case .uniform:
                confidence = confidenceDraw
            case .filteredProbability:
                confidence = w[token] / total
            case .margin:
                // Of the distribution, not of the drawn token (Dream's topk_margin).
                let top = tempered ? Kernels.firstIndex(row, equalTo: maxLogit) : token
                confidence = (w[top] - Kernels.runnerUp(w, skipping: top)) / total
            case .negativeEntropy:
                confidence = Kernels.weightedLogits(row, weights: w, max: m, scale: scale) / total - log(total)
            case .modelProbability:
                if scale == 1 {
                    confidence = w[token] / total
                } else {
                    Kernels.storeExp(row, max: m, scale: 1, into: w)
                    confidence = w[token] / Kernels.sum(w)
                }
            }
            return Candidate(token: token, confidence: confidence)
        }
    }

    /// softmax(z)[token] from the untempered row (nil for a non-finite row).
    func modelProbability(of token: Int, in row: UnsafeBufferPointer<Float>) -> Double? {
        let maxLogit = Kernels.maxValue(row)
        guard maxLogit.isFinite else { return nil }
        return weights.withUnsafeMutableBufferPointer { w -> Double? in
            Kernels.storeExp(row, max: Double(maxLogit), scale: 1, into: w)
            let total = Kernels.sum(w)
            guard total.isFinite, total > 0 else { return nil }
            return w[token] / total
        }
    }
}
