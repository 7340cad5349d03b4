import ModelFiles

/// One transformer block's weights. Matrices stay in their stored dtype; the small vectors
/// (norms, biases) are widened once at load.
struct LayerWeights: Sendable {
    var attentionNorm: [Float]
    var query: WeightMatrix
    var key: WeightMatrix
    var value: WeightMatrix
    var queryBias: [Float]?
    var keyBias: [Float]?
    var valueBias: [Float]?
    var queryNorm: [Float]?
    var keyNorm: [Float]?
    var output: WeightMatrix
    var mlpNorm: [Float]
    var gate: WeightMatrix
    var up: WeightMatrix
    var down: WeightMatrix

    /// The seven matrices the block multiplies by, in forward order.
    var projections: [WeightMatrix] { [query, key, value, output, gate, up, down] }

    /// This block with `transform` applied to each of its projections.
    func mappingProjections(_ transform: (WeightMatrix) -> WeightMatrix) -> LayerWeights {
        var layer = self
        (layer.query, layer.key, layer.value) = (transform(query), transform(key), transform(value))
        (layer.output, layer.gate, layer.up, layer.down) = (transform(output), transform(gate), transform(up), transform(down))
        return layer
    }
}

/// All weights of a model, by architectural role (names resolved through `WeightNames` only).
struct TransformerWeights: Sendable {
    var config: ModelConfig
    var embedding: WeightMatrix
    var finalNorm: [Float]
    /// The embedding matrix itself when tied.
    var head: WeightMatrix
    var layers: [LayerWeights]

    /// Stored dtypes of the matrices the linear layers multiply (not the embedding lookup's).
    var matrixDTypes: Set<DType> {
        Set((layers.flatMap(\.projections) + [head]).map(\.dtype))
    }

    /// Points into `checkpoint`'s mapping; call after `Checkpoint.validate` (shapes are trusted).
    init(checkpoint: Checkpoint, config: ModelConfig) throws {
        let names = WeightNames(config: config)
        func matrix(_ name: String) throws -> WeightMatrix {
            let view = try checkpoint.tensor(name)
            guard view.shape.count == 2, let base = view.bytes.baseAddress else {
                throw ModelFilesError.wrongShape(tensor: name, file: view.file.url.lastPathComponent,
                                                 expected: [1, 1], actual: view.shape)
            }
            guard view.shape.allSatisfy({ $0 < Int(Int32.max) }) else {
                throw InferenceError.tensorTooLarge(tensor: name, elements: view.elementCount)
            }
            return WeightMatrix(base: base, dtype: view.dtype, rows: view.shape[0], columns: view.shape[1], owner: view.file)
        }
        func vector(_ name: String) throws -> [Float] { try checkpoint.tensor(name).floats() }
        func optionalVector(_ role: WeightNames.LayerRole, _ layer: Int) throws -> [Float]? {
            names.shape(role) == nil ? nil : try vector(names.name(role, layer: layer))
        }

        self.config = config
        embedding = try matrix(names.embedding)
        finalNorm = try vector(names.finalNorm)
        head = try names.lmHead.map(matrix) ?? embedding
        layers = try (0..<config.layerCount).map { layer in
            LayerWeights(
                attentionNorm: try vector(names.name(.attentionNorm, layer: layer)),
                query: try matrix(names.name(.query, layer: layer)),
                key: try matrix(names.name(.key, layer: layer)),
                value: try matrix(names.name(.value, layer: layer)),
                queryBias: try optionalVector(.queryBias, layer),
                keyBias: try optionalVector(.keyBias, layer),
                valueBias: try optionalVector(.valueBias, layer),
                queryNorm: try optionalVector(.queryNorm, layer),
                keyNorm: try optionalVector(.keyNorm, layer),
                output: try matrix(names.name(.output, layer: layer)),
                mlpNorm: try vector(names.name(.mlpNorm, layer: layer)),
                gate: try matrix(names.name(.gate, layer: layer)),
                up: try matrix(names.name(.up, layer: layer)),
                down: try matrix(names.name(.down, layer: layer)))
        }
    }

    /// A seeded random model of `config`'s shape held in memory as `dtype` (benchmarks, tests).
    init(randomFor config: ModelConfig, dtype: DType, seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        let names = WeightNames(config: config)
        func matrix(_ shape: [Int], scale: Float) -> WeightMatrix {
            WeightMatrix.owned(rows: shape[0], columns: shape[1], dtype: dtype) { buffer in
                for index in buffer.indices { buffer[index] = generator.nextSymmetric() * scale }
            }
        }
        func vector(_ count: Int, around center: Float, scale: Float) -> [Float] {
            (0..<count).map { _ in center + generator.nextSymmetric() * scale }
        }
        let d = config.hiddenSize
        let init_ = 1 / Float(d).squareRoot()
        self.config = config
        embedding = matrix([config.vocabularySize, d], scale: 1)
        finalNorm = vector(d, around: 1, scale: 0.1)
        head = config.tiedEmbeddings ? embedding : matrix([config.vocabularySize, d], scale: init_)
        layers = (0..<config.layerCount).map { _ in
            LayerWeights(
                attentionNorm: vector(d, around: 1, scale: 0.1),
                query: matrix(names.shape(.query)!, scale: init_),
                key: matrix(names.shape(.key)!, scale: init_),
                value: matrix(names.shape(.value)!, scale: init_),
                queryBias: config.attentionBias ? vector(config.headCount * config.headDim, around: 0, scale: 0.1) : nil,
                keyBias: config.attentionBias ? vector(config.kvHeadCount * config.headDim, around: 0, scale: 0.1) : nil,
                valueBias: config.attentionBias ? vector(config.kvHeadCount * config.headDim, around: 0, scale: 0.1) : nil,
                queryNorm: config.qkNorm ? vector(config.headDim, around: 1, scale: 0.1) : nil,
                keyNorm: config.qkNorm ? vector(config.headDim, around: 1, scale: 0.1) : nil,
                output: matrix(names.shape(.output)!, scale: init_),
                mlpNorm: vector(d, around: 1, scale: 0.1),
                gate: matrix(names.shape(.gate)!, scale: init_),
                up: matrix(names.shape(.up)!, scale: init_),
                down: matrix(names.shape(.down)!, scale: 1 / Float(config.intermediateSize).squareRoot()))
        }
    }
}

/// Small seeded generator (SplitMix64) for reproducible random weights.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    mutating func nextSymmetric() -> Float {
        Float(next() >> 40) * (2 / Float(1 << 24)) - 1
    }
}
