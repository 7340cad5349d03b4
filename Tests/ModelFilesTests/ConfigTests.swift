import Foundation
import Testing
@testable import ModelFiles

@Suite struct ConfigTests {
    @Test func lladaOLMoKeysNormalise() throws {
        let config = try ModelConfig.parse(configJSON: Data(SampleConfigs.llada.utf8))
        #expect(config.family == .llada)
        #expect(config.layout == .olmo)
        #expect(!config.usesLogitShift)
        #expect(config.hiddenSize == 64)
        #expect(config.intermediateSize == 96)
        #expect(config.layerCount == 2)
        #expect(config.headCount == 4 && config.kvHeadCount == 4 && config.headDim == 16)
        #expect(config.vocabularySize == 320, "embedding_size wins over vocab_size: it is the number of rows")
        #expect(config.ropeTheta == 500_000)
        #expect(config.rmsNormEps == 1e-5)
        #expect(!config.attentionBias && !config.qkNorm && !config.tiedEmbeddings)
        #expect(config.specialTokens == SpecialTokens(maskID: 310, eosIDs: [301], padID: 301))
    }

    @Test func dreamKeysNormaliseWithBiasAndShift() throws {
        let config = try ModelConfig.parse(configJSON: Data(SampleConfigs.dream.utf8))
        #expect(config.family == .dream && config.usesLogitShift)
        #expect(config.layout == .huggingFace)
        #expect(config.attentionBias, "Dream is Qwen2: q/k/v always carry biases")
        #expect(config.kvHeadCount == 2 && config.headDim == 16)
        #expect(config.ropeTheta == 1_000_000)
        #expect(config.specialTokens.stopIDs == [300])
    }

    @Test func codaHasQKNormTiedHeadAndEOSList() throws {
        let config = try ModelConfig.parse(configJSON: Data(SampleConfigs.coda.utf8))
        #expect(config.qkNorm && !config.attentionBias && config.tiedEmbeddings)
        #expect(config.headDim == 32, "explicit head_dim wins over hidden/heads")
        #expect(config.specialTokens.stopIDs == [301, 302, 300])
        #expect(WeightNames(config: config).lmHead == nil)
        #expect(WeightNames(config: config).expectedShapes()["model.layers.0.self_attn.q_norm.weight"] == [32])
        #expect(WeightNames(config: config).expectedShapes()["model.layers.0.self_attn.q_proj.weight"] == [128, 64])
    }

    @Test func realSizedParameterCountsMatchPublishedFigures() throws {
        // Qwen2.5-7B layout (Dream-v0-Instruct-7B): 7,615,616,512 parameters.
        let dream7b = """
        {"model_type": "Dream", "hidden_size": 3584, "intermediate_size": 18944, "num_hidden_layers": 28,
         "num_attention_heads": 28, "num_key_value_heads": 4, "vocab_size": 152064, "rope_theta": 1000000.0,
         "rms_norm_eps": 1e-06, "tie_word_embeddings": false, "mask_token_id": 151666, "eos_token_id": 151643}
        """
        #expect(try ModelConfig.parse(configJSON: Data(dream7b.utf8)).expectedParameterCount == 7_615_616_512)
        // LLaDA-8B: 291 tensors, about 8.02 B parameters.
        let llada8b = """
        {"model_type": "llada", "d_model": 4096, "n_layers": 32, "n_heads": 32, "n_kv_heads": 32,
         "mlp_hidden_size": 12288, "vocab_size": 126464, "embedding_size": 126464, "rope_theta": 500000.0,
         "include_qkv_bias": false, "weight_tying": false, "mask_token_id": 126336, "eos_token_id": 126081}
        """
        let config = try ModelConfig.parse(configJSON: Data(llada8b.utf8))
        #expect(WeightNames(config: config).expectedShapes().count == 291)
        #expect(config.expectedParameterCount == 8_015_581_184)
    }

    @Test func lladaNameTrapsAreMappedInOnePlace() throws {
        let names = WeightNames(config: try ModelConfig.parse(configJSON: Data(SampleConfigs.llada.utf8)))
        #expect(names.name(.gate, layer: 3) == "model.transformer.blocks.3.ff_proj.weight")
        #expect(names.name(.down, layer: 3) == "model.transformer.blocks.3.ff_out.weight")
        #expect(names.lmHead == "model.transformer.ff_out.weight")
        #expect(names.name(.output, layer: 0) == "model.transformer.blocks.0.attn_out.weight")
    }

