#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Dream's `sample_tokens` filters (spec §1b, models.md §2.5): top-p, then top-k, on the
/// tempered logits, without sorting the vocabulary.
///
/// Tokens go into buckets of 1/64 nat by `a = (z − max)/τ` (everything below −40 nats shares the
/// last bucket). Bucket order is token order, so the survivors of either filter are all tokens
/// of the buckets before an "edge" bucket plus a prefix of the edge bucket; only the edge bucket
/// is sorted (by logit, then lower index, as torch's stable sort would tie). Kept tokens follow
/// torch: top-p removes a token once the probability mass before it exceeds p (so the token that
/// crosses p stays); top-k removes logits below the k-th largest (so ties with it stay).
extension RowSampler {
    static let bucketsPerNat = 64.0
    static let bucketCount = 64 * 40 + 1

    @inline(__always)
    static func bucket(_ a: Double) -> Int {
        let x = -a * bucketsPerNat
        return x < Double(bucketCount - 1) ? Int(x) : bucketCount - 1
    }

    func drawFiltered(_ row: UnsafeBufferPointer<Float>, _ spec: SamplingSpec, max m: Double,
                      scale: Double, uniform: Double) -> Candidate? {
        let v = vocabularySize, nb = Self.bucketCount
        if order.isEmpty {
            order = [Int32](repeating: 0, count: v)
            bucketOf = [UInt16](repeating: 0, count: v)
            bucketMass = [Double](repeating: 0, count: nb)
            bucketSize = [Int](repeating: 0, count: nb)
        }
        let tempered = spec.temperature > 0
        let maxLogit = Float(m)
        let argmax = Kernels.firstIndex(row, equalTo: maxLogit)
        return weights.withUnsafeMutableBufferPointer { w -> Candidate? in
            Kernels.storeExp(row, max: m, scale: scale, into: w)
            let total = Kernels.sum(w)
            guard total.isFinite, total > 0 else { return nil }
            return order.withUnsafeMutableBufferPointer { order in
                bucketOf.withUnsafeMutableBufferPointer { bucketOf in
                    bucketMass.withUnsafeMutableBufferPointer { mass in
                        bucketSize.withUnsafeMutableBufferPointer { size in
                            let survivors = filter(row, w, total: total, spec: spec, max: m, scale: scale,
                                                   order: order, bucketOf: bucketOf, mass: mass, size: size)
                            return draw(row, w, survivors: survivors, spec: spec, max: m, scale: scale,
                                        uniform: tempered ? uniform : nil, argmax: argmax, order: order,
                                        bucketOf: bucketOf)
                        }
                    }
                }
            }
        }
    }

    /// The kept set: every token whose bucket is before `edge`, plus `order[0..<prefix]`.
    struct Survivors {
        var edge: Int
        var prefix: Int
        var count: Int
    }

