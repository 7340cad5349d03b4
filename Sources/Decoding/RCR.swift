extension Session {
    /// Running Confidence Remasking (spec §3), "linear" targets, `steps` steps.
    ///
    /// Each step fills every masked block position; a position's running confidence is the
    /// highest confidence seen for its token since that token last changed (a remasked position
    /// refilled with the same token keeps its maximum). Before the block's last step only the
    /// `n_j` originally masked block positions with the highest running confidence stay
    /// (ties: lower position), so early weak tokens can be taken back.
    func runRCR(_ options: RCROptions, steps: Int) throws {
        let g = canvas.count
        let b = options.blockLength ?? g
        let blocks = g / b
        let perBlock = steps / blocks
        var running = [Double](repeating: -.infinity, count: g)
        var lastToken = [Int](repeating: -1, count: g)
        defer { cacheBlock = nil }
        for block in 0..<blocks {
            let range = (block * b)..<((block + 1) * b)
            cacheBlock = range
            let original = maskedPositions(in: range)
            let targets = Schedules.rcrTargets(masked: original.count, steps: perBlock)
            for j in 0..<perBlock {
                beginStep()
                let masked = maskedPositions(in: range)
                guard !masked.isEmpty else {
                    endStep(.decode, block: block)
                    continue
                }
                let rows = try forward(masked)
                let found = try candidates(rows, positions: masked, options.spec)
                for (p, c) in zip(masked, found) {
                    running[p] = lastToken[p] == c.token ? max(running[p], c.confidence) : c.confidence
                    lastToken[p] = c.token
                }
                let filled = write(found.map(\.token), at: masked)
                var remasked: [TokenChange] = []
                if j < perBlock - 1 {
                    let keep = Set(Self.topK(original, scores: original.map { running[$0] }, targets[j]))
                    let drop = original.filter { !keep.contains($0) }
                    remasked = write(drop.map { _ in maskId }, at: drop)
                }
                endStep(.decode, block: block, unmasked: filled, remasked: remasked)
            }
        }
    }
}
