/// A coarse Python lexer over UTF-8 bytes: enough to tell code from strings and comments,
/// to track bracket depth and to split logical lines.  It never evaluates anything, and
/// every construct Python syntax is ASCII, so byte scanning is safe inside UTF-8 text.
struct Token: Equatable {
    enum Kind: Equatable { case word, string, op, comment }
    var kind: Kind
    /// Byte range in the scanned text.
    var start: Int
    var end: Int
    /// Bracket depth before the token.
    var depth: Int
}

/// One logical line (a statement line, or a comment-only line), blank lines omitted.
struct LogicalLine {
    /// Code tokens, without comments.
    var tokens: [Token]
    var hasComment: Bool
    /// Physical line numbers (0-based), inclusive.
    var firstLine: Int
    var lastLine: Int

    var isCommentOnly: Bool { tokens.isEmpty }
}

struct ScannedText {
    let bytes: [UInt8]
    /// Byte offset of each physical line's start.
    let lineStarts: [Int]
    let logicalLines: [LogicalLine]
    /// Physical lines that begin inside a string literal (their bytes are string content).
    let startsInString: Set<Int>
    /// Physical lines that continue a logical line begun above (brackets or backslash).
    let continuation: Set<Int>

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var starts = [0]
        for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") { starts.append(offset + 1) }
        if starts.count > 1, starts.last == bytes.count { starts.removeLast() }
        lineStarts = starts
        var scanner = Scanner(bytes: bytes, lineStarts: starts)
        scanner.run()
        logicalLines = scanner.lines
        startsInString = scanner.startsInString
        continuation = scanner.continuation
    }

    var lineCount: Int { lineStarts.count }

    /// Byte range of physical line `line` without its line ending.
    func contentRange(ofLine line: Int) -> Range<Int> {
        let start = lineStarts[line]
        var end = line + 1 < lineStarts.count ? lineStarts[line + 1] : bytes.count
        if end > start, bytes[end - 1] == UInt8(ascii: "\n") { end -= 1 }
        if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return start..<end
    }

    /// Byte offset just past line `line`'s line ending (or the end of the text).
    func endIncludingNewline(ofLine line: Int) -> Int {
        line + 1 < lineStarts.count ? lineStarts[line + 1] : bytes.count
    }

    /// The leading spaces and tabs of a physical line.
    func indentRange(ofLine line: Int) -> Range<Int> {
        let range = contentRange(ofLine: line)
        var end = range.lowerBound
        while end < range.upperBound, bytes[end] == UInt8(ascii: " ") || bytes[end] == UInt8(ascii: "\t") { end += 1 }
        return range.lowerBound..<end
    }

    /// Indentation width with tabs to the next multiple of 8, as Python's tokenizer counts it.
    func indentWidth(ofLine line: Int) -> Int { Self.width(bytes[indentRange(ofLine: line)]) }

    static func width<C: Collection>(_ indent: C) -> Int where C.Element == UInt8 {
        indent.reduce(0) { $1 == UInt8(ascii: "\t") ? ($0 / 8 + 1) * 8 : $0 + 1 }
    }

    func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
    func text(_ token: Token) -> String { text(token.start..<token.end) }

    func line(containing offset: Int) -> Int {
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        return low
    }
}

private struct Scanner {
    let bytes: [UInt8]
    let lineStarts: [Int]
    var lines: [LogicalLine] = []
    var startsInString: Set<Int> = []
    var continuation: Set<Int> = []

    private var tokens: [Token] = []
    private var hasComment = false
    private var firstOffset: Int?
    private var depth = 0

    init(bytes: [UInt8], lineStarts: [Int]) {
        self.bytes = bytes
        self.lineStarts = lineStarts
    }

    func lineOf(_ offset: Int) -> Int {
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        return low
    }

    mutating func finishLine(at offset: Int) {
        defer {
            tokens = []
            hasComment = false
            firstOffset = nil
            depth = 0
        }
        guard let first = firstOffset else { return }
        let firstLine = lineOf(first), lastLine = lineOf(offset)
        if lastLine > firstLine { continuation.formUnion((firstLine + 1)...lastLine) }
        lines.append(LogicalLine(tokens: tokens, hasComment: hasComment, firstLine: firstLine, lastLine: lastLine))
    }

