extension UnmaskRule {
    /// The confidence this rule ranks by.
    var measure: ConfidenceMeasure {
        switch self {
        case .lowConfidence: return .modelProbability
        case .random: return .uniform
        case .entropy: return .negativeEntropy
        case .maxProb: return .filteredProbability
        case .margin: return .margin
        case .origin: return .none
        }
    }
}

extension SamplingOptions {
    var spec: SamplingSpec {
        SamplingSpec(temperature: temperature, topP: topP, topK: topK, confidence: unmask.measure)
    }
}

extension Session {
    /// Vanilla decoding (spec §1) of the whole canvas in `steps` steps; each step makes one
    /// forward unless it has nothing to unmask.
    func runVanilla(_ options: VanillaOptions, steps: Int, stage: DecodingStage) throws {
        switch options.unmask.family {
        case .llada: try runLLaDA(options, steps: steps, stage: stage)
        case .dream: try runDream(options, steps: steps, stage: stage)
        }
    }

    /// §1a: blocks of B, `T/(G/B)` steps per block, fixed counts, nothing accepted is revisited.
    private func runLLaDA(_ options: VanillaOptions, steps: Int, stage: DecodingStage) throws {
        let g = canvas.count
        let b = options.blockLength ?? g
        let blocks = g / b
        let perBlock = steps / blocks
        defer { cacheBlock = nil }
        for block in 0..<blocks {
            let range = (block * b)..<((block + 1) * b)
            // A new block refreshes the cache; prefix and dual are defined relative to it.
            cacheBlock = range
            let counts = Schedules.lladaCounts(masked: maskedPositions(in: range).count, steps: perBlock)
            for j in 0..<perBlock {
                beginStep()
                let changes = try unmaskMostConfident(
                    maskedPositions(in: range), count: counts[j], rule: options.unmask, spec: options.spec)
                endStep(stage, block: block, unmasked: changes)
            }
        }
    }

    /// §1b: the float32 time grid; ranked rules accept `⌊M(1 − s/t)⌋`, `origin` flips a coin
    /// per position; the last step takes everything left.
    private func runDream(_ options: VanillaOptions, steps: Int, stage: DecodingStage) throws {
        let grid = Schedules.dreamTimeGrid(steps: steps)
        for j in 0..<steps {
            beginStep()
            let masked = maskedPositions()
            let changes: [TokenChange]
            if options.unmask == .origin {
                changes = try unmaskEach(
                    masked, probability: Schedules.dreamTransferProbability(grid: grid, step: j), spec: options.spec)
            } else {
                let n = j == steps - 1
                    ? masked.count : Schedules.dreamCount(masked: masked.count, t: grid[j], s: grid[j + 1])
                changes = try unmaskMostConfident(masked, count: n, rule: options.unmask, spec: options.spec)
            }
            endStep(stage, unmasked: changes)
        }
    }
}
