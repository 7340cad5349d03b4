import Foundation
import ModelFiles

/// Named model shapes for `tolerator bench forward`: real architectures' dimensions, built
/// in memory with random weights (a "-1layer" shape keeps one block of a large model).
public enum BenchmarkShapes {
    public static let names = ["qwen2.5-0.5b", "llada-8b-1layer", "dream-7b-1layer", "coda-1.7b-1layer", "tiny-1024"]

    public static func config(named name: String) throws -> ModelConfig {
        let json: String
        switch name {
        case "qwen2.5-0.5b":
            // Qwen2.5-0.5B / Open-dCoder: tied head, q/k/v biases.
            json = hf("qwen2", hidden: 896, ff: 4864, layers: 24, heads: 14, kv: 2, vocab: 151_936, tied: true)
        case "llada-8b-1layer":
            json = """
                {"model_type": "llada", "d_model": 4096, "n_layers": 1, "n_heads": 32, "n_kv_heads": 32,
                 "mlp_hidden_size": 12288, "vocab_size": 126464, "rope_theta": 500000.0, "rms_norm_eps": 1e-5,
                 "weight_tying": false}
                """
        case "dream-7b-1layer":
            json = hf("Dream", hidden: 3584, ff: 18944, layers: 1, heads: 28, kv: 4, vocab: 152_064, tied: false)
        case "coda-1.7b-1layer":
            json = hf("CoDA", hidden: 2048, ff: 6144, layers: 1, heads: 16, kv: 8, vocab: 151_936, tied: false,
                      headDim: 128)
        case "tiny-1024":
            // The random model of engines.md's llama.cpp measurement.
            json = """
                {"model_type": "llada", "d_model": 1024, "n_layers": 4, "n_heads": 16, "n_kv_heads": 16,
                 "mlp_hidden_size": 2816, "vocab_size": 32768, "rope_theta": 500000.0, "rms_norm_eps": 1e-5,
                 "weight_tying": false}
                """
        default:
            throw InferenceError.unknownShape(name: name, known: names)
        }
        return try ModelConfig.parse(configJSON: Data(json.utf8), file: "shape \(name)")
    }

    private static func hf(_ type: String, hidden: Int, ff: Int, layers: Int, heads: Int, kv: Int, vocab: Int,
                           tied: Bool, headDim: Int? = nil) -> String {
        """
        {"model_type": "\(type)", "hidden_size": \(hidden), "intermediate_size": \(ff), "num_hidden_layers": \(layers),
         "num_attention_heads": \(heads), "num_key_value_heads": \(kv), "vocab_size": \(vocab),
         "rope_theta": 1000000.0, "rms_norm_eps": 1e-6, "tie_word_embeddings": \(tied)\(headDim.map { ", \"head_dim\": \($0)" } ?? "")}
        """
    }
}

/// FLOPs of one forward (engines.md §5): 2·L·P_body + 2·R·d·V + 4·n_layer·L²·(n_head·d_head).
public struct ForwardFLOPs: Sendable, Equatable {
    public let body: Double
    public let head: Double
    public let attention: Double
    public var total: Double { body + head + attention }

    /// FLOPs of one row through one layer: its key and value projections, and everything else
    /// (query and output projections, MLP).
    static func perRowAndLayer(_ c: ModelConfig) -> (keysValues: Double, everythingElse: Double) {
        let qWidth = Double(c.headCount * c.headDim)
        let kvWidth = Double(c.kvHeadCount * c.headDim)
        let d = Double(c.hiddenSize)
        return (2 * 2 * d * kvWidth, 2 * (2 * d * qWidth + 3 * d * Double(c.intermediateSize)))
    }

    /// engines.md §5: every one of `length` rows through every layer, `rows` LM-head rows.
    public init(config c: ModelConfig, length: Int, rows: Int) {
        self.init(config: c, length: length, computed: length, lastQueries: length, rows: rows)
    }

    /// A forward that computes `computed` of `length` rows (queries, keys, values, MLP) through
    /// every layer but the last, where only `lastQueries` of them (the rows whose logits are
    /// read) get queries, attention, output projection and MLP and the rest keys and values
    /// only; queries attend to all `length` keys; `rows` LM-head rows.
    public init(config c: ModelConfig, length: Int, computed: Int, lastQueries: Int, rows: Int) {
        let (keysValues, everythingElse) = Self.perRowAndLayer(c)
        let layers = Double(c.layerCount)
        let rowLayers = Double(computed) * (layers - 1) + Double(lastQueries)
        body = keysValues * Double(computed) * layers + everythingElse * rowLayers
        head = 2 * Double(rows) * Double(c.hiddenSize) * Double(c.vocabularySize)
        attention = 4 * Double(length) * Double(c.headCount * c.headDim) * rowLayers
    }
}
