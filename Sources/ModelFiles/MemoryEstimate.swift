/// What one forward pass needs in memory, for `tolerator inspect` and for planning.
///
/// Mirrors the engine in `Inference`: weights stay memory-mapped in their file dtype; each
/// worker thread widens 16-bit weights one tile (`widenTileElements` floats) at a time;
/// activations are float32; each worker holds attention scores for a block of
/// `attentionBlockRows(length:)` queries; logits exist only for the requested rows.
public struct ForwardMemoryEstimate: Sendable, Equatable, Codable {
    public var weightBytes: Int
    public var layerScratchBytes: Int
    public var activationBytes: Int
    public var attentionBytes: Int
    public var logitBytes: Int

    /// Same value as `LinearEngine.defaultTileElements`.
    public static let widenTileElements = 1 << 20

    /// Query rows per attention block against `length` keys (the engine's `Attention` uses this):
    /// a block's scores stay within 512 KiB (in L2 with the keys and values between QKᵀ, softmax
    /// and PV), but a block has at least 128 rows, since each block repacks the keys and values.
    /// At 512 keys, 256 rows rather than 128 measured 2-3% less CPU time per tiny-1024 forward.
    public static func attentionBlockRows(length: Int) -> Int {
        max(128, (1 << 17) / max(1, length))
    }

    public var totalBytes: Int { weightBytes + layerScratchBytes + activationBytes + attentionBytes + logitBytes }

    public init(config: ModelConfig, weightBytes: Int, storedAsFloat32: Bool,
                sequenceLength: Int, logitRows: Int, threads: Int) {
        let names = WeightNames(config: config)
        let largestMatrix = WeightNames.LayerRole.allCases.compactMap(names.shape).map { $0.reduce(1, *) }.max() ?? 0
        let workers = max(1, threads)
        self.weightBytes = weightBytes
        layerScratchBytes = storedAsFloat32 ? 0 : workers * min(Self.widenTileElements, largestMatrix) * 4
        let qWidth = config.headCount * config.headDim
        let kvWidth = config.kvHeadCount * config.headDim
        // residual, normed input, attention output, q, k, v, gate, up.
        let perToken = 3 * config.hiddenSize + qWidth + 2 * kvWidth + 2 * config.intermediateSize
        activationBytes = sequenceLength * perToken * 4
        attentionBytes = workers * min(Self.attentionBlockRows(length: sequenceLength), sequenceLength) * sequenceLength * 4
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
