#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every count and rate schedule of the spec, as pure functions (the tests check them directly).
enum Schedules {
    /// LLaDA (spec §1a): `c` masks over `s` steps, `c/s` each plus one while `j < c % s`.
    static func lladaCounts(masked c: Int, steps s: Int) -> [Int] {
        (0..<s).map { j in c / s + (j < c % s ? 1 : 0) }
    }

    /// Dream's `torch.linspace(1, eps, steps + 1)` in float32 as torch's CPU kernel computes it:
    /// a float32 step, then `fma(step, i, start)` in the first half and `fma(−step, n−1−i, end)`
    /// in the second (bit-identical to torch 2.15 for T < 600).
    static func dreamTimeGrid(steps: Int, eps: Float = 1e-3) -> [Float] {
        let n = steps + 1
        let start: Float = 1
        let step = (eps - start) / Float(n - 1)
        let halfway = n / 2
        return (0..<n).map { i in
            i < halfway ? start.addingProduct(step, Float(i)) : eps.addingProduct(-step, Float(n - 1 - i))
        }
    }

    /// Dream (spec §1b): `⌊M·(1 − s/t)⌋` in float32 like the reference. Over G ≤ 512, T ≤ G this
    /// equals the spec's exact formula `t_j = 1 − j(1−ε)/T` (checked against torch).
    static func dreamCount(masked: Int, t: Float, s: Float) -> Int {
        Int(Float(masked) * (1 - s / t))
    }

    /// Dream's per-step counts when every step accepts exactly its count (ranked rules).
    static func dreamCounts(masked: Int, steps: Int) -> [Int] {
        let grid = dreamTimeGrid(steps: steps)
        var remaining = masked
        return (0..<steps).map { j in
            let n = j == steps - 1 ? remaining : dreamCount(masked: remaining, t: grid[j], s: grid[j + 1])
            remaining -= n
            return n
        }
    }

    /// `origin`: per-position unmasking probability `1 − s/t`, 1 on the last step.
    static func dreamTransferProbability(grid: [Float], step j: Int) -> Double {
        j == grid.count - 2 ? 1 : Double(1 - grid[j + 1] / grid[j])
    }

    /// RCR (spec §3): cumulative target `round(c·(j+1)/s)`, half to even like Python's round.
    static func rcrTargets(masked c: Int, steps s: Int) -> [Int] {
        (0..<s).map { j in roundHalfEven(c * (j + 1), s) }
    }

    /// `round(numerator / denominator)`, ties to even, exactly (integers, denominator > 0).
    static func roundHalfEven(_ numerator: Int, _ denominator: Int) -> Int {
        let q = numerator / denominator, r = numerator % denominator
        if 2 * r > denominator { return q + 1 }
        if 2 * r == denominator { return q % 2 == 0 ? q : q + 1 }
        return q
    }

    /// TOLERATOR (spec §4): `T_f = max(1, round(ρ·T))` (half to even), `K = T − T_f`.
    static func toleratorSplit(nfe: Int, fillUpFraction rho: Double) -> (fillUp: Int, refine: Int) {
        let fillUp = min(nfe, max(1, Int((rho * Double(nfe)).rounded(.toNearestOrEven))))
        return (fillUp, nfe - fillUp)
    }

    /// γ_k for iteration k of K. Cosine uses k/K (the paper) unless `reachesMinimum` (the code's
    /// k/(K−1)); exponential always uses k/(K−1). With K = 1, k/(K−1) is taken as 0.
    static func gamma(iteration k: Int, of iterations: Int, annealing: RefinementAnnealing,
                      reachesMinimum: Bool, max gammaMax: Double, min gammaMin: Double) -> Double {
        let toLast = iterations > 1 ? Double(k) / Double(iterations - 1) : 0
        switch annealing {
        case .cosine:
            let phase = reachesMinimum ? toLast : Double(k) / Double(iterations)
            return gammaMin + 0.5 * (gammaMax - gammaMin) * (1 + cos(Double.pi * phase))
        case .exponential:
            guard gammaMax > 0 else { return 0 }
            return gammaMax * pow(gammaMin / gammaMax, toLast)
        }
    }

    /// ReMDM (spec §2) phase of each step j, at time `t_j = 1 − j/T`: rise while t > t_on, loop
    /// while t_off < t ≤ t_on, finish once t ≤ t_off. The last step always finishes, so the
    /// canvas ends unmasked whatever T is.
    /// Compared as `T − j` against `t·T` with a small tolerance, so `t_j = 0.05` counts as
    /// reaching t_off = 0.05 although `1 − 38/40` is 0.05000000000000004 in Double.
    static func remdmPhases(steps: Int, tOn: Double, tOff: Double) -> [DecodingStage] {
        let total = Double(steps)
        return (0..<steps).map { j in
            let remaining = Double(steps - j)
            if j == steps - 1 || remaining <= tOff * total + 1e-9 { return .remdmFinish }
            return remaining > tOn * total + 1e-9 ? .remdmRise : .remdmLoop
        }
    }
}
