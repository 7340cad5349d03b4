/// The one normalised description of a supported dLLM, whatever its config.json dialect.
public struct ModelConfig: Sendable, Codable, Equatable {
    /// Decoding family: decides the logit shift and the default vanilla variant.
    public enum Family: String, Sendable, Codable {
        /// LLaDA: row i predicts token i.
        case llada
        /// Dream, DiffuCoder, Dream-Coder, Open-dCoder, CoDA: row i-1 predicts token i.
        case dream
    }

    /// Which tensor naming scheme the checkpoint uses (see `WeightNames`).
    public enum Layout: String, Sendable, Codable {
        /// OLMo-style names of LLaDA (`model.transformer.blocks.N.ff_proj`, ...).
        case olmo
        /// Hugging Face Llama/Qwen2/Qwen3 names (`model.layers.N.self_attn.q_proj`, ...).
        case huggingFace = "hf"
    }

    public var modelType: String
    public var family: Family
    public var layout: Layout
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var kvHeadCount: Int
    public var headDim: Int
    public var vocabularySize: Int
    public var ropeTheta: Double
    public var rmsNormEps: Float
    /// q/k/v projections carry biases (Qwen2 pattern).
    public var attentionBias: Bool
    /// Per-head RMSNorm of q and k before RoPE (Qwen3 / CoDA).
    public var qkNorm: Bool
    /// The LM head shares the embedding matrix.
    public var tiedEmbeddings: Bool
    public var maxPositions: Int?
    /// `torch_dtype` as written, e.g. "bfloat16".
    public var storedDType: String?
    public var specialTokens: SpecialTokens

    /// Dream-family models predict position i from output row i-1.
    public var usesLogitShift: Bool { family == .dream }

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type"
        case family, layout
        case hiddenSize = "hidden_size"
        case intermediateSize = "intermediate_size"
        case layerCount = "num_layers"
        case headCount = "num_heads"
        case kvHeadCount = "num_kv_heads"
        case headDim = "head_dim"
        case vocabularySize = "vocab_size"
        case ropeTheta = "rope_theta"
        case rmsNormEps = "rms_norm_eps"
        case attentionBias = "attention_bias"
        case qkNorm = "qk_norm"
        case tiedEmbeddings = "tied_embeddings"
        case maxPositions = "max_positions"
        case storedDType = "stored_dtype"
        case specialTokens = "special_tokens"
    }
}

/// Token ids that decoding treats specially.
public struct SpecialTokens: Sendable, Codable, Equatable {
    public var maskID: Int?
    public var bosID: Int?
    public var eosIDs: [Int]
    public var endOfTurnID: Int?
    public var padID: Int?
    /// Set by a user override; replaces the derived stop ids.
    public var explicitStopIDs: [Int]?

    public init(maskID: Int? = nil, bosID: Int? = nil, eosIDs: [Int] = [], endOfTurnID: Int? = nil, padID: Int? = nil,
                explicitStopIDs: [Int]? = nil) {
        self.maskID = maskID
        self.bosID = bosID
        self.eosIDs = eosIDs
        self.endOfTurnID = endOfTurnID
        self.padID = padID
        self.explicitStopIDs = explicitStopIDs
    }

    /// Ids that end an answer: every EOS, the end-of-turn token and the pad token, deduplicated
    /// in that order, unless the user named them explicitly.
    public var stopIDs: [Int] {
        if let explicitStopIDs { return explicitStopIDs }
        var seen = Set<Int>()
        return (eosIDs + [endOfTurnID, padID].compactMap { $0 }).filter { seen.insert($0).inserted }
    }

    enum CodingKeys: String, CodingKey {
        case maskID = "mask_id"
        case bosID = "bos_id"
        case eosIDs = "eos_ids"
        case endOfTurnID = "end_of_turn_id"
        case padID = "pad_id"
        case explicitStopIDs = "explicit_stop_ids"
    }
}

extension ModelConfig {
    /// Parameters implied by the configuration (what a complete checkpoint must hold).
    public var expectedParameterCount: Int {
        WeightNames(config: self).expectedShapes().values.reduce(0) { $0 + $1.reduce(1, *) }
    }
}
