/// A token registered on top of the BPE vocabulary (`added_tokens` in tokenizer.json or
/// `added_tokens_decoder` in tokenizer_config.json). It is never split: the text is cut around
/// it before pre-tokenization.
public struct AddedToken: Sendable, Equatable, Hashable {
    public let id: Int
    public let content: String
    /// Special tokens (`<|im_end|>`, `<|eot_id|>`, …) are dropped by `decode(skipSpecialTokens: true)`.
    public let isSpecial: Bool
    /// Also swallow whitespace to the left / right of the token.
    public let leftStrip: Bool
    public let rightStrip: Bool
    /// Only match when not glued to word characters on either side.
    public let singleWord: Bool
    /// Matched in the normalized text (after NFC) rather than in the raw text.
    public let normalized: Bool

    public init(
        id: Int, content: String, isSpecial: Bool, leftStrip: Bool = false, rightStrip: Bool = false,
        singleWord: Bool = false, normalized: Bool = false
    ) {
        self.id = id
        self.content = content
        self.isSpecial = isSpecial
        self.leftStrip = leftStrip
        self.rightStrip = rightStrip
        self.singleWord = singleWord
        self.normalized = normalized
    }
}

/// Finds added tokens leftmost-longest (what HF's Aho-Corasick `LeftmostLongest` does) with a
/// byte trie, then applies the `single_word` / `lstrip` / `rstrip` rules of HF's `find_matches`.
struct AddedTokenMatcher: Sendable {
    private struct Entry: Sendable {
        let id: Int32
        let leftStrip: Bool
        let rightStrip: Bool
        let singleWord: Bool
    }

    private var transitions: PairTable
    private var terminal: [Int32] = [-1]  // per trie node: entry index or -1
    private var entries: [Entry] = []
    private var firstByte = [Bool](repeating: false, count: 256)
    private var nodeCount = 1

    var isEmpty: Bool { entries.isEmpty }

    /// `patterns`: the text to look for (the content, normalized for normalized tokens) per token.
    init(_ tokens: [(pattern: [UInt8], token: AddedToken)]) {
        transitions = PairTable(capacity: max(16, tokens.reduce(0) { $0 + $1.pattern.count }))
        for (pattern, token) in tokens where !pattern.isEmpty {
            var node = 0
            for b in pattern {
                let key = UInt64(node) << 8 | UInt64(b)
                if let child = transitions.get(key) {
                    node = Int(child)
                } else {
                    transitions.insert(key, UInt64(nodeCount))
                    terminal.append(-1)
                    node = nodeCount
                    nodeCount += 1
                }
            }
            firstByte[Int(pattern[0])] = true
            if terminal[node] < 0 {  // the first registration of a content wins
                terminal[node] = Int32(entries.count)
                entries.append(
                    Entry(id: Int32(token.id), leftStrip: token.leftStrip, rightStrip: token.rightStrip,
                        singleWord: token.singleWord))
            }
        }
    }

    /// A segment of the input: either an added token's id or plain text.
    struct Segment {
        var range: Range<Int>
        var tokenID: Int32?
    }

    /// Cuts `bytes[range]` into text and added-token segments (appended to `out`).
    func split(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into out: inout [Segment]) {
        if entries.isEmpty {
            out.append(Segment(range: range, tokenID: nil))
            return
        }
        var textStart = range.lowerBound
        var i = range.lowerBound
        while i < range.upperBound {
            guard firstByte[Int(bytes[i])], let (entryIndex, matchEnd) = longestMatch(bytes, at: i, limit: range.upperBound)
            else {
                i += 1
                continue
            }
            let entry = entries[entryIndex]
            if entry.singleWord {
                let wordBefore = i > range.lowerBound && Self.isWordCharacter(before: i, bytes, floor: range.lowerBound)
                let wordAfter = matchEnd < range.upperBound && Self.isWordCharacter(at: matchEnd, bytes)
                if wordBefore || wordAfter {
                    i = matchEnd  // HF drops the match; its iterator has already moved past it
                    continue
                }
            }
            var start = i
            var stop = matchEnd
            if entry.leftStrip {
                while start > textStart, let prev = Self.scalarStart(before: start, bytes, floor: textStart),
                    CharacterClass.of(decodeScalar(bytes, at: prev).value).contains(.whitespace)
                {
                    start = prev
                }
            }
            if entry.rightStrip {
                while stop < range.upperBound {
                    let (value, length) = decodeScalar(bytes, at: stop)
                    guard CharacterClass.of(value).contains(.whitespace) else { break }
                    stop += length
                }
            }
            if start > textStart { out.append(Segment(range: textStart..<start, tokenID: nil)) }
            out.append(Segment(range: start..<stop, tokenID: entry.id))
            textStart = stop
            i = stop
        }
        if textStart < range.upperBound {
            out.append(Segment(range: textStart..<range.upperBound, tokenID: nil))
        }
    }

    private func longestMatch(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int, limit: Int) -> (Int, Int)? {
        var node = 0
        var best: (Int, Int)?
        var j = start
        while j < limit, let child = transitions.get(UInt64(node) << 8 | UInt64(bytes[j])) {
            node = Int(child)
            j += 1
            if terminal[node] >= 0 { best = (Int(terminal[node]), j) }
        }
        return best
    }

    private static func scalarStart(before i: Int, _ bytes: UnsafeBufferPointer<UInt8>, floor: Int) -> Int? {
        var j = i - 1
        while j > floor && bytes[j] & 0xC0 == 0x80 { j -= 1 }
        return j >= floor ? j : nil
    }

    private static func isWordCharacter(before i: Int, _ bytes: UnsafeBufferPointer<UInt8>, floor: Int) -> Bool {
        guard let j = scalarStart(before: i, bytes, floor: floor) else { return false }
        return isWordCharacter(at: j, bytes)
    }

    private static func isWordCharacter(at i: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        CharacterClass.of(decodeScalar(bytes, at: i).value).contains(.word)
    }
}
