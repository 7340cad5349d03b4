import Foundation
import Testing
@testable import ModelFiles

/// Writes a complete checkpoint for `config` with deterministic values, optionally in shards.
func writeCheckpoint(config: ModelConfig, dtype: DType, shards: Int = 1, in folder: TemporaryFolder,
                     skip: Set<String> = [], extra: [String: [Int]] = [:], reshape: [String: [Int]] = [:]) throws {
    var shapes = WeightNames(config: config).expectedShapes().filter { !skip.contains($0.key) }
    shapes.merge(extra) { $1 }
    shapes.merge(reshape) { $1 }
    try SyntheticCheckpoint.write(shapes: shapes, dtype: dtype, shards: shards, to: folder.url)
}

@Suite struct CheckpointTests {
    let llada = try! ModelConfig.parse(configJSON: Data(SampleConfigs.llada.utf8))
    let dream = try! ModelConfig.parse(configJSON: Data(SampleConfigs.dream.utf8))

    @Test func completeSingleFileCheckpointValidates() throws {
        let folder = try TemporaryFolder()
        try writeCheckpoint(config: llada, dtype: .bf16, in: folder)
        let checkpoint = try Checkpoint(directory: folder.url)
        try checkpoint.validate(expected: WeightNames(config: llada).expectedShapes())
        #expect(checkpoint.tensors.count == 3 + 2 * 9)
        #expect(checkpoint.parameterCount == llada.expectedParameterCount)
        #expect(checkpoint.dtypeCounts == [.bf16: 21])
    }

    @Test func shardedCheckpointValidates() throws {
        let folder = try TemporaryFolder()
        try writeCheckpoint(config: dream, dtype: .f16, shards: 3, in: folder)
        let checkpoint = try Checkpoint(directory: folder.url)
        #expect(checkpoint.files.count == 3)
        try checkpoint.validate(expected: WeightNames(config: dream).expectedShapes())
        let norm = try checkpoint.tensor("model.norm.weight")
        #expect(norm.floats().count == 64)
    }

    @Test func missingTensorIsNamed() throws {
        let folder = try TemporaryFolder()
        try writeCheckpoint(config: llada, dtype: .bf16, in: folder, skip: ["model.transformer.blocks.1.up_proj.weight"])
        let checkpoint = try Checkpoint(directory: folder.url)
        #expect(modelError { try checkpoint.validate(expected: WeightNames(config: llada).expectedShapes()) }
            == .missingTensor(tensor: "model.transformer.blocks.1.up_proj.weight", directory: folder.url.path))
    }

    @Test func extraTensorIsNamed() throws {
        let folder = try TemporaryFolder()
        try writeCheckpoint(config: llada, dtype: .bf16, in: folder, extra: ["model.transformer.blocks.0.mystery.weight": [3]])
        let checkpoint = try Checkpoint(directory: folder.url)
        #expect(modelError { try checkpoint.validate(expected: WeightNames(config: llada).expectedShapes()) }
            == .unexpectedTensor(tensor: "model.transformer.blocks.0.mystery.weight", file: "model.safetensors"))
    }

    @Test func misShapedTensorIsNamed() throws {
        let folder = try TemporaryFolder()
        try writeCheckpoint(config: dream, dtype: .f32, in: folder, reshape: ["model.layers.0.self_attn.k_proj.weight": [64, 64]])
        let checkpoint = try Checkpoint(directory: folder.url)
        #expect(modelError { try checkpoint.validate(expected: WeightNames(config: dream).expectedShapes()) }
            == .wrongShape(tensor: "model.layers.0.self_attn.k_proj.weight", file: "model.safetensors", expected: [32, 64], actual: [64, 64]))
    }

    @Test func indexListingAbsentTensorIsNamed() throws {
        let folder = try TemporaryFolder()
        try writeCheckpoint(config: dream, dtype: .bf16, shards: 2, in: folder)
        var index = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.file(Checkpoint.indexFileName))) as! [String: Any]
        var map = index["weight_map"] as! [String: String]
        map["model.ghost.weight"] = "model-00001-of-00002.safetensors"
        index["weight_map"] = map
        try folder.write(Checkpoint.indexFileName, JSONSerialization.data(withJSONObject: index))
        let error = modelError { try Checkpoint(directory: folder.url) }
        guard case .indexMismatch(_, let tensor, let shard, _) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(tensor == "model.ghost.weight")
        #expect(shard == "model-00001-of-00002.safetensors")
    }

    @Test func indexPointingOutsideFolderIsRefused() throws {
        let folder = try TemporaryFolder()
        try folder.write(Checkpoint.indexFileName, #"{"weight_map": {"w": "../../etc/passwd"}}"#)
        let error = modelError { try Checkpoint(directory: folder.url) }
        guard case .invalidConfig(_, let field, _) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(field == "weight_map")
    }

    @Test func missingShardIsNamed() throws {
        let folder = try TemporaryFolder()
        try writeCheckpoint(config: dream, dtype: .bf16, shards: 2, in: folder)
        try FileManager.default.removeItem(at: folder.file("model-00002-of-00002.safetensors"))
        #expect(modelError { try Checkpoint(directory: folder.url) }
            == .fileNotFound(path: folder.file("model-00002-of-00002.safetensors").path))
    }

    @Test func duplicateTensorAcrossUnindexedFilesIsNamed() throws {
        let folder = try TemporaryFolder()
        let writer = SafeTensorsWriter(entries: [.init(name: "w", dtype: .f32, shape: [1], values: [1])])
        try writer.write(to: folder.file("a.safetensors"))
        try writer.write(to: folder.file("b.safetensors"))
        #expect(modelError { try Checkpoint(directory: folder.url) } == .duplicateTensor(tensor: "w", files: ["a.safetensors", "b.safetensors"]))
    }

    @Test func folderWithoutWeightsIsNamed() throws {
        let folder = try TemporaryFolder()
        #expect(modelError { try Checkpoint(directory: folder.url) } == .fileNotFound(path: folder.file("model.safetensors").path))
    }
}
