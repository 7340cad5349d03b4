/// Vocabulary-sized loops, written as plain loops that LLVM vectorises (SSE2 baseline) and that
/// allocate nothing. Everything downstream of the logits is Double.
enum Kernels {
    /// exp(x) for x ≤ 0 to about 1.5 ulp (max relative error 3.2e-16 against glibc): Cody–Waite
    /// reduction x = k·ln2 + r, |r| ≤ ln2/2, Cephes' (3,3) Padé form for exp(r), 2^k built from
    /// bits. Branch-free, so a loop of it vectorises, unlike a libm call; the Padé form costs
    /// about 60% of a degree-13 polynomial. Exactly 0 below −708 (such terms vanish next to the
    /// row's max, which contributes exp(0) = 1); NaN stays NaN.
    @inline(__always)
    static func expNonPositive(_ x: Double) -> Double {
        let c = x < -708 ? -708 : x
        let shifter = 0x1.8p52
        let t = c * 1.4426950408889634 + shifter  // rounds x/ln2 to an integer k in the low bits
        let k = t - shifter
        let r = (c - k * 0x1.62e42fee00000p-1) - k * 0x1.a39ef35793c76p-33
        let rr = r * r
        let p = r * ((1.26177193074810590878e-4 * rr + 3.02994407707441961300e-2) * rr
            + 9.99999999999999999910e-1)
        let q = ((3.00198505138664455042e-6 * rr + 2.52448340349684104192e-3) * rr
            + 2.27265548208155028766e-1) * rr + 2.00000000000000000009e0
        let er = 1 + 2 * (p / (q - p))
        let scale = Double(bitPattern: (t.bitPattern &- shifter.bitPattern &+ 1023) &<< 52)
        let value = er * scale
        return x < -708 ? 0 : value
    }

    /// Largest entry (NaN entries are skipped; −inf if all are −inf or NaN).
    static func maxValue(_ row: UnsafeBufferPointer<Float>) -> Float {
        var m0 = -Float.infinity, m1 = m0, m2 = m0, m3 = m0, m4 = m0, m5 = m0, m6 = m0, m7 = m0
        let n = row.count & ~7
        var i = 0
        while i < n {
            m0 = row[i] > m0 ? row[i] : m0
            m1 = row[i + 1] > m1 ? row[i + 1] : m1
            m2 = row[i + 2] > m2 ? row[i + 2] : m2
            m3 = row[i + 3] > m3 ? row[i + 3] : m3
            m4 = row[i + 4] > m4 ? row[i + 4] : m4
            m5 = row[i + 5] > m5 ? row[i + 5] : m5
            m6 = row[i + 6] > m6 ? row[i + 6] : m6
            m7 = row[i + 7] > m7 ? row[i + 7] : m7
            i += 8
        }
        var m = max(max(max(m0, m1), max(m2, m3)), max(max(m4, m5), max(m6, m7)))
        while i < row.count {
            m = row[i] > m ? row[i] : m
            i += 1
        }
        return m
    }

    /// First index holding `value` (argmax with first-index ties once `value` is the max).
    static func firstIndex(_ row: UnsafeBufferPointer<Float>, equalTo value: Float) -> Int {
        for j in 0..<row.count where row[j] == value { return j }
        return 0
    }

    /// `out[j] = exp((z_j − m)·scale)`; vectorises (no reduction in the loop).
    static func storeExp(_ row: UnsafeBufferPointer<Float>, max m: Double, scale: Double,
                         into out: UnsafeMutableBufferPointer<Double>) {
        for j in 0..<row.count {
            out[j] = expNonPositive((Double(row[j]) - m) * scale)
        }
    }

    /// Σ values with eight partial sums (a fixed order, so results are reproducible).
    static func sum(_ values: UnsafeMutableBufferPointer<Double>) -> Double {
        var a = SIMD8<Double>()
        let n = values.count & ~7
        var i = 0
        if let base = values.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i < n {
                a += raw.loadUnaligned(fromByteOffset: i &* 8, as: SIMD8<Double>.self)
                i += 8
            }
        }
        var s = a.sum()
        while i < values.count {
            s += values[i]
            i += 1
        }
        return s
    }

    /// Σ w_j·a_j with a_j = (z_j − m)·scale, −inf logits clamped so 0·(−inf) never appears.
    static func weightedLogits(_ row: UnsafeBufferPointer<Float>, weights w: UnsafeMutableBufferPointer<Double>,
                               max m: Double, scale: Double) -> Double {
        var a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0
        let n = row.count & ~3
        var i = 0
        @inline(__always) func term(_ j: Int) -> Double {
            let a = (Double(row[j]) - m) * scale
            return w[j] * (a < -1000 ? -1000 : a)
        }
        while i < n {
            a0 += term(i); a1 += term(i + 1); a2 += term(i + 2); a3 += term(i + 3)
            i += 4
        }
        var s = (a0 + a1) + (a2 + a3)
        while i < row.count {
            s += term(i)
            i += 1
        }
        return s
    }

    /// Inverse-CDF draw: the first index whose running sum of `w` exceeds `target`.
    static func pick(_ w: UnsafeMutableBufferPointer<Double>, target: Double) -> Int {
        var cumulative = 0.0
        for j in 0..<w.count {
            cumulative += w[j]
            if cumulative > target { return j }
        }
        // Rounding left the target unreached: the last token with mass.
        var j = w.count - 1
        while j > 0 && w[j] == 0 { j -= 1 }
        return j
    }

    /// Largest weight at an index other than `skip` (the runner-up for the margin).
    static func runnerUp(_ w: UnsafeMutableBufferPointer<Double>, skipping skip: Int) -> Double {
        var best = 0.0
        for j in 0..<w.count where j != skip && w[j] > best { best = w[j] }
        return best
    }
}