    mutating func add(_ kind: Token.Kind, _ start: Int, _ end: Int) {
        if firstOffset == nil { firstOffset = start }
        if kind == .comment { hasComment = true } else {
            tokens.append(Token(kind: kind, start: start, end: end, depth: depth))
        }
    }

    static func isWord(_ byte: UInt8) -> Bool {
        byte >= 0x80 || byte == UInt8(ascii: "_") || (48...57).contains(byte) || (65...90).contains(byte)
            || (97...122).contains(byte)
    }

    static func isStringPrefix(_ word: ArraySlice<UInt8>) -> Bool {
        let lower = String(decoding: word, as: UTF8.self).lowercased()
        return ["r", "u", "b", "f", "br", "rb", "fr", "rf"].contains(lower)
    }

    mutating func run() {
        let n = bytes.count
        var i = 0
        while i < n {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "\n"):
                if depth == 0 { finishLine(at: i) }
                i += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), 0x0C:
                i += 1
            case UInt8(ascii: "\\"):
                // Explicit line joining: the next physical line continues this logical line.
                var j = i + 1
                if j < n, bytes[j] == UInt8(ascii: "\r") { j += 1 }
                if j < n, bytes[j] == UInt8(ascii: "\n") {
                    if firstOffset == nil { firstOffset = i }
                    i = j + 1
                } else {
                    add(.op, i, i + 1)
                    i += 1
                }
            case UInt8(ascii: "#"):
                var j = i
                while j < n, bytes[j] != UInt8(ascii: "\n") { j += 1 }
                var end = j
                if end > i, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                add(.comment, i, end)
                i = j
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                i = scanString(from: i, quoteAt: i)
            default:
                if Self.isWord(c) {
                    var j = i
                    while j < n, Self.isWord(bytes[j]) { j += 1 }
                    if j < n, bytes[j] == UInt8(ascii: "'") || bytes[j] == UInt8(ascii: "\""),
                        Self.isStringPrefix(bytes[i..<j])
                    {
                        i = scanString(from: i, quoteAt: j)
                    } else {
                        add(.word, i, j)
                        i = j
                    }
                } else if c == UInt8(ascii: "."), i + 2 < n, bytes[i + 1] == c, bytes[i + 2] == c {
                    add(.op, i, i + 3)
                    i += 3
                } else {
                    if c == UInt8(ascii: ")") || c == UInt8(ascii: "]") || c == UInt8(ascii: "}") {
                        depth = max(depth - 1, 0)
                    }
                    add(.op, i, i + 1)
                    if c == UInt8(ascii: "(") || c == UInt8(ascii: "[") || c == UInt8(ascii: "{") { depth += 1 }
                    i += 1
                }
            }
        }
        finishLine(at: max(n - 1, 0))
    }

    /// Scans a string literal whose prefix starts at `start` and opening quote is at `quoteAt`;
    /// returns the offset after it.  An unterminated literal ends at its line (or the text's end).
    mutating func scanString(from start: Int, quoteAt: Int) -> Int {
        let n = bytes.count
        let quote = bytes[quoteAt]
        let triple = quoteAt + 2 < n && bytes[quoteAt + 1] == quote && bytes[quoteAt + 2] == quote
        var j = quoteAt + (triple ? 3 : 1)
        var end = n
        while j < n {
            let b = bytes[j]
            if b == UInt8(ascii: "\\") {
                // An escaped character never closes the literal, in raw strings too.
                j += 2
                if j < n, bytes[j - 1] == UInt8(ascii: "\r"), bytes[j] == UInt8(ascii: "\n") { j += 1 }
                if j < n, bytes[j - 1] == UInt8(ascii: "\n") { startsInString.insert(lineOf(j)) }
                continue
            }
            if b == UInt8(ascii: "\n") {
                if !triple {
                    end = j
                    break
                }
                if j + 1 < n { startsInString.insert(lineOf(j + 1)) }
            }
            if b == quote {
                if !triple {
                    end = j + 1
                    break
                }
                if j + 2 < n, bytes[j + 1] == quote, bytes[j + 2] == quote {
                    end = j + 3
                    break
                }
            }
            j += 1
        }
        end = min(end, n)
        add(.string, start, end)
        return end
    }
}
