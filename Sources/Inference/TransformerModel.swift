import Foundation
import ModelFiles
import ModelInterface

/// The native bidirectional transformer for every supported family (LLaDA, Dream, Qwen2/3, CoDA).
///
/// Weights stay memory-mapped in their file dtype; activations and arithmetic are float32,
/// matching a PyTorch CPU fp32 run (`model.float()`) up to summation order. Calls are
/// serialised by a lock because the activation buffers are reused.
public final class TransformerModel: LogitsModel, @unchecked Sendable {
    // @unchecked: all mutable state (workspace, rope table, engine buffers) is used under `lock`.
    public let config: ModelConfig
    public let threads: Int
    public var vocabularySize: Int { config.vocabularySize }
    /// config.json's max_sequence_length / max_position_embeddings.
    public var maxSequenceLength: Int? { config.maxPositions }
    /// f32 or native bf16 weight GEMMs, and why (`--compute`).
    public let compute: ComputeChoice

    let weights: TransformerWeights
    private let checkpoint: Checkpoint?
    private let engine: LinearEngine
    let lock = NSLock()
    /// Logits memory handed back by `recycle`, written by the next forward (under `lock`).
    private var spareLogits = SpareLogits()
    private var workspace: Workspace?
    private var rotary: RotaryTable?

    /// Opens `folder`'s checkpoint (memory-mapped, validated) and prepares a model.
    public convenience init(folder: ModelFolder, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                            compute: ComputeRequest = .auto) throws {
        let checkpoint = try folder.openCheckpoint()
        try self.init(checkpoint: checkpoint, config: folder.config, threads: threads, compute: compute)
    }

    /// A model on one compute path regardless of `auto`'s choice (tests of that path).
    convenience init(folder: ModelFolder, threads: Int, forcing path: ComputePath, packWeights: Bool = true) throws {
        let checkpoint = try folder.openCheckpoint()
        try self.init(weights: TransformerWeights(checkpoint: checkpoint, config: folder.config), checkpoint: checkpoint,
                      threads: threads, tileElements: LinearEngine.defaultTileElements, forcing: path,
                      packWeights: packWeights)
    }

    /// A model over an already opened and validated checkpoint.
    public convenience init(checkpoint: Checkpoint, config: ModelConfig, threads: Int,
                            compute: ComputeRequest = .auto) throws {
        guard threads >= 1 else { throw InferenceError.invalidThreadCount(threads) }
        try self.init(weights: TransformerWeights(checkpoint: checkpoint, config: config), checkpoint: checkpoint,
                      threads: threads, tileElements: LinearEngine.defaultTileElements, compute: compute)
    }

    init(weights: TransformerWeights, checkpoint: Checkpoint? = nil, threads: Int, tileElements: Int,
         mode: LinearEngine.Mode = .workers, compute request: ComputeRequest = .auto,
         forcing path: ComputePath? = nil, packWeights: Bool = true) throws {
        guard threads >= 1 else { throw InferenceError.invalidThreadCount(threads) }
        self.config = weights.config
        self.checkpoint = checkpoint
        self.threads = threads
        if let path {
            // Tests of one path; the caller has checked the CPU has its unit.
            compute = ComputeChoice(path: path, note: "forced")
        } else {
            compute = mode == .workers
                ? ComputeChoice.resolve(request, features: .current, weightDTypes: weights.matrixDTypes) { .current }
                : ComputeChoice(path: .f32, note: "gemm mode blas computes in f32")
        }
        // Panels once, not per GEMM (PackedWeights.swift); `packWeights: false` keeps the per-call
        // packing (and OpenBLAS on the f32 path), for tests that compare the two.
        let layout = packWeights && mode == .workers ? Self.packedLayout(for: compute.path) : .rows
        self.weights = weights.packed(into: layout, threads: threads)
        engine = LinearEngine(threads: threads, tileElements: tileElements, mode: mode, compute: compute.path)
    }

