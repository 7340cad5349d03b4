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
        #expect(summary.memory.layerScratchBytes == (4 * 64 * 64 + 3 * 96 * 64 + 2 * 64) * 4)
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
