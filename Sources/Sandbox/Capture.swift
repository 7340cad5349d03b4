/// Keeps the first and last `cap / 2` bytes of a stream and counts the rest, so a program
/// printing gigabytes costs the host a fixed amount of memory.
struct StreamCapture {
    let headCap: Int
    let tailCap: Int
    private(set) var head: [UInt8] = []
    private var ring: [UInt8] = []
    private var ringStart = 0
    private(set) var total = 0

    init(cap: Int) {
        headCap = cap - cap / 2
        tailCap = cap / 2
    }

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        total += bytes.count
        var rest = bytes[...]
        if head.count < headCap {
            let take = min(headCap - head.count, rest.count)
            head.append(contentsOf: rest.prefix(take))
            rest = rest.dropFirst(take)
        }
        guard tailCap > 0, !rest.isEmpty else { return }
        if rest.count >= tailCap {
            ring = Array(rest.suffix(tailCap))
            ringStart = 0
            return
        }
        for byte in rest {
            if ring.count < tailCap {
                ring.append(byte)
            } else {
                ring[ringStart] = byte
                ringStart = (ringStart + 1) % tailCap
            }
        }
    }

    /// Bytes kept after the head, in order.
    var tail: [UInt8] { Array(ring[ringStart...] + ring[..<ringStart]) }

    var excerpt: OutputExcerpt {
        let tailBytes = tail
        let headText = String(decoding: head, as: UTF8.self)
        let tailText = String(decoding: tailBytes, as: UTF8.self)
        // Lossy decoding inserts U+FFFD; a cut in the middle of a character also does, so
        // compare against strict validation instead of searching for the replacement.
        let lossy = String(validating: head, as: UTF8.self) == nil
            || (!tailBytes.isEmpty && String(validating: trimmedForValidation(tailBytes), as: UTF8.self) == nil)
        return OutputExcerpt(bytes: total, head: headText, tail: tailText,
                             truncated: total > head.count + tailBytes.count, lossy: lossy)
    }

    /// The tail may start inside a multi-byte character: skip continuation bytes.
    private func trimmedForValidation(_ bytes: [UInt8]) -> [UInt8] {
        Array(bytes.drop(while: { $0 & 0xC0 == 0x80 }))
    }
}
