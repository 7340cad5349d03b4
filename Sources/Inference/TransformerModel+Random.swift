import ModelFiles

extension TransformerModel {
    /// A model of a named benchmark shape (`BenchmarkShapes.names`) with seeded random weights
    /// held in memory, for benchmarks that need a real forward pass without a checkpoint.
    public static func random(shape: String, dtype: DType = .bf16, seed: UInt64 = 42,
                              threads: Int) throws -> TransformerModel {
        let config = try BenchmarkShapes.config(named: shape)
        return try TransformerModel(weights: TransformerWeights(randomFor: config, dtype: dtype, seed: seed),
                                    threads: threads, tileElements: LinearEngine.defaultTileElements)
    }
}
