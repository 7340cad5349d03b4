/// What one forward pass needs in memory, for `tolerator inspect` and for planning.
///
/// Assumes the engine's design: weights stay memory-mapped in their file dtype; 16-bit
/// weights are widened one layer at a time into a float32 scratch; activations are float32;
/// attention scores exist for one head per worker thread; logits only for requested rows.
public struct ForwardMemoryEstimate: Sendable, Equatable, Codable {
    public var weightBytes: Int
    public var layerScratchBytes: Int
    public var activationBytes: Int
    public var attentionBytes: Int
    public var logitBytes: Int

    public var totalBytes: Int { weightBytes + layerScratchBytes + activationBytes + attentionBytes + logitBytes }

    public init(config: ModelConfig, weightBytes: Int, storedAsFloat32: Bool,
                sequenceLength: Int, logitRows: Int, threads: Int) {
        let names = WeightNames(config: config)
        let layerElements = WeightNames.LayerRole.allCases.compactMap(names.shape).reduce(0) { $0 + $1.reduce(1, *) }
        self.weightBytes = weightBytes
        layerScratchBytes = storedAsFloat32 ? 0 : layerElements * 4
        let qWidth = config.headCount * config.headDim
        let kvWidth = config.kvHeadCount * config.headDim
        // residual, normed input, attention output, q, k, v, gate, up.
        let perToken = 3 * config.hiddenSize + qWidth + 2 * kvWidth + 2 * config.intermediateSize
        activationBytes = sequenceLength * perToken * 4
        attentionBytes = max(1, threads) * sequenceLength * sequenceLength * 4
        logitBytes = logitRows * config.vocabularySize * 4 + logitRows * config.hiddenSize * 4
    }

    enum CodingKeys: String, CodingKey {
        case weightBytes = "weight_bytes"
        case layerScratchBytes = "layer_scratch_bytes"
        case activationBytes = "activation_bytes"
        case attentionBytes = "attention_bytes"
        case logitBytes = "logit_bytes"
    }
}
