import Foundation

/// `eos_token_id` is an int in some configs and a list in others.
struct IntOrList: Decodable, Equatable {
    let values: [Int]
    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let single = try? container.decode(Int.self) {
            values = [single]
        } else {
            values = try container.decode([Int].self)
        }
    }
}

/// LLaDA's OLMo-derived config.json keys.
struct OLMoRawConfig: Decodable {
    var dModel: Int?
    var nLayers: Int?
    var nHeads: Int?
    var nKVHeads: Int?
    var mlpHiddenSize: Int?
    var mlpRatio: Int?
    var vocabSize: Int?
    var embeddingSize: Int?
    var ropeTheta: Double?
    var rmsNormEps: Double?
    var includeBias: Bool?
    var includeQKVBias: Bool?
    var attentionLayerNorm: Bool?
    var weightTying: Bool?
    var alibi: Bool?
    var blockType: String?
    var layerNormType: String?
    var activationType: String?
    var maxSequenceLength: Int?
    var maskTokenID: Int?
    var eosTokenID: IntOrList?
    var padTokenID: Int?
    var bosTokenID: Int?
    var numExperts: Int?
    var torchDType: String?

    enum CodingKeys: String, CodingKey {
        case dModel = "d_model"
        case nLayers = "n_layers"
        case nHeads = "n_heads"
        case nKVHeads = "n_kv_heads"
        case mlpHiddenSize = "mlp_hidden_size"
        case mlpRatio = "mlp_ratio"
        case vocabSize = "vocab_size"
        case embeddingSize = "embedding_size"
        case ropeTheta = "rope_theta"
        case rmsNormEps = "rms_norm_eps"
        case includeBias = "include_bias"
        case includeQKVBias = "include_qkv_bias"
        case attentionLayerNorm = "attention_layer_norm"
        case weightTying = "weight_tying"
        case alibi
        case blockType = "block_type"
        case layerNormType = "layer_norm_type"
        case activationType = "activation_type"
        case maxSequenceLength = "max_sequence_length"
        case maskTokenID = "mask_token_id"
        case eosTokenID = "eos_token_id"
        case padTokenID = "pad_token_id"
        case bosTokenID = "bos_token_id"
        case numExperts = "num_experts"
        case torchDType = "torch_dtype"
    }
}

/// Hugging Face Llama / Qwen2 / Qwen3 / Dream / CoDA keys.
struct HFRawConfig: Decodable {
    struct RopeParameters: Decodable {
        var ropeTheta: Double?
        var ropeType: String?
        enum CodingKeys: String, CodingKey {
            case ropeTheta = "rope_theta"
            case ropeType = "rope_type"
        }
    }

    var hiddenSize: Int?
    var intermediateSize: Int?
    var numHiddenLayers: Int?
    var numAttentionHeads: Int?
    var numKeyValueHeads: Int?
    var headDim: Int?
    var vocabSize: Int?
    var ropeTheta: Double?
    var ropeParameters: RopeParameters?
    var ropeScaling: RopeParameters?
    var rmsNormEps: Double?
    var tieWordEmbeddings: Bool?
    var attentionBias: Bool?
    var hiddenAct: String?
    var maxPositionEmbeddings: Int?
    var maskTokenID: Int?
    var eosTokenID: IntOrList?
    var padTokenID: Int?
    var bosTokenID: Int?
    var torchDType: String?
    var dtype: String?
    var numExperts: Int?

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "hidden_size"
        case intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads"
        case numKeyValueHeads = "num_key_value_heads"
        case headDim = "head_dim"
        case vocabSize = "vocab_size"
        case ropeTheta = "rope_theta"
        case ropeParameters = "rope_parameters"
        case ropeScaling = "rope_scaling"
        case rmsNormEps = "rms_norm_eps"
        case tieWordEmbeddings = "tie_word_embeddings"
        case attentionBias = "attention_bias"
        case hiddenAct = "hidden_act"
        case maxPositionEmbeddings = "max_position_embeddings"
        case maskTokenID = "mask_token_id"
        case eosTokenID = "eos_token_id"
        case padTokenID = "pad_token_id"
        case bosTokenID = "bos_token_id"
        case torchDType = "torch_dtype"
        case dtype
        case numExperts = "num_experts"
    }
}

/// Keys of generation_config.json that matter for special ids.
struct GenerationRawConfig: Decodable {
    var maskTokenID: Int?
    var eosTokenID: IntOrList?
    var padTokenID: Int?
    var bosTokenID: Int?

