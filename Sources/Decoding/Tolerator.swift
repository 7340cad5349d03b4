/// What TOLERATOR's stage II reports back to the trace.
struct RefinementOutcome {
    var gammas: [Double] = []
    var earlyStop: EarlyStop?
}

extension Session {
    /// TOLERATOR (spec §4): vanilla fill-up with the EoT penalty in `fillUp` forwards, then up to
    /// `refine` cross-validation iterations of one forward each.
    func runTolerator(_ options: ToleratorOptions, fillUp: Int, refine: Int) throws -> (draft: [Int], RefinementOutcome) {
        stopPenalty = options.eotPenalty == 1 ? nil : StopPenalty(lambda: options.eotPenalty, form: options.eotPenaltyForm)
        try runVanilla(options.fillUp, steps: fillUp, stage: .fillUp)
        stopPenalty = nil
        let draft = canvas
        // Refinement starts from a fresh cache: the whole draft is new context.
        cacheBoundary()
        return (draft, try refineCanvas(options, iterations: refine))
    }

    /// Stage II alone, on whatever the canvas holds (repair starts from a failed candidate).
    func refine(_ options: ToleratorOptions, iterations: Int) throws -> RefinementOutcome {
        guard iterations > 0 else { return RefinementOutcome() }
        return try refineCanvas(options, iterations: iterations)
    }

    /// Stage II. Per iteration k: γ_k; a uniform subset S of ⌊γ_k·|A|⌋ unlocked positions is
    /// masked; one forward; `y_i ~ softmax(z_i/τ_r)` for i ∈ S; with u < 1 only the ⌈u·|S|⌉
    /// positions whose current token the model now finds least likely (untempered softmax; ties:
    /// lower position) take `y_i`, the rest keep their token. A position leaves A once its
    /// prediction has equalled the previous one R times in a row (refinement predictions only).
    private func refineCanvas(_ options: ToleratorOptions, iterations: Int) throws -> RefinementOutcome {
        let g = canvas.count
        var outcome = RefinementOutcome()
        var active = Array(0..<g)
        var lastPrediction = [Int](repeating: -1, count: g)
        var repeats = [Int](repeating: 0, count: g)
        let spec = SamplingSpec(temperature: options.refinementTemperature, confidence: .none)

        for k in 0..<iterations {
            let gamma = Schedules.gamma(
                iteration: k, of: iterations, annealing: options.annealing,
                reachesMinimum: options.cosineReachesMinimum, max: options.gammaMax, min: options.gammaMin)
            // The epsilon keeps products like 0.6·5 from flooring to one less.
            let size = Int((gamma * Double(active.count) + 1e-9).rounded(.down))
            if size == 0 {
                outcome.earlyStop = EarlyStop(reason: .emptyRefinementSet, iteration: k, unusedNFE: iterations - k)
                break
            }
            beginStep()
            outcome.gammas.append(gamma)
            let targets = rng.sample(size, from: active).sorted()
            let previous = targets.map { canvas[$0] }
            write(targets.map { _ in maskId }, at: targets)
            let rows = try forward(targets)
            let predictions = try candidates(rows, positions: targets, spec).map(\.token)

            var rewrite = Set(targets)
            if options.updateRate < 1 {
                let count = Int((options.updateRate * Double(size) - 1e-9).rounded(.up))
                let likelihood = try modelProbabilities(rows, positions: targets, of: previous)
                rewrite = Set(Self.topK(targets, scores: likelihood.map { -$0 }, count))
            }
            var edited: [TokenChange] = []
            for (i, p) in targets.enumerated() {
                let token = rewrite.contains(p) ? predictions[i] : previous[i]
                canvas[p] = token
                if token != previous[i] { edited.append(TokenChange(position: p, old: previous[i], new: token)) }
            }

            var locked: [Int] = []
            if options.lockAfter > 0 {
                for (i, p) in targets.enumerated() {
                    repeats[p] = predictions[i] == lastPrediction[p] ? repeats[p] + 1 : 0
                    lastPrediction[p] = predictions[i]
                    if repeats[p] >= options.lockAfter { locked.append(p) }
                }
                if !locked.isEmpty {
                    let gone = Set(locked)
                    active.removeAll { gone.contains($0) }
                }
            }
            endStep(.refine, edited: edited, targets: targets, locked: locked, gamma: gamma)
            if active.isEmpty {
                if k + 1 < iterations {
                    outcome.earlyStop = EarlyStop(reason: .converged, iteration: k + 1, unusedNFE: iterations - k - 1)
                }
                break
            }
        }
        return outcome
    }
}
