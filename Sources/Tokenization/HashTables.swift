/// Small open-addressing tables for the encode hot path. Swift `Dictionary` hashes with SipHash
/// and `String` keys compare by canonical equivalence ("é" == "e\u{301}"), which is both slow
/// and wrong for byte-exact tokenization, so lookups here are on raw bytes and integer pairs.

/// `UInt64 → UInt64` map for BPE merges: key `left << 32 | right`, value `rank << 32 | newID`.
struct PairTable: Sendable {
    private var keys: [UInt64]
    private var values: [UInt64]
    private let mask: Int
    private static let empty = UInt64.max

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [UInt64](repeating: Self.empty, count: size)
        values = [UInt64](repeating: 0, count: size)
        mask = size - 1
    }

    @inline(__always)
    private func slot(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// Inserts or overwrites (a later duplicate merge wins, as in HF's `HashMap` collect).
    /// The table never grows: callers size it for all their keys.
    @discardableResult
    mutating func insert(_ key: UInt64, _ value: UInt64) -> Bool {
        var i = slot(key)
        while keys[i] != Self.empty {
            if keys[i] == key {
                values[i] = value
                return false
            }
            i = (i + 1) & mask
        }
        keys[i] = key
        values[i] = value
        return true
    }

    @inline(__always)
    func get(_ key: UInt64) -> UInt64? {
        keys.withUnsafeBufferPointer { k in
            var i = slot(key)
            while true {
                let stored = k[i]
                if stored == key { return values[i] }
                if stored == Self.empty { return nil }
                i = (i + 1) & mask
            }
        }
    }
}

/// Byte-string → index map (the index of insertion); keys live in one arena.
struct ByteStringTable: Sendable {
    private var arena: [UInt8] = []
    private var starts: [Int32] = []
    private var lengths: [Int32] = []
    private var slots: [Int32]
    private var mask: Int

    init(capacity: Int = 16) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    var count: Int { starts.count }

    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    func find(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = Self.hash(bytes) & mask
        return arena.withUnsafeBufferPointer { arena in
            while true {
                let entry = Int(slots[i])
                if entry < 0 { return nil }
                let len = Int(lengths[entry])
                if len == bytes.count {
                    let start = Int(starts[entry])
                    var same = true
                    for j in 0..<len where arena[start + j] != bytes[j] {
                        same = false
                        break
                    }
                    if same { return entry }
                }
                i = (i + 1) & mask
            }
        }
    }

    /// Adds a key (caller checks it is absent) and returns its index.
    @discardableResult
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        if (starts.count + 1) * 2 > slots.count { grow() }
        let entry = starts.count
        starts.append(Int32(arena.count))
        lengths.append(Int32(bytes.count))
        arena.append(contentsOf: bytes)
        place(entry, hash: Self.hash(bytes))
        return entry
    }

    private mutating func place(_ entry: Int, hash: Int) {
        var i = hash & mask
        while slots[i] >= 0 { i = (i + 1) & mask }
        slots[i] = Int32(entry)
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        for entry in 0..<starts.count {
            let start = Int(starts[entry])
            let len = Int(lengths[entry])
            let h = arena.withUnsafeBufferPointer { Self.hash(UnsafeBufferPointer(rebasing: $0[start..<(start + len)])) }
            place(entry, hash: h)
        }
    }
}

extension ByteStringTable {
    func find(_ bytes: [UInt8]) -> Int? { bytes.withUnsafeBufferPointer { find($0) } }
    @discardableResult
    mutating func append(_ bytes: [UInt8]) -> Int { bytes.withUnsafeBufferPointer { append($0) } }
}
