import Testing
@testable import Sandbox

@Suite struct SlotPoolTests {
    /// A freed slot (uid) is the last to be handed out again, so back-to-back runs and retries
    /// never reuse the uid whose processes may still be exiting.
    @Test func releasedSlotsQueueBehindTheOthers() {
        let pool = SlotPool(count: 3)
        let first = pool.acquire()
        pool.release(first)
        let second = pool.acquire()
        #expect(second != first)
        pool.release(second)
        let third = pool.acquire()
        #expect(third != first && third != second)
        pool.release(third)
        #expect(pool.acquire() == first)
    }
}
