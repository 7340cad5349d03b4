/// The pre-tokenizer regexes this package knows, run as hand-written scanners.
///
/// Each scanner reproduces the leftmost-alternative, backtracking semantics of the regex over
/// Unicode scalars (Swift `Regex` is far too slow for the throughput target). Every alternative
/// consumes at least one scalar and some alternative always matches, so the matches tile the
/// input and Split's `Isolated` behaviour is simply "each match is a piece".
enum SplitPattern: String, Sendable, Equatable {
    /// Qwen2 / Dream: `\p{N}` takes one digit at a time.
    case qwen2
    /// Llama-3 / LLaDA: `\p{N}{1,3}`.
    case llama3
    /// GPT-2, the built-in regex of the ByteLevel pre-tokenizer (`use_regex: true`).
    case gpt2

    static let qwen2Regex =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let llama3Regex =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let gpt2Regex = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#

    /// The scanner for a regex from tokenizer.json, or nil when it is not one we implement.
    init?(regex: String) {
        switch regex {
        case Self.qwen2Regex: self = .qwen2
        case Self.llama3Regex: self = .llama3
        case Self.gpt2Regex: self = .gpt2
        default: return nil
        }
    }
}

/// Reusable buffers so splitting allocates nothing per piece.
struct SplitScratch {
    var values: [UInt32] = []
    var classes: [CharacterClass] = []
    var offsets: [Int] = []
    /// Output: end offsets (into the byte buffer) of consecutive pieces.
    var pieceEnds: [Int] = []
}

extension SplitPattern {
    /// Splits `bytes[range]` (well-formed UTF-8) into pieces; their end offsets go to
    /// `scratch.pieceEnds` (the first piece starts at `range.lowerBound`).
    func split(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into scratch: inout SplitScratch) {
        scratch.values.removeAll(keepingCapacity: true)
        scratch.classes.removeAll(keepingCapacity: true)
        scratch.offsets.removeAll(keepingCapacity: true)
        scratch.pieceEnds.removeAll(keepingCapacity: true)
        var i = range.lowerBound
        while i < range.upperBound {
            let (value, length) = decodeScalar(bytes, at: i)
            scratch.values.append(value)
            scratch.classes.append(CharacterClass.of(value))
            scratch.offsets.append(i)
            i += length
        }
        scratch.offsets.append(range.upperBound)
        let n = scratch.values.count
        scratch.values.withUnsafeBufferPointer { values in
            scratch.classes.withUnsafeBufferPointer { classes in
                var at = 0
                while at < n {
                    let end: Int
                    switch self {
                    case .qwen2: end = Self.matchModern(values, classes, at, maxDigits: 1)
                    case .llama3: end = Self.matchModern(values, classes, at, maxDigits: 3)
                    case .gpt2: end = Self.matchGPT2(values, classes, at)
                    }
                    scratch.pieceEnds.append(scratch.offsets[end])
                    at = end
                }
            }
        }
    }

    private static let apostrophe: UInt32 = 0x27
    private static let space: UInt32 = 0x20

