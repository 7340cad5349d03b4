extension Session {
    /// ReMDM with the loop schedule (spec §2) in `steps` steps.
    ///
    /// Phase 1 unmasks `round(α_on·G)` tokens with LLaDA-style even counts over its steps, ranked
    /// by `unmask` (`origin`: each masked position with probability count/M). Phase 2 holds α:
    /// every unmasked token is remasked with probability η and every masked one unmasked with
    /// probability `η·α_on/(1−α_on)`, both decided from the state the step's forward sees.
    /// Phase 3 spreads the remaining masks evenly over its steps; the last step takes all.
    func runReMDM(_ options: ReMDMOptions, steps: Int) throws {
        let g = canvas.count
        let phases = Schedules.remdmPhases(steps: steps, tOn: options.tOn, tOff: options.tOff)
        let riseSteps = phases.filter { $0 == .remdmRise }.count
        let finishSteps = phases.filter { $0 == .remdmFinish }.count
        let riseTarget = min(g, Int((options.alphaOn * Double(g)).rounded()))
        let riseCounts = Schedules.lladaCounts(masked: riseTarget, steps: riseSteps)
        let loopUnmask = min(1, options.eta * options.alphaOn / (1 - options.alphaOn))
        var finishCounts: [Int] = []

        for (j, phase) in phases.enumerated() {
            beginStep()
            switch phase {
            case .remdmLoop:
                var toUnmask: [Int] = [], toRemask: [Int] = []
                for p in 0..<g {
                    let u = rng.uniform()
                    if canvas[p] == maskId {
                        if u < loopUnmask { toUnmask.append(p) }
                    } else if u < options.eta {
                        toRemask.append(p)
                    }
                }
                var unmasked: [TokenChange] = []
                if !toUnmask.isEmpty {
                    var plain = options.spec
                    plain.confidence = .none
                    let rows = try forward(toUnmask)
                    unmasked = write(try candidates(rows, positions: toUnmask, plain).map(\.token), at: toUnmask)
                }
                let remasked = write(toRemask.map { _ in maskId }, at: toRemask)
                endStep(phase, unmasked: unmasked, remasked: remasked)
            default:
                let index: Int
                if phase == .remdmRise {
                    index = j
                } else {
                    if finishCounts.isEmpty {
                        finishCounts = Schedules.lladaCounts(masked: maskedPositions().count, steps: finishSteps)
                    }
                    index = j - (steps - finishSteps)
                }
                let count = phase == .remdmRise ? riseCounts[index] : finishCounts[index]
                let masked = maskedPositions()
                let changes: [TokenChange]
                if options.unmask == .origin {
                    let p = j == steps - 1 ? 1 : (masked.isEmpty ? 0 : Double(count) / Double(masked.count))
                    changes = try unmaskEach(masked, probability: p, spec: options.spec)
                } else {
                    let n = j == steps - 1 ? masked.count : count
                    changes = try unmaskMostConfident(masked, count: n, rule: options.unmask, spec: options.spec)
                }
                endStep(phase, unmasked: changes)
            }
        }
    }
}