    /// The layout a model on `path` packs its weights into at load: the f16 kernel's panels, or on
    /// the f32 path of an AVX-512 CPU (not capped by TOLERATOR_MAX_ISA) the f32 kernel's bf16
    /// panels. The bf16-dot path packs per call.
    static func packedLayout(for path: ComputePath) -> WeightLayout {
        switch path {
        case .nativeFP16: .f16Panels
        case .f32: PackedF32GEMM.available ? .bf16Panels : .rows
        case .nativeBF16: .rows
        }
    }

    /// Aligned logits rows: row k predicts `positions[k]`. For the Dream family (logit shift)
    /// position i reads output row i-1, and position 0 its own row, as `diffusion_generate` does.
    public func logits(tokens: [Int], positions: [Int]) throws -> LogitRows {
        try validate(tokens: tokens, positions: positions)
        let values = lock.withLock { forward(tokens: tokens, outputRows: positions.map(sourceRow)) }
        return LogitRows(positions: positions, vocabularySize: config.vocabularySize, values: values)
    }

    /// The output row that predicts `position`: i-1 under the Dream logit shift (0 for 0), else i.
    func sourceRow(_ position: Int) -> Int {
        config.usesLogitShift ? max(position - 1, 0) : position
    }

    /// Raw (unshifted) output rows `rows` of one forward over `tokens`.
    func rawLogits(tokens: [Int], rows: [Int]) throws -> [Float] {
        try validate(tokens: tokens, positions: rows)
        return lock.withLock { forward(tokens: tokens, outputRows: rows) }
    }

    func validate(tokens: [Int], positions: [Int]) throws {
        guard !tokens.isEmpty else { throw InferenceError.emptySequence }
        for (index, token) in tokens.enumerated() where token < 0 || token >= config.vocabularySize {
            throw InferenceError.tokenOutOfRange(index: index, token: token, vocabularySize: config.vocabularySize)
        }
        for position in positions where position < 0 || position >= tokens.count {
            throw InferenceError.positionOutOfRange(position: position, sequenceLength: tokens.count)
        }
    }

    func prepare(length: Int) -> (Workspace, RotaryTable) {
        if workspace == nil || workspace!.length < length {
            let shape = ModelConfigShape(hidden: config.hiddenSize, queryWidth: config.headCount * config.headDim,
                                         kvWidth: config.kvHeadCount * config.headDim,
                                         intermediate: config.intermediateSize)
            workspace = Workspace(config: shape, length: length, workers: min(threads, config.headCount))
        }
        if rotary == nil || rotary!.length < length {
            rotary = RotaryTable(headDim: config.headDim, theta: config.ropeTheta, length: length)
        }
        return (workspace!, rotary!)
    }

    /// The whole network; returns `outputRows.count × vocabularySize` logits.
    private func forward(tokens: [Int], outputRows: [Int]) -> [Float] {
        forward(tokens: tokens, rows: RowSelection(length: tokens.count), store: nil, outputRows: outputRows)
    }

    /// The network for the rows `rows` selects (compacted into the workspace's first
    /// `rows.count` rows), attending to all `tokens.count` keys: those of `store` when given
    /// (after writing the computed rows' keys and values into it), else the computed ones.
    /// `outputRows` index the compacted rows. The last layer computes keys and values for every
    /// selected row but queries, attention and MLP only for the output rows: nothing else reads
    /// them (for a 4-layer model with a prompt as long as the canvas, an eighth of the work).
    func forward(tokens: [Int], rows: RowSelection, store: KVStore?, outputRows: [Int]) -> [Float] {
        let (work, rope) = prepare(length: tokens.count)
        BLASThreads.set(engine.blasThreads)
        let d = config.hiddenSize
        for row in 0..<rows.count {
            weights.embedding.widenRow(tokens[rows.position(row)], into: work.hidden + row * d)
        }
        let read = Self.lastLayerRows(outputRows, of: rows.count)
        for (index, layer) in weights.layers.enumerated() {
            let last = index == weights.layers.count - 1
            block(layer, rows: rows, work: work, rope: rope, keys: store.map { ($0, index) },
                  queryRows: last ? read?.rows : nil)
        }
        return head(rows: read?.outputRows ?? outputRows, work: work)
    }