    private func filter(_ row: UnsafeBufferPointer<Float>, _ w: UnsafeMutableBufferPointer<Double>,
                        total: Double, spec: SamplingSpec, max m: Double, scale: Double,
                        order: UnsafeMutableBufferPointer<Int32>, bucketOf: UnsafeMutableBufferPointer<UInt16>,
                        mass: UnsafeMutableBufferPointer<Double>, size: UnsafeMutableBufferPointer<Int>) -> Survivors {
        let v = row.count, nb = Self.bucketCount
        for b in 0..<nb {
            mass[b] = 0
            size[b] = 0
        }
        // Most of a real vocabulary lands in the last bucket; counting it apart avoids a
        // read-modify-write chain on one memory cell. Its mass is what the others leave.
        let last = nb - 1
        var inLast = 0
        for j in 0..<v {
            let b = Self.bucket((Double(row[j]) - m) * scale)
            bucketOf[j] = UInt16(truncatingIfNeeded: b)
            if b == last {
                inLast += 1
            } else {
                mass[b] += w[j]
                size[b] += 1
            }
        }
        var others = 0.0
        for b in 0..<last { others += mass[b] }
        mass[last] = max(0, total - others)
        size[last] = inLast
        /// Members of bucket `b` into `order`, best first; returns their count.
        func sortedMembers(_ b: Int) -> Int {
            var n = 0
            for j in 0..<v where Int(bucketOf[j]) == b {
                order[n] = Int32(truncatingIfNeeded: j)
                n += 1
            }
            var members = UnsafeMutableBufferPointer(rebasing: order[0..<n])
            members.sort { a, b in
                let za = row[Int(a)], zb = row[Int(b)]
                return za != zb ? za > zb : a < b
            }
            return n
        }

        var kept = Survivors(edge: nb, prefix: 0, count: v)
        if let p = spec.topP {
            let limit = p * total
            var before = 0.0, countBefore = 0
            for b in 0..<nb {
                if before + mass[b] > limit {
                    let n = sortedMembers(b)
                    var cumulative = before, prefix = n
                    for i in 0..<n {
                        if cumulative > limit { prefix = i; break }
                        cumulative += w[Int(order[i])]
                    }
                    kept = Survivors(edge: b, prefix: prefix, count: countBefore + prefix)
                    break
                }
                before += mass[b]
                countBefore += size[b]
            }
        }
        if let k = spec.topK, kept.count > k {
            var countBefore = 0
            for b in 0..<nb {
                if b == kept.edge {
                    // The k-th lies in the (already sorted) kept prefix of the edge bucket.
                    let kth = row[Int(order[k - countBefore - 1])]
                    var end = k - countBefore
                    while end < kept.prefix && row[Int(order[end])] == kth { end += 1 }
                    kept = Survivors(edge: b, prefix: end, count: countBefore + end)
                    break
                }
                if countBefore + size[b] >= k {
                    let n = sortedMembers(b)
                    let kth = row[Int(order[k - countBefore - 1])]
                    var end = k - countBefore
                    while end < n && row[Int(order[end])] == kth { end += 1 }
                    kept = Survivors(edge: b, prefix: end, count: countBefore + end)
                    break
                }
                countBefore += size[b]
            }
        }
        return kept
    }

    private func draw(_ row: UnsafeBufferPointer<Float>, _ w: UnsafeMutableBufferPointer<Double>,
                      survivors kept: Survivors, spec: SamplingSpec, max m: Double, scale: Double,
                      uniform: Double?, argmax: Int, order: UnsafeMutableBufferPointer<Int32>,
                      bucketOf: UnsafeMutableBufferPointer<UInt16>) -> Candidate {
        let v = row.count
        var keptMass = 0.0, weightedLogits = 0.0
        @inline(__always) func add(_ j: Int) {
            keptMass += w[j]
            let a = (Double(row[j]) - m) * scale
            weightedLogits += w[j] * (a < -1000 ? -1000 : a)
        }
        for j in 0..<v where Int(bucketOf[j]) < kept.edge { add(j) }
        for i in 0..<kept.prefix { add(Int(order[i])) }

        var token = argmax
        if let u = uniform {
            // Inverse CDF over the survivors in a fixed order: earlier buckets by index, then the prefix.
            let target = u * keptMass
            var cumulative = 0.0
            var found = false
            var last = argmax
            for j in 0..<v where Int(bucketOf[j]) < kept.edge {
                cumulative += w[j]
                last = j
                if cumulative > target { token = j; found = true; break }
            }
            if !found {
                for i in 0..<kept.prefix {
                    let j = Int(order[i])
                    cumulative += w[j]
                    last = j
                    if cumulative > target { token = j; found = true; break }
                }
            }
            if !found { token = last }
        }
        let confidence: Double
        switch spec.confidence {
        case .filteredProbability:
            confidence = w[token] / keptMass
        case .margin:
            let second = kept.count > 1 ? Kernels.runnerUp(w, skipping: argmax) : 0
            confidence = (w[argmax] - second) / keptMass
        case .negativeEntropy:
            confidence = weightedLogits / keptMass - log(keptMass)
        case .none, .uniform, .modelProbability:
            confidence = 0  // filtering is for Dream-style rules only (validated)
        }
        return Candidate(token: token, confidence: confidence)
    }
}
