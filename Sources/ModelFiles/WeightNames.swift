/// The one place that maps architectural roles to checkpoint tensor names, per layout.
///
/// LLaDA's OLMo names have two traps: `ff_proj` is the *gate* (SiLU applies to it), and
/// `ff_out` is the down-projection inside a block but the LM head at the top level.
public struct WeightNames: Sendable {
    public let config: ModelConfig

    public init(config: ModelConfig) { self.config = config }

    public enum LayerRole: String, Sendable, CaseIterable {
        case attentionNorm, query, key, value, queryBias, keyBias, valueBias
        case queryNorm, keyNorm, output, mlpNorm, gate, up, down
    }

    public var embedding: String {
        config.layout == .olmo ? "model.transformer.wte.weight" : "model.embed_tokens.weight"
    }

    public var finalNorm: String {
        config.layout == .olmo ? "model.transformer.ln_f.weight" : "model.norm.weight"
    }

    /// nil when the head is tied to the embedding.
    public var lmHead: String? {
        if config.tiedEmbeddings { return nil }
        return config.layout == .olmo ? "model.transformer.ff_out.weight" : "lm_head.weight"
    }

    public func name(_ role: LayerRole, layer: Int) -> String {
        switch config.layout {
        case .olmo:
            let prefix = "model.transformer.blocks.\(layer)."
            switch role {
            case .attentionNorm: return prefix + "attn_norm.weight"
            case .query: return prefix + "q_proj.weight"
            case .key: return prefix + "k_proj.weight"
            case .value: return prefix + "v_proj.weight"
            case .queryBias: return prefix + "q_proj.bias"
            case .keyBias: return prefix + "k_proj.bias"
            case .valueBias: return prefix + "v_proj.bias"
            case .queryNorm: return prefix + "q_norm.weight"
            case .keyNorm: return prefix + "k_norm.weight"
            case .output: return prefix + "attn_out.weight"
            case .mlpNorm: return prefix + "ff_norm.weight"
            case .gate: return prefix + "ff_proj.weight"
            case .up: return prefix + "up_proj.weight"
            case .down: return prefix + "ff_out.weight"
            }
        case .huggingFace:
            let prefix = "model.layers.\(layer)."
            switch role {
            case .attentionNorm: return prefix + "input_layernorm.weight"
            case .query: return prefix + "self_attn.q_proj.weight"
            case .key: return prefix + "self_attn.k_proj.weight"
            case .value: return prefix + "self_attn.v_proj.weight"
            case .queryBias: return prefix + "self_attn.q_proj.bias"
            case .keyBias: return prefix + "self_attn.k_proj.bias"
            case .valueBias: return prefix + "self_attn.v_proj.bias"
            case .queryNorm: return prefix + "self_attn.q_norm.weight"
            case .keyNorm: return prefix + "self_attn.k_norm.weight"
            case .output: return prefix + "self_attn.o_proj.weight"
            case .mlpNorm: return prefix + "post_attention_layernorm.weight"
            case .gate: return prefix + "mlp.gate_proj.weight"
            case .up: return prefix + "mlp.up_proj.weight"
            case .down: return prefix + "mlp.down_proj.weight"
            }
        }
    }

    /// Shape of a layer tensor, or nil when this configuration has no such tensor.
    public func shape(_ role: LayerRole) -> [Int]? {
        let c = config
        let qWidth = c.headCount * c.headDim
        let kvWidth = c.kvHeadCount * c.headDim
        switch role {
        case .attentionNorm, .mlpNorm: return [c.hiddenSize]
        case .query: return [qWidth, c.hiddenSize]
        case .key, .value: return [kvWidth, c.hiddenSize]
        case .queryBias: return c.attentionBias ? [qWidth] : nil
        case .keyBias, .valueBias: return c.attentionBias ? [kvWidth] : nil
        case .queryNorm, .keyNorm: return c.qkNorm ? [c.headDim] : nil
        case .output: return [c.hiddenSize, qWidth]
        case .gate, .up: return [c.intermediateSize, c.hiddenSize]
        case .down: return [c.hiddenSize, c.intermediateSize]
        }
    }

    /// Every tensor a complete checkpoint of this configuration holds, with its shape.
    public func expectedShapes() -> [String: [Int]] {
        var shapes: [String: [Int]] = [
            embedding: [config.vocabularySize, config.hiddenSize],
            finalNorm: [config.hiddenSize],
        ]
        if let lmHead { shapes[lmHead] = [config.vocabularySize, config.hiddenSize] }
        for layer in 0..<config.layerCount {
            for role in LayerRole.allCases {
                if let shape = shape(role) { shapes[name(role, layer: layer)] = shape }
            }
        }
        return shapes
    }
}
