import Foundation

/// Byte-level BPE over raw bytes: the initial symbols are the vocab ids of the single-byte
/// tokens, and merges are applied lowest rank first, leftmost first among equal ranks, with the
/// same priority-queue bookkeeping as HF `tokenizers` (`Word::merge_all`), so even vocabularies
/// whose merges disagree with their own ranks tokenize identically.
struct BPEModel: Sendable {
    /// Vocab id of each byte's one-character token; -1 when the vocab lacks it.
    let byteIDs: [Int32]
    /// `left << 32 | right` → `rank << 32 | merged id`.
    let merges: PairTable
    /// Llama-3's `ignore_merges`: a pre-token that is itself in the vocab is that one token.
    let ignoreMerges: Bool
    /// Raw bytes of every vocab token → index into `wholeWordIDs` (used by `ignoreMerges`).
    let wholeWords: ByteStringTable
    let wholeWordIDs: [Int32]
    /// Unknown-byte handling (`unk_token`, `fuse_unk`); byte-level vocabularies never need it.
    let unknownID: Int32?
    let fuseUnknown: Bool

    /// Appends the ids of one pre-token.
    func tokenize(_ word: UnsafeBufferPointer<UInt8>, into ids: inout [Int32], scratch: inout BPEScratch) {
        if word.isEmpty { return }
        if ignoreMerges, let entry = wholeWords.find(word) {
            ids.append(wholeWordIDs[entry])
            return
        }
        scratch.reset()
        var pendingUnknown = false
        for b in word {
            let id = byteIDs[Int(b)]
            if id >= 0 {
                if pendingUnknown, let unk = unknownID { scratch.addSymbol(unk) }
                pendingUnknown = false
                scratch.addSymbol(id)
            } else if let unk = unknownID {
                if fuseUnknown {
                    pendingUnknown = true
                } else {
                    scratch.addSymbol(unk)
                }
            }
        }
        if pendingUnknown, let unk = unknownID { scratch.addSymbol(unk) }
        mergeAll(&scratch)
        // Merges fold the right symbol into the left one, so the list always starts at 0.
        var i: Int32 = scratch.ids.isEmpty ? -1 : 0
        while i >= 0 {
            ids.append(scratch.ids[Int(i)])
            i = scratch.next[Int(i)]
        }
    }

    @inline(__always)
    private func lookup(_ left: Int32, _ right: Int32) -> UInt64? {
        merges.get(UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right)))
    }

    private func mergeAll(_ s: inout BPEScratch) {
        let n = s.ids.count
        if n < 2 { return }
        s.heap.removeAll(keepingCapacity: true)
        for pos in 0..<(n - 1) {
            if let m = lookup(s.ids[pos], s.ids[pos + 1]) {
                s.push(rank: UInt32(m >> 32), pos: UInt32(pos), newID: Int32(truncatingIfNeeded: m & 0xFFFF_FFFF))
            }
        }
        while let top = s.pop() {
            let pos = Int(top.key & 0xFFFF_FFFF)
            guard s.alive[pos], s.next[pos] >= 0 else { continue }
            let right = Int(s.next[pos])
            // Stale entry: the pair at `pos` changed since it was queued.
            guard let m = lookup(s.ids[pos], s.ids[right]),
                Int32(truncatingIfNeeded: m & 0xFFFF_FFFF) == top.newID
            else { continue }
            s.ids[pos] = top.newID
            s.alive[right] = false
            let after = s.next[right]
            s.next[pos] = after
            if after >= 0 { s.prev[Int(after)] = Int32(pos) }
            let before = s.prev[pos]
            if before >= 0, let m = lookup(s.ids[Int(before)], top.newID) {
                s.push(rank: UInt32(m >> 32), pos: UInt32(before), newID: Int32(truncatingIfNeeded: m & 0xFFFF_FFFF))
            }
            if after >= 0, let m = lookup(top.newID, s.ids[Int(after)]) {
                s.push(rank: UInt32(m >> 32), pos: UInt32(pos), newID: Int32(truncatingIfNeeded: m & 0xFFFF_FFFF))
            }
        }
    }
}

/// Per-call working memory for BPE (a doubly linked list of symbols and a min-heap of merges).
struct BPEScratch {
    var ids: [Int32] = []
    var prev: [Int32] = []
    var next: [Int32] = []
    var alive: [Bool] = []
    /// Min-heap ordered by `rank << 32 | position`, as HF orders its `Merge` entries.
    var heap: [(key: UInt64, newID: Int32)] = []

    mutating func reset() {
        ids.removeAll(keepingCapacity: true)
        prev.removeAll(keepingCapacity: true)
        next.removeAll(keepingCapacity: true)
        alive.removeAll(keepingCapacity: true)
    }

    mutating func addSymbol(_ id: Int32) {
        let i = Int32(ids.count)
        if i > 0 { next[Int(i) - 1] = i }
        ids.append(id)
        prev.append(i - 1)
        next.append(-1)
        alive.append(true)
    }

    mutating func push(rank: UInt32, pos: UInt32, newID: Int32) {
        heap.append((UInt64(rank) << 32 | UInt64(pos), newID))
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if heap[parent].key <= heap[i].key { break }
            heap.swapAt(parent, i)
            i = parent
        }
    }

    mutating func pop() -> (key: UInt64, newID: Int32)? {
        guard let first = heap.first else { return nil }
        let last = heap.removeLast()
        if heap.isEmpty { return first }
        heap[0] = last
        var i = 0
        let n = heap.count
        while true {
            let l = 2 * i + 1
            if l >= n { break }
            var m = l
            if l + 1 < n && heap[l + 1].key < heap[l].key { m = l + 1 }
            if heap[i].key <= heap[m].key { break }
            heap.swapAt(i, m)
            i = m
        }
        return first
    }
}

/// Pre-token → ids memo shared by all calls (HF keeps one too: 10,000 words, words < 256 bytes).
final class WordCache: @unchecked Sendable {
    private let lock = NSLock()
    private var table = ByteStringTable(capacity: 1024)
    private var starts: [Int32] = []
    private var counts: [Int32] = []
    private var arena: [Int32] = []
    static let capacity = 10_000
    static let maxWordLength = 256

    /// Appends the cached ids for `word` and returns true, or returns false on a miss.
    func lookup(_ word: UnsafeBufferPointer<UInt8>, into ids: inout [Int32]) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = table.find(word) else { return false }
        let start = Int(starts[entry])
        ids.append(contentsOf: arena[start..<(start + Int(counts[entry]))])
        return true
    }

    func store(_ word: UnsafeBufferPointer<UInt8>, ids: ArraySlice<Int32>) {
        guard word.count < Self.maxWordLength else { return }
        lock.lock()
        defer { lock.unlock() }
        guard table.count < Self.capacity, table.find(word) == nil else { return }
        table.append(word)
        starts.append(Int32(arena.count))
        counts.append(Int32(ids.count))
        arena.append(contentsOf: ids)
    }
}
