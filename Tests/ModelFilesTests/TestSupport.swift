import Foundation
@testable import ModelFiles

/// A fresh temporary folder per test, removed when the value is released.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("tolerator-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: file(name))
    }

    func write(_ name: String, _ data: Data) throws {
        try data.write(to: file(name))
    }
}

/// A safetensors file whose header is given verbatim (to craft lies) followed by `dataBytes` zero bytes.
func rawSafetensors(header: String, dataBytes: Int) -> Data {
    var json = Data(header.utf8)
    while json.count % 8 != 0 { json.append(0x20) }
    var file = Data()
    withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
    file.append(json)
    file.append(Data(count: dataBytes))
    return file
}

/// Calls `body` and returns the `ModelFilesError` it throws (nil if it throws nothing or something else).
func modelError<T>(_ body: () throws -> T) -> ModelFilesError? {
    do {
        _ = try body()
        return nil
    } catch let error as ModelFilesError {
        return error
    } catch {
        return nil
    }
}

/// A tiny configuration of each family, as the real config.json dialects write it.
enum SampleConfigs {
    static let llada = """
    {"model_type": "llada", "architectures": ["LLaDAModelLM"], "d_model": 64, "n_layers": 2, "n_heads": 4,
     "n_kv_heads": 4, "mlp_hidden_size": 96, "mlp_ratio": 4, "vocab_size": 300, "embedding_size": 320,
     "rope": true, "rope_theta": 500000.0, "rms_norm_eps": 1e-05, "include_bias": false, "include_qkv_bias": false,
     "attention_layer_norm": false, "weight_tying": false, "block_type": "llama", "layer_norm_type": "rms",
     "activation_type": "silu", "alibi": false, "max_sequence_length": 4096, "mask_token_id": 310,
     "eos_token_id": 301, "pad_token_id": 301, "torch_dtype": "bfloat16"}
    """

    static let dream = """
    {"model_type": "Dream", "architectures": ["DreamModel"], "hidden_size": 64, "intermediate_size": 96,
     "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 320,
     "rope_theta": 1000000.0, "rms_norm_eps": 1e-06, "tie_word_embeddings": false, "hidden_act": "silu",
     "max_position_embeddings": 2048, "mask_token_id": 315, "pad_token_id": 300, "eos_token_id": 300,
     "bos_token_id": 300, "rope_scaling": null, "torch_dtype": "bfloat16"}
    """

    static let coda = """
    {"model_type": "CoDA", "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 1,
     "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 32, "vocab_size": 320,
     "rope_theta": 1000000.0, "rms_norm_eps": 1e-06, "tie_word_embeddings": true, "attention_bias": false,
     "hidden_act": "silu", "mask_token_id": 316, "pad_token_id": 300, "eos_token_id": [301, 302]}
    """
}
