import ModelFiles
import ModelInterface

/// The rows one forward computes: all `length` rows of the sequence, or a subset compacted into
/// the workspace's first rows (row `i` of the workspace holds sequence row `positions[i]`).
struct RowSelection {
    /// Sequence rows, ascending; nil = every row (row i is position i).
    let positions: [Int]?
    let count: Int

    init(length: Int) {
        positions = nil
        count = length
    }

    init(rows: [Int]) {
        positions = rows
        count = rows.count
    }

    /// The sequence position (RoPE angle, token, cache row) of workspace row `row`.
    @inline(__always)
    func position(_ row: Int) -> Int { positions?[row] ?? row }
}

/// Per-layer keys (after bias, QK-norm and RoPE) and values of every row of one sequence:
/// what a cached forward attends to for the rows it does not recompute.
final class KVStore {
    let length: Int
    let kvWidth: Int
    let keys: [UnsafeMutablePointer<Float>]
    let values: [UnsafeMutablePointer<Float>]

    init(length: Int, layers: Int, kvWidth: Int) {
        self.length = length
        self.kvWidth = kvWidth
        keys = (0..<layers).map { _ in .allocate(capacity: max(1, length * kvWidth)) }
        values = (0..<layers).map { _ in .allocate(capacity: max(1, length * kvWidth)) }
    }

    deinit {
        keys.forEach { $0.deallocate() }
        values.forEach { $0.deallocate() }
    }

    /// Copies the computed rows' keys and values (compacted, `rows.count × kvWidth`) to their
    /// sequence rows, replacing what the store held for them.
    func write(layer: Int, keys k: UnsafePointer<Float>, values v: UnsafePointer<Float>, rows: RowSelection) {
        let w = kvWidth
        if rows.positions == nil {
            keys[layer].update(from: k, count: rows.count * w)
            values[layer].update(from: v, count: rows.count * w)
            return
        }
        for row in 0..<rows.count {
            let target = rows.position(row) * w
            (keys[layer] + target).update(from: k + row * w, count: w)
            (values[layer] + target).update(from: v + row * w, count: w)
        }
    }
}

extension RotaryTable {
    /// Rotates workspace rows `rows`, each at the sequence position `selection` gives it.
    func apply(_ x: UnsafeMutablePointer<Float>, rows: Range<Int>, selection: RowSelection, heads: Int, stride: Int) {
        apply(x, rows: rows, heads: heads, stride: stride, position: selection.position)
    }
}

extension TransformerModel {
    /// Aligned logits rows computing only what `plan` asks (plus the logit-shift rows), the other
    /// rows' keys and values read from `cache`. `.all` with a cache refills it. Logits are the
    /// full forward's (up to summation order) when the cache's rows were computed from `tokens`.
    public func forward(tokens: [Int], positions: [Int], cache: KVCache?, plan: RowPlan) throws -> ForwardOutput {
        try validate(tokens: tokens, positions: positions)
        let length = tokens.count
        let sources = positions.map(sourceRow)
        let c = config
        let kvWidth = c.kvHeadCount * c.headDim
        return try lock.withLock {
            switch plan {
            case .all:
                var store: KVStore?
                if let cache {
                    let old = cache.storage as? KVStore
                    store = old?.length == length && old?.kvWidth == kvWidth && old?.keys.count == c.layerCount
                        ? old : KVStore(length: length, layers: c.layerCount, kvWidth: kvWidth)
                    cache.storage = store
                }
                let values = forward(tokens: tokens, rows: RowSelection(length: length), store: store, outputRows: sources)
                let flops = ForwardFLOPs(config: c, length: length, computed: length,
                                         lastQueries: Set(sources).count, rows: positions.count)
                return output(values, positions, flops, length)
            case .only(let asked):
                guard let store = cache?.storage as? KVStore, store.length == length, store.kvWidth == kvWidth,
                      store.keys.count == c.layerCount
                else { throw KVCacheError.notFilled(sequenceLength: length) }
                var previous = -1
                for row in asked {
                    guard row > previous, row < length else { throw KVCacheError.badRow(row: row, sequenceLength: length) }
                    previous = row
                }
                // The shift reads row i-1 for position i: that row must be computed too.
                let rows = Array(Set(asked).union(sources)).sorted()
                var index = [Int: Int](minimumCapacity: rows.count)
                for (i, row) in rows.enumerated() { index[row] = i }
                let values = forward(tokens: tokens, rows: RowSelection(rows: rows), store: store,
                                     outputRows: sources.map { index[$0]! })
                let flops = ForwardFLOPs(config: c, length: length, computed: rows.count,
                                         lastQueries: Set(sources).count, rows: positions.count)
                return output(values, positions, flops, rows.count)
            }
        }
    }

    private func output(_ values: [Float], _ positions: [Int], _ flops: ForwardFLOPs, _ computed: Int) -> ForwardOutput {
        ForwardOutput(rows: LogitRows(positions: positions, vocabularySize: config.vocabularySize, values: values),
                      flops: flops.total, computedRows: computed)
    }
}