    enum CodingKeys: String, CodingKey {
        case maskTokenID = "mask_token_id"
        case eosTokenID = "eos_token_id"
        case padTokenID = "pad_token_id"
        case bosTokenID = "bos_token_id"
    }
}

private struct ModelTypeProbe: Decodable {
    var modelType: String?
    enum CodingKeys: String, CodingKey { case modelType = "model_type" }
}

extension ModelConfig {
    /// `model_type` values we read, and how each maps to a layout and family.
    static let supportedModelTypes = ["llada", "Dream", "qwen2", "qwen3", "CoDA", "llama"]

    /// Parses a config.json's bytes. `file` names it in errors.
    public static func parse(configJSON data: Data, file: String = "config.json") throws -> ModelConfig {
        let probe: ModelTypeProbe
        do {
            probe = try JSONDecoder().decode(ModelTypeProbe.self, from: data)
        } catch {
            throw ModelFilesError.invalidConfig(file: file, field: "(root)", reason: "not a JSON object")
        }
        guard let modelType = probe.modelType else {
            throw ModelFilesError.missingConfigField(file: file, field: "model_type")
        }
        switch modelType.lowercased() {
        case "llada":
            return try fromOLMo(decode(OLMoRawConfig.self, data, file: file), modelType: modelType, file: file)
        case "dream", "qwen2", "qwen3", "coda", "llama":
            return try fromHF(decode(HFRawConfig.self, data, file: file), modelType: modelType, file: file)
        default:
            throw ModelFilesError.unknownModelType(file: file, modelType: modelType, supported: supportedModelTypes)
        }
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ data: Data, file: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw ModelFilesError.invalidConfig(file: file, field: field, reason: "wrong type")
        } catch {
            throw ModelFilesError.invalidConfig(file: file, field: "(root)", reason: "cannot decode: \(error)")
        }
    }

    private static func require<T>(_ value: T?, _ field: String, _ file: String) throws -> T {
        guard let value else { throw ModelFilesError.missingConfigField(file: file, field: field) }
        return value
    }

    private static func positive(_ value: Int, _ field: String, _ file: String) throws -> Int {
        guard value > 0 else { throw ModelFilesError.invalidConfig(file: file, field: field, reason: "must be positive, got \(value)") }
        return value
    }

    private static func unsupported(_ file: String, _ field: String, _ what: String) -> ModelFilesError {
        .invalidConfig(file: file, field: field, reason: "\(what) is not supported")
    }

    static func fromOLMo(_ raw: OLMoRawConfig, modelType: String, file: String) throws -> ModelConfig {
        if let experts = raw.numExperts, experts > 0 { throw unsupported(file, "num_experts", "mixture-of-experts (LLaDA-MoE)") }
        if raw.alibi == true { throw unsupported(file, "alibi", "ALiBi attention") }
        if raw.includeBias == true { throw unsupported(file, "include_bias", "biases on every linear layer") }
        if raw.attentionLayerNorm == true { throw unsupported(file, "attention_layer_norm", "OLMo full-width QK layer norm") }
        if let block = raw.blockType, block != "llama" { throw unsupported(file, "block_type", "block_type '\(block)'") }
        if let norm = raw.layerNormType, norm != "rms" { throw unsupported(file, "layer_norm_type", "layer_norm_type '\(norm)'") }
        if let act = raw.activationType, act != "silu", act != "swiglu" { throw unsupported(file, "activation_type", "activation '\(act)'") }

        let hidden = try positive(require(raw.dModel, "d_model", file), "d_model", file)
        let heads = try positive(require(raw.nHeads, "n_heads", file), "n_heads", file)
        let kvHeads = try positive(raw.nKVHeads ?? heads, "n_kv_heads", file)
        guard hidden % heads == 0 else { throw ModelFilesError.invalidConfig(file: file, field: "n_heads", reason: "d_model \(hidden) is not divisible by \(heads) heads") }
        guard heads % kvHeads == 0 else { throw ModelFilesError.invalidConfig(file: file, field: "n_kv_heads", reason: "\(heads) heads are not divisible into \(kvHeads) KV groups") }
        let ffn: Int
        if let size = raw.mlpHiddenSize { ffn = size } else if let ratio = raw.mlpRatio { ffn = ratio * hidden } else {
            throw ModelFilesError.missingConfigField(file: file, field: "mlp_hidden_size")
        }
        let vocab = try positive(raw.embeddingSize ?? require(raw.vocabSize, "vocab_size", file), "vocab_size", file)
        return ModelConfig(
            modelType: modelType, family: .llada, layout: .olmo,
            hiddenSize: hidden, intermediateSize: try positive(ffn, "mlp_hidden_size", file),
            layerCount: try positive(require(raw.nLayers, "n_layers", file), "n_layers", file),
            headCount: heads, kvHeadCount: kvHeads, headDim: hidden / heads, vocabularySize: vocab,
            ropeTheta: raw.ropeTheta ?? 10_000, rmsNormEps: Float(raw.rmsNormEps ?? 1e-5),
            attentionBias: raw.includeQKVBias ?? false, qkNorm: false, tiedEmbeddings: raw.weightTying ?? false,
            maxPositions: raw.maxSequenceLength, storedDType: raw.torchDType,
            specialTokens: SpecialTokens(maskID: raw.maskTokenID, bosID: raw.bosTokenID,
                                         eosIDs: raw.eosTokenID?.values ?? [], padID: raw.padTokenID))
    }

    static func fromHF(_ raw: HFRawConfig, modelType: String, file: String) throws -> ModelConfig {
        let kind = modelType.lowercased()
        if let experts = raw.numExperts, experts > 0 { throw unsupported(file, "num_experts", "mixture-of-experts") }
        if let act = raw.hiddenAct, act != "silu" { throw unsupported(file, "hidden_act", "activation '\(act)'") }
        if let scaling = raw.ropeScaling, let type = scaling.ropeType, type != "default" {
            throw unsupported(file, "rope_scaling", "RoPE scaling '\(type)'")
        }
        if let type = raw.ropeParameters?.ropeType, type != "default" {
            throw unsupported(file, "rope_parameters.rope_type", "RoPE type '\(type)'")
        }
        let hidden = try positive(require(raw.hiddenSize, "hidden_size", file), "hidden_size", file)
        let heads = try positive(require(raw.numAttentionHeads, "num_attention_heads", file), "num_attention_heads", file)
        let kvHeads = try positive(raw.numKeyValueHeads ?? heads, "num_key_value_heads", file)
        guard heads % kvHeads == 0 else { throw ModelFilesError.invalidConfig(file: file, field: "num_key_value_heads", reason: "\(heads) heads are not divisible into \(kvHeads) KV groups") }
        let headDim: Int
        if let explicit = raw.headDim { headDim = try positive(explicit, "head_dim", file) } else {
            guard hidden % heads == 0 else { throw ModelFilesError.invalidConfig(file: file, field: "num_attention_heads", reason: "hidden_size \(hidden) is not divisible by \(heads) heads and no head_dim is given") }
            headDim = hidden / heads
        }
        guard headDim % 2 == 0 else { throw ModelFilesError.invalidConfig(file: file, field: "head_dim", reason: "rotate-half RoPE needs an even head dimension, got \(headDim)") }
        // Qwen2-style models (Dream and its relatives) always carry q/k/v biases.
        let qwen2Style = kind == "dream" || kind == "qwen2"
        let qk = kind == "qwen3" || kind == "coda"
        return ModelConfig(
            modelType: modelType, family: kind == "llama" ? .llada : .dream, layout: .huggingFace,
            hiddenSize: hidden,
            intermediateSize: try positive(require(raw.intermediateSize, "intermediate_size", file), "intermediate_size", file),
            layerCount: try positive(require(raw.numHiddenLayers, "num_hidden_layers", file), "num_hidden_layers", file),
            headCount: heads, kvHeadCount: kvHeads, headDim: headDim,
            vocabularySize: try positive(require(raw.vocabSize, "vocab_size", file), "vocab_size", file),
            ropeTheta: raw.ropeTheta ?? raw.ropeParameters?.ropeTheta ?? 10_000,
            rmsNormEps: Float(raw.rmsNormEps ?? 1e-6),
            attentionBias: qwen2Style ? true : (raw.attentionBias ?? false), qkNorm: qk,
            tiedEmbeddings: raw.tieWordEmbeddings ?? false, maxPositions: raw.maxPositionEmbeddings,
            storedDType: raw.torchDType ?? raw.dtype,
            specialTokens: SpecialTokens(maskID: raw.maskTokenID, bosID: raw.bosTokenID,
                                         eosIDs: raw.eosTokenID?.values ?? [], padID: raw.padTokenID))
    }
}
