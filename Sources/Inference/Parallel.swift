import Dispatch

/// `DispatchQueue.concurrentPerform` for bodies that touch raw buffers: each iteration works
/// on a disjoint slice, which the compiler cannot see, hence the unchecked box.
enum Parallel {
    static func forEach(_ iterations: Int, _ body: (Int) -> Void) {
        if iterations <= 1 {
            for index in 0..<iterations { body(index) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let box = UncheckedBox(escapable)
            DispatchQueue.concurrentPerform(iterations: iterations) { box.value($0) }
        }
    }

    /// Splits `0..<count` into `workers` contiguous ranges run concurrently (serially when small).
    static func ranges(_ count: Int, workers: Int, minimumPerWorker: Int = 1, _ body: (Range<Int>) -> Void) {
        let parts = max(1, min(workers, count / max(minimumPerWorker, 1)))
        let per = (count + parts - 1) / max(parts, 1)
        forEach(parts) { part in
            let lower = part * per
            let upper = min(count, lower + per)
            if lower < upper { body(lower..<upper) }
        }
    }

    private struct UncheckedBox<Value>: @unchecked Sendable {
        let value: Value
        init(_ value: Value) { self.value = value }
    }
}