    /// When `outputRows` read fewer than `count` rows: those rows (distinct, ascending) and each
    /// output row's index among them; nil when every row is read.
    static func lastLayerRows(_ outputRows: [Int], of count: Int) -> (rows: [Int], outputRows: [Int])? {
        let rows = Array(Set(outputRows)).sorted()
        guard rows.count < count else { return nil }
        var index = [Int: Int](minimumCapacity: rows.count)
        for (i, row) in rows.enumerated() { index[row] = i }
        return (rows, outputRows.map { index[$0]! })
    }

    /// One layer over the selected rows. With `queryRows` (ascending compacted indices), keys and
    /// values are computed for every row, then those rows' normed and hidden states move to the
    /// front and only they continue (queries, attention, MLP).
    private func block(_ layer: LayerWeights, rows selection: RowSelection, work: Workspace, rope: RotaryTable,
                       keys cached: (store: KVStore, layer: Int)?, queryRows: [Int]? = nil) {
        let c = config
        let d = c.hiddenSize
        let qWidth = c.headCount * c.headDim
        let kvWidth = c.kvHeadCount * c.headDim
        let length = selection.count

        // Attention half: h += o_proj(attn(rope(q), rope(k), v)).
        norm(layer.attentionNorm, work.hidden, rows: length, into: work.normed)
        engine.multiply(work.normed, rows: length, ldx: d, weight: layer.key, into: work.key, ldy: kvWidth)
        engine.multiply(work.normed, rows: length, ldx: d, weight: layer.value, into: work.value, ldy: kvWidth)
        let (queryBias, keyBias, valueBias) = (layer.queryBias, layer.keyBias, layer.valueBias)
        let (queryNorm, keyNorm) = (layer.queryNorm, layer.keyNorm)
        inParallel(rows: length) { rows in
            let (k, v) = (work.key + rows.lowerBound * kvWidth, work.value + rows.lowerBound * kvWidth)
            addBias(keyBias, rows: rows.count, width: kvWidth, into: k)
            addBias(valueBias, rows: rows.count, width: kvWidth, into: v)
            // QK-norm (Qwen3/CoDA): RMSNorm over each head's vector, before RoPE.
            headNorm(keyNorm, k, count: rows.count * c.kvHeadCount)
            rope.apply(work.key, rows: rows, selection: selection, heads: c.kvHeadCount, stride: kvWidth)
        }
        var (keys, values, keyCount) = (UnsafePointer(work.key), UnsafePointer(work.value), length)
        if let (store, index) = cached {
            store.write(layer: index, keys: work.key, values: work.value, rows: selection)
            (keys, values, keyCount) = (UnsafePointer(store.keys[index]), UnsafePointer(store.values[index]), store.length)
        }
        var active = length
        var querySelection = selection
        if let queryRows {
            // Ascending, so row i's source (queryRows[i] ≥ i) is never a row already overwritten.
            for (i, row) in queryRows.enumerated() where row != i {
                (work.normed + i * d).update(from: work.normed + row * d, count: d)
                (work.hidden + i * d).update(from: work.hidden + row * d, count: d)
            }
            active = queryRows.count
            querySelection = RowSelection(rows: queryRows.map(selection.position))
        }
        engine.multiply(work.normed, rows: active, ldx: d, weight: layer.query, into: work.query, ldy: qWidth)
        inParallel(rows: active) { rows in
            let q = work.query + rows.lowerBound * qWidth
            addBias(queryBias, rows: rows.count, width: qWidth, into: q)
            headNorm(queryNorm, q, count: rows.count * c.headCount)
            rope.apply(work.query, rows: rows, selection: querySelection, heads: c.headCount, stride: qWidth)
        }
        Attention(heads: c.headCount, kvHeads: c.kvHeadCount, headDim: c.headDim, threads: threads,
                  blasThreads: engine.blasThreads)
            .run(q: work.query, queries: active, k: keys, v: values, keys: keyCount, scores: work.scores,
                 into: work.attention)
        engine.multiply(work.attention, rows: active, ldx: qWidth, weight: layer.output, into: work.hidden, ldy: d,
                        accumulate: true)

        // MLP half: h += down(silu(gate(x)) · up(x)).
        norm(layer.mlpNorm, work.hidden, rows: active, into: work.normed)
        let ff = c.intermediateSize
        engine.multiply(work.normed, rows: active, ldx: d, weight: layer.gate, into: work.gate, ldy: ff)
        engine.multiply(work.normed, rows: active, ldx: d, weight: layer.up, into: work.up, ldy: ff)
        inParallel(rows: active) { rows in
            let offset = rows.lowerBound * ff
            Kernels.swiGLU(gate: work.gate + offset, up: work.up + offset, count: rows.count * ff)
        }
        engine.multiply(work.gate, rows: active, ldx: ff, weight: layer.down, into: work.hidden, ldy: d,
                        accumulate: true)
    }