    @Test func unknownModelTypeIsNamed() {
        let error = modelError { try ModelConfig.parse(configJSON: Data(#"{"model_type": "mamba"}"#.utf8), file: "x/config.json") }
        #expect(error == .unknownModelType(file: "x/config.json", modelType: "mamba", supported: ModelConfig.supportedModelTypes))
    }

    @Test func missingAndMistypedFieldsAreNamed() {
        #expect(modelError { try ModelConfig.parse(configJSON: Data(#"{"hidden_size": 3}"#.utf8)) }
            == .missingConfigField(file: "config.json", field: "model_type"))
        #expect(modelError { try ModelConfig.parse(configJSON: Data(#"{"model_type": "Dream", "hidden_size": 64}"#.utf8)) }
            == .missingConfigField(file: "config.json", field: "num_attention_heads"))
        #expect(modelError { try ModelConfig.parse(configJSON: Data(#"{"model_type": "llada", "d_model": "big"}"#.utf8)) }
            == .invalidConfig(file: "config.json", field: "d_model", reason: "wrong type"))
        let moe = #"{"model_type": "llada", "d_model": 64, "n_layers": 1, "n_heads": 4, "mlp_hidden_size": 8, "vocab_size": 9, "num_experts": 64}"#
        guard case .invalidConfig(_, "num_experts", _) = modelError({ try ModelConfig.parse(configJSON: Data(moe.utf8)) }) else {
            Issue.record("MoE config must be refused by name")
            return
        }
    }

    @Test func generationConfigTokenLookupAndOverridesApplyInOrder() throws {
        let folder = try TemporaryFolder()
        try folder.write("config.json", SampleConfigs.dream)
        // Dream's generation config says mask_token_id: null; the config.json value must survive.
        try folder.write("generation_config.json", #"{"mask_token_id": null, "eos_token_id": [305, 300], "bos_token_id": 299}"#)
        let lookup: (String) -> Int? = { ["<|im_end|>": 304, "<|mask|>": 999][$0] }
        let folderConfig = try ModelFolder(directory: folder.url, tokenID: lookup).config
        #expect(folderConfig.specialTokens == SpecialTokens(maskID: 315, bosID: 299, eosIDs: [305, 300], endOfTurnID: 304, padID: 300))
        #expect(folderConfig.specialTokens.stopIDs == [305, 300, 304])

        let overridden = try ModelFolder(directory: folder.url, overrides: .init(maskID: 7, stopIDs: [8, 9]), tokenID: lookup).config
        #expect(overridden.specialTokens.maskID == 7)
        #expect(overridden.specialTokens.stopIDs == [8, 9])

        let outside = modelError { try ModelFolder(directory: folder.url, overrides: .init(maskID: 100_000)) }
        // The user's override is to blame, not the folder's config.json.
        guard case .invalidOverride("--mask-id", 100_000, _, _) = outside else { Issue.record("got \(String(describing: outside))"); return }
    }

    @Test func maskIDFallsBackToTheFamilyTokenName() throws {
        let folder = try TemporaryFolder()
        try folder.write("config.json", SampleConfigs.llada.replacingOccurrences(of: #""mask_token_id": 310,"#, with: ""))
        let config = try ModelFolder(directory: folder.url, tokenID: { ["<|mdm_mask|>": 311, "<|eot_id|>": 312][$0] }).config
        #expect(config.specialTokens.maskID == 311)
        #expect(config.specialTokens.endOfTurnID == 312)
    }

    @Test func missingConfigFileIsNamed() throws {
        let folder = try TemporaryFolder()
        #expect(modelError { try ModelFolder(directory: folder.url) } == .fileNotFound(path: folder.file("config.json").path))
    }

    @Test func openCheckpointIsStrict() throws {
        let folder = try TemporaryFolder()
        try folder.write("config.json", SampleConfigs.coda)
        let config = try ModelFolder(directory: folder.url).config
        try writeCheckpoint(config: config, dtype: .bf16, in: folder, extra: ["lm_head.weight": [320, 64]])
        #expect(modelError { try ModelFolder(directory: folder.url).openCheckpoint() }
            == .unexpectedTensor(tensor: "lm_head.weight", file: "model.safetensors"))
    }
}
