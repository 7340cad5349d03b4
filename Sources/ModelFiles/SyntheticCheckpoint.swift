import Foundation

/// Writes a checkpoint folder of given tensor shapes with deterministic values: for tests,
/// examples and benchmarks that need real files without real weights.
public enum SyntheticCheckpoint {
    /// Writes `model.safetensors`, or `shards` files plus `model.safetensors.index.json`.
    /// Values are a seeded pseudo-random spread in [-scale, scale).
    public static func write(shapes: [String: [Int]], dtype: DType, shards: Int = 1, seed: UInt64 = 0,
                             scale: Float = 0.1, to directory: URL) throws {
        precondition(shards >= 1)
        let names = shapes.keys.sorted()
        var writers = Array(repeating: SafeTensorsWriter(), count: shards)
        var weightMap: [String: String] = [:]
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        func shardName(_ index: Int) -> String {
            shards == 1 ? "model.safetensors" : String(format: "model-%05d-of-%05d.safetensors", index + 1, shards)
        }
        for (index, name) in names.enumerated() {
            let shape = shapes[name]!
            let values = (0..<shape.reduce(1, *)).map { _ -> Float in
                // SplitMix64: small, seeded, and identical on every platform.
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                z ^= z >> 31
                return (Float(z >> 40) / Float(1 << 24) * 2 - 1) * scale
            }
            writers[index % shards].entries.append(.init(name: name, dtype: dtype, shape: shape, values: values))
            weightMap[name] = shardName(index % shards)
        }
        for (index, writer) in writers.enumerated() {
            try writer.write(to: directory.appendingPathComponent(shardName(index)))
        }
        if shards > 1 {
            let index = try JSONSerialization.data(
                withJSONObject: ["metadata": [:] as [String: Int], "weight_map": weightMap], options: [.sortedKeys])
            try index.write(to: directory.appendingPathComponent(Checkpoint.indexFileName))
        }
    }
}
