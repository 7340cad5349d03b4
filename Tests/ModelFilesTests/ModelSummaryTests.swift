import Foundation
import Testing
@testable import ModelFiles

@Suite struct ModelSummaryTests {
    @Test func lladaSummaryReportsHandCountedNumbers() throws {
        let folder = try TemporaryFolder()
        try folder.write("config.json", SampleConfigs.llada)
        let model = try ModelFolder(directory: folder.url)
        try writeCheckpoint(config: model.config, dtype: .bf16, in: folder)
        let summary = ModelSummary(folder: model, checkpoint: try model.openCheckpoint(), chatTemplate: "llada",
                                   tokenText: { $0 == 310 ? "<|mdm_mask|>" : nil }, sequenceLength: 100, threads: 2)
        // embeddings 320×64 twice, final norm 64, and per layer 4·64·64 + 3·96·64 + 2·64.
        #expect(summary.parameterCount == 2 * 320 * 64 + 64 + 2 * (4 * 64 * 64 + 3 * 96 * 64 + 2 * 64))
        #expect(summary.parameterCount == 110_912)
        #expect(summary.tensorCount == 21)
        #expect(summary.dtypes == ["BF16": 21])
        #expect(summary.stopIDs == [301])
        // Two workers, each widening a tile no larger than the biggest matrix (96×64).
        #expect(summary.memory.layerScratchBytes == 2 * 96 * 64 * 4)
        // Two workers, each holding scores for min(128, L) queries × L keys.
        #expect(summary.memory.attentionBytes == 2 * 100 * 100 * 4)
        #expect(summary.memory.activationBytes == 100 * (3 * 64 + 64 + 2 * 64 + 2 * 96) * 4)
        #expect(summary.memory.logitBytes == 100 * (320 + 64) * 4)
        let text = summary.text()
        #expect(text.contains("family       llada (model_type llada, OLMo/LLaDA tensor names)"))
        #expect(text.contains("mask id      310 <|mdm_mask|>"))
        #expect(text.contains("logit shift  no"))
        #expect(text.contains("layers       2   hidden 64   ffn 96   vocab 320"))
    }

    @Test func dreamAndCodaSummariesReportShiftBiasAndQKNorm() throws {
        for (json, dtype, params) in [(SampleConfigs.dream, DType.f16, 2 * 320 * 64 + 64 + 2 * (2 * 64 * 64 + 2 * 32 * 64 + 64 + 2 * 32 + 3 * 96 * 64 + 2 * 64)),
                                      (SampleConfigs.coda, DType.f32, 320 * 64 + 64 + (2 * 128 * 64 + 2 * 64 * 64 + 2 * 32 + 3 * 96 * 64 + 2 * 64))] {
            let folder = try TemporaryFolder()
            try folder.write("config.json", json)
            let model = try ModelFolder(directory: folder.url)
            try writeCheckpoint(config: model.config, dtype: dtype, in: folder)
            let summary = ModelSummary(folder: model, checkpoint: try model.openCheckpoint(), chatTemplate: nil,
                                       tokenText: { _ in nil }, sequenceLength: 10, threads: 1)
            #expect(summary.parameterCount == params, "\(model.config.modelType)")
            #expect(summary.dtypes == [dtype.rawValue: summary.tensorCount])
            #expect(summary.text().contains("logit shift  yes"))
            #expect((summary.memory.layerScratchBytes == 0) == (dtype == .f32), "only 16-bit weights need a float32 scratch")
            let decoded = try JSONDecoder().decode(ModelSummary.self, from: Data(summary.json().utf8))
            #expect(decoded == summary)
        }
    }
}

@Suite struct MemoryEstimateTests {
    @Test func realSizedModelUsesTilesAndQueryBlocksNotWholeLayers() throws {
        let llada8b = """
        {"model_type": "llada", "d_model": 4096, "n_layers": 32, "n_heads": 32, "n_kv_heads": 32,
         "mlp_hidden_size": 12288, "vocab_size": 126464, "mask_token_id": 126336, "eos_token_id": 126081}
        """
        let config = try ModelConfig.parse(configJSON: Data(llada8b.utf8))
        let estimate = ForwardMemoryEstimate(config: config, weightBytes: 16_000_000_000, storedAsFloat32: false,
                                             sequenceLength: 1024, logitRows: 256, threads: 2)
        #expect(estimate.layerScratchBytes == 2 * (1 << 20) * 4)
        #expect(estimate.attentionBytes == 2 * 128 * 1024 * 4)
        #expect(estimate.activationBytes == 1024 * (3 * 4096 + 4096 + 2 * 4096 + 2 * 12288) * 4)
        #expect(estimate.logitBytes == 256 * (126_464 + 4096) * 4)
        #expect(estimate.totalBytes - estimate.weightBytes < 600 << 20, "activations of an 8B forward at L=1024 stay well under 1 GiB")
        // Shorter sequences take bigger query blocks (scores up to 512 KiB), never under 128 rows.
        #expect([128, 256, 512, 1024, 4096].map { ForwardMemoryEstimate.attentionBlockRows(length: $0) } == [1024, 512, 256, 128, 128])
        let short = ForwardMemoryEstimate(config: config, weightBytes: 0, storedAsFloat32: false,
                                          sequenceLength: 512, logitRows: 1, threads: 2)
        #expect(short.attentionBytes == 2 * 256 * 512 * 4)
    }
}
