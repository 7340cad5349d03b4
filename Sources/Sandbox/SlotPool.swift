import Foundation

/// Hands out small slot numbers to concurrent runs in this process.  As root each slot is a
/// distinct uid, so RLIMIT_NPROC (counted per uid) is a per-run limit and a kill of
/// "everything this uid owns" reaches exactly one run's processes.
final class SlotPool: @unchecked Sendable {
    static let shared = SlotPool(count: 64)

    private let condition = NSCondition()
    private var free: [Int]

    init(count: Int) {
        free = Array((0..<count).reversed())
    }

    func acquire() -> Int {
        condition.lock()
        defer { condition.unlock() }
        while free.isEmpty { condition.wait() }
        return free.removeLast()
    }

    /// A released slot goes to the back of the queue: its uid rests for as many runs as there
    /// are free slots before it is used again, so processes of a killed run that the kernel is
    /// still tearing down (they count against that uid's RLIMIT_NPROC) cannot make the next run's
    /// fork fail with EAGAIN, and a retry after a `sandbox_error` gets a different uid.
    func release(_ slot: Int) {
        condition.lock()
        free.insert(slot, at: 0)
        condition.signal()
        condition.unlock()
    }

    /// Slots of different tolerator processes must not collide: spread by pid.
    static func uid(base: Int, slot: Int) -> Int32 {
        Int32(clamping: base + Int(getpid() % 4096) * 64 + slot)
    }
}