    /// Row-parallel elementwise work on the same `threads` workers as the GEMMs.
    private func inParallel(rows: Int, _ body: (Range<Int>) -> Void) {
        Parallel.ranges(rows, workers: threads, minimumPerWorker: 16, body)
    }

    private func norm(_ weight: [Float], _ x: UnsafeMutablePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
        let d = config.hiddenSize
        weight.withUnsafeBufferPointer { w in
            inParallel(rows: rows) { range in
                Kernels.rmsNorm(x + range.lowerBound * d, rows: range.count, width: d, weight: w.baseAddress!,
                                eps: config.rmsNormEps, into: y + range.lowerBound * d)
            }
        }
    }

    /// Final norm and LM head for the requested rows only.
    private func head(rows: [Int], work: Workspace) -> [Float] {
        let d = config.hiddenSize
        let vocabulary = config.vocabularySize
        guard !rows.isEmpty else { return [] }
        let gathered = UnsafeMutablePointer<Float>.allocate(capacity: rows.count * d)
        defer { gathered.deallocate() }
        weights.finalNorm.withUnsafeBufferPointer { norm in
            for (index, row) in rows.enumerated() {
                Kernels.rmsNorm(work.hidden + row * d, rows: 1, width: d, weight: norm.baseAddress!,
                                eps: config.rmsNormEps, into: gathered + index * d)
            }
        }
        let count = rows.count * vocabulary
        // A recycled block, or fresh memory left unwritten: the multiply writes every value.
        var values = spareLogits.take(count: count)
            ?? [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        values.withUnsafeMutableBufferPointer { buffer in
            engine.multiply(gathered, rows: rows.count, ldx: d, weight: weights.head, into: buffer.baseAddress!,
                            ldy: vocabulary)
        }
        return values
    }

    public func recycle(_ rows: consuming LogitRows) {
        let values = rows.values
        lock.withLock { spareLogits.keep(values) }
    }

    private func addBias(_ bias: [Float]?, rows: Int, width: Int, into y: UnsafeMutablePointer<Float>) {
        bias?.withUnsafeBufferPointer { Kernels.addBias($0.baseAddress!, rows: rows, width: width, into: y) }
    }

    private func headNorm(_ weight: [Float]?, _ x: UnsafeMutablePointer<Float>, count: Int) {
        weight?.withUnsafeBufferPointer {
            Kernels.rmsNorm(x, rows: count, width: config.headDim, weight: $0.baseAddress!, eps: config.rmsNormEps, into: x)
        }
    }
}
