/// Float32 activation buffers for one sequence length, reused across forwards.
final class Workspace {
    let length: Int
    let hidden: UnsafeMutablePointer<Float>
    let normed: UnsafeMutablePointer<Float>
    let query: UnsafeMutablePointer<Float>
    let key: UnsafeMutablePointer<Float>
    let value: UnsafeMutablePointer<Float>
    let attention: UnsafeMutablePointer<Float>
    let gate: UnsafeMutablePointer<Float>
    let up: UnsafeMutablePointer<Float>
    /// Attention score blocks, one per worker.
    let scores: UnsafeMutablePointer<Float>
    private let buffers: [UnsafeMutablePointer<Float>]

    init(config: ModelConfigShape, length: Int, workers: Int) {
        self.length = length
        func make(_ width: Int) -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(1, length * width))
            pointer.initialize(repeating: 0, count: max(1, length * width))
            return pointer
        }
        hidden = make(config.hidden)
        normed = make(config.hidden)
        query = make(config.queryWidth)
        key = make(config.kvWidth)
        value = make(config.kvWidth)
        attention = make(config.queryWidth)
        gate = make(config.intermediate)
        up = make(config.intermediate)
        scores = UnsafeMutablePointer<Float>.allocate(capacity: Attention.scratchCount(length: length, workers: workers))
        buffers = [hidden, normed, query, key, value, attention, gate, up, scores]
    }

    deinit { for buffer in buffers { buffer.deallocate() } }
}

/// The widths a workspace needs.
struct ModelConfigShape {
    var hidden: Int
    var queryWidth: Int
    var kvWidth: Int
    var intermediate: Int
}

/// Grow-only scratch of `Element`s that a GEMM rewrites on every call (rows rounded or regrouped
/// for a kernel). Used under the model's lock.
final class ScratchBuffer<Element> {
    private(set) var pointer: UnsafeMutablePointer<Element>
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        pointer = .allocate(capacity: self.capacity)
    }

    deinit { pointer.deallocate() }

    /// Room for `count` elements; the contents are not kept when it grows.
    func reserve(_ count: Int) {
        guard count > capacity else { return }
        pointer.deallocate()
        capacity = count
        pointer = .allocate(capacity: count)
    }
}
