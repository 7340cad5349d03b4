import Testing
@testable import Decoding

@Suite struct ScheduleTests {
    @Test func xoshiroMatchesReferenceImplementation() {
        // Values from a direct Python transcription of SplitMix64 + xoshiro256** (Vigna).
        var a = Xoshiro256StarStar(seed: 0)
        #expect([a.next(), a.next(), a.next(), a.next()]
                == [0x99ec5f36cb75f2b4, 0xbf6e1f784956452a, 0x1a5f849d4933e6e0, 0x6aa594f1262d2d2c])
        var b = Xoshiro256StarStar(seed: 42)
        #expect(b.next() == 0x15780b2e0c2ec716)
        var c = Xoshiro256StarStar(seed: 42)
        #expect([c.uniform(), c.uniform(), c.uniform()] == [0.08386297105988216, 0.3789802506626686, 0.6800434110281394])
    }

    @Test func subsetsAreDistinctAndInRange() {
        var rng = Xoshiro256StarStar(seed: 3)
        let pool = Array(10..<30)
        for size in [0, 1, 7, 20] {
            let s = rng.sample(size, from: pool)
            #expect(s.count == size && Set(s).count == size && s.allSatisfy { pool.contains($0) })
        }
        #expect((0..<1000).allSatisfy { _ in (0..<3).contains(rng.below(3)) })
    }

    @Test func lladaCountsFollowIntegerDivision() {
        #expect(Schedules.lladaCounts(masked: 10, steps: 4) == [3, 3, 2, 2])
        #expect(Schedules.lladaCounts(masked: 32, steps: 8) == [4, 4, 4, 4, 4, 4, 4, 4])
        #expect(Schedules.lladaCounts(masked: 3, steps: 5) == [1, 1, 1, 0, 0])
    }

    /// Expected lists are torch 2.15 CPU runs of Dream's schedule (`linspace(1, 1e-3, T+1)` in
    /// float32, `int(M * (1 - s/t))`), the same values as models.md §2.5's table.
    @Test func dreamCountsMatchTorchReference() {
        #expect(Schedules.dreamCounts(masked: 64, steps: 8) == [7, 8, 8, 8, 8, 8, 8, 9])
        #expect(Schedules.dreamCounts(masked: 256, steps: 4) == [63, 64, 64, 65])
        #expect(Schedules.dreamCounts(masked: 10, steps: 4) == [2, 2, 2, 4])
        #expect(Schedules.dreamCounts(masked: 100, steps: 7) == [14, 14, 14, 14, 14, 14, 16])
        let full = Schedules.dreamCounts(masked: 256, steps: 256)
        #expect(full.first == 0 && full.last == 2 && full.dropFirst().dropLast().allSatisfy { $0 == 1 })
        let half = Schedules.dreamCounts(masked: 256, steps: 128)
        #expect(half.first == 1 && half.last == 3 && half.dropFirst().dropLast().allSatisfy { $0 == 2 })
        let quarter = Schedules.dreamCounts(masked: 256, steps: 64)
        #expect(quarter.first == 3 && quarter.last == 5 && quarter.dropFirst().dropLast().allSatisfy { $0 == 4 })
        // torch's float32 linspace, element by element.
        #expect(Schedules.dreamTimeGrid(steps: 8) == [1.0, 0.875124990940094, 0.750249981880188,
            0.625374972820282, 0.5005000233650208, 0.37562501430511475, 0.25075000524520874,
            0.12587499618530273, 0.0010000000474974513])
    }

    @Test func rcrTargetsRoundHalfToEven() {
        #expect(Schedules.rcrTargets(masked: 3, steps: 3) == [1, 2, 3])
        // 10·1/4 = 2.5 → 2, 10·3/4 = 7.5 → 8.
        #expect(Schedules.rcrTargets(masked: 10, steps: 4) == [2, 5, 8, 10])
        #expect(Schedules.roundHalfEven(7, 2) == 4 && Schedules.roundHalfEven(5, 2) == 2)
    }

    @Test func toleratorSplitsBudget() {
        #expect(Schedules.toleratorSplit(nfe: 32, fillUpFraction: 0.5) == (16, 16))
        #expect(Schedules.toleratorSplit(nfe: 5, fillUpFraction: 0.5) == (2, 3))  // 2.5 → 2
        #expect(Schedules.toleratorSplit(nfe: 1, fillUpFraction: 0.5) == (1, 0))
        #expect(Schedules.toleratorSplit(nfe: 8, fillUpFraction: 0) == (1, 7))
        #expect(Schedules.toleratorSplit(nfe: 8, fillUpFraction: 1) == (8, 0))
    }

    @Test func gammaFollowsCosineAndExponentialFormulas() {
        func g(_ k: Int, _ a: RefinementAnnealing, _ reach: Bool) -> Double {
            Schedules.gamma(iteration: k, of: 4, annealing: a, reachesMinimum: reach, max: 0.8, min: 0.4)
        }
        // k/K: 0.4 + 0.2(1 + cos(πk/4)).
        let paper = [0.8, 0.7414213562373095, 0.6, 0.4585786437626905]
        // k/(K−1): 0.4 + 0.2(1 + cos(πk/3)).
        let code = [0.8, 0.7, 0.5, 0.4]
        // 0.8·0.5^(k/3).
        let exponential = [0.8, 0.6349604207872798, 0.5039684199579493, 0.4]
        for k in 0..<4 {
            #expect(abs(g(k, .cosine, false) - paper[k]) < 1e-12)
            #expect(abs(g(k, .cosine, true) - code[k]) < 1e-12)
            #expect(abs(g(k, .exponential, false) - exponential[k]) < 1e-12)
        }
    }

    @Test func remdmPhasesFollowTheLoopWindow() {
        let phases = Schedules.remdmPhases(steps: 20, tOn: 0.55, tOff: 0.05)
        // t_j = 1 − j/20: rise while t > 0.55 (j ≤ 8), loop for 0.05 < t ≤ 0.55 (j = 9…18).
        #expect(phases.prefix(9).allSatisfy { $0 == .remdmRise })
        #expect(phases[9...18].allSatisfy { $0 == .remdmLoop })
        #expect(phases[19] == .remdmFinish)
        #expect(Schedules.remdmPhases(steps: 1, tOn: 0.55, tOff: 0.05) == [.remdmFinish])
        #expect(Schedules.remdmPhases(steps: 4, tOn: 0.55, tOff: 0.05) == [.remdmRise, .remdmRise, .remdmLoop, .remdmFinish])
    }
}