    /// ASCII lower-casing plus the one non-ASCII simple case fold that reaches these letters
    /// (U+017F LATIN SMALL LETTER LONG S folds to `s`), as `(?i)` matching does.
    @inline(__always)
    private static func folded(_ v: UInt32) -> UInt32 {
        if v >= 0x41 && v <= 0x5A { return v | 0x20 }
        if v == 0x17F { return 0x73 }
        return v
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d` at `i` (which holds an apostrophe); returns the end or nil.
    @inline(__always)
    private static func contraction(
        _ v: UnsafeBufferPointer<UInt32>, _ i: Int, caseInsensitive: Bool
    ) -> Int? {
        let n = v.count
        guard i + 1 < n else { return nil }
        let c1 = caseInsensitive ? folded(v[i + 1]) : v[i + 1]
        switch c1 {
        case 0x73, 0x74, 0x6D, 0x64: return i + 2  // s t m d
        default: break
        }
        guard i + 2 < n else { return nil }
        let c2 = caseInsensitive ? folded(v[i + 2]) : v[i + 2]
        switch (c1, c2) {
        case (0x72, 0x65), (0x76, 0x65), (0x6C, 0x6C): return i + 3  // re ve ll
        default: return nil
        }
    }

    /// "Not `\s`, `\p{L}` or `\p{N}`": the class `[^\s\p{L}\p{N}]`.
    @inline(__always)
    private static func isOther(_ c: CharacterClass) -> Bool {
        c.isDisjoint(with: [.whitespace, .letter, .number])
    }

    @inline(__always)
    private static func run(
        _ c: UnsafeBufferPointer<CharacterClass>, from i: Int, while member: CharacterClass
    ) -> Int {
        var j = i
        while j < c.count && c[j].contains(member) { j += 1 }
        return j
    }

    /// The Qwen2 / Llama-3 pattern:
    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,k}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    private static func matchModern(
        _ v: UnsafeBufferPointer<UInt32>, _ c: UnsafeBufferPointer<CharacterClass>, _ i: Int, maxDigits: Int
    ) -> Int {
        let n = v.count
        let k = c[i]
        if v[i] == apostrophe, let end = contraction(v, i, caseInsensitive: true) { return end }
        if k.contains(.letter) { return run(c, from: i, while: .letter) }
        if k.isDisjoint(with: [.newline, .letter, .number]) && i + 1 < n && c[i + 1].contains(.letter) {
            return run(c, from: i + 1, while: .letter)
        }
        if k.contains(.number) {
            var j = i + 1
            while j < n && j - i < maxDigits && c[j].contains(.number) { j += 1 }
            return j
        }
        var j = i
        if v[i] == space && i + 1 < n && isOther(c[i + 1]) { j = i + 1 }
        if isOther(c[j]) {
            while j < n && isOther(c[j]) { j += 1 }
            return run(c, from: j, while: .newline)
        }
        return whitespace(c, i, allowNewlineRule: true)
    }

    /// `\s*[\r\n]+|\s+(?!\S)|\s+` at `i`, which holds whitespace.
    @inline(__always)
    private static func whitespace(_ c: UnsafeBufferPointer<CharacterClass>, _ i: Int, allowNewlineRule: Bool) -> Int {
        var j = i
        var lastNewline = -1
        while j < c.count && c[j].contains(.whitespace) {
            if c[j].contains(.newline) { lastNewline = j }
            j += 1
        }
        // `\s*[\r\n]+`: backtracking leaves the match just after the last CR/LF of the run.
        if allowNewlineRule && lastNewline >= 0 { return lastNewline + 1 }
        // `\s+(?!\S)`: at the end of input the whole run; before a non-space, all but its last.
        if j == c.count || j - i >= 2 { return j == c.count ? j : j - 1 }
        return j  // `\s+`
    }

    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    private static func matchGPT2(
        _ v: UnsafeBufferPointer<UInt32>, _ c: UnsafeBufferPointer<CharacterClass>, _ i: Int
    ) -> Int {
        let n = v.count
        if v[i] == apostrophe, let end = contraction(v, i, caseInsensitive: false) { return end }
        let start = (v[i] == space && i + 1 < n) ? i + 1 : i
        if c[start].contains(.letter) { return run(c, from: start, while: .letter) }
        if c[i].contains(.letter) { return run(c, from: i, while: .letter) }
        if c[start].contains(.number) { return run(c, from: start, while: .number) }
        if c[i].contains(.number) { return run(c, from: i, while: .number) }
        if isOther(c[start]) {
            var j = start
            while j < n && isOther(c[j]) { j += 1 }
            return j
        }
        if isOther(c[i]) {
            var j = i
            while j < n && isOther(c[j]) { j += 1 }
            return j
        }
        return whitespace(c, i, allowNewlineRule: false)
    }
}
