/// How a file ends its lines; rewritten lines use the same.
public enum LineEnding: String, Sendable, Codable {
    case lf = "\n"
    case crlf = "\r\n"
}

/// A `def` or `class` found in a file, with its block structure.
struct Definition {
    enum Kind { case function, `class` }
    var kind: Kind
    var name: String
    var qualifiedName: String
    /// Logical-line index of the first decorator, or of the header when undecorated.
    var firstLogical: Int
    var headerLogical: Int
    /// Index (in the header's tokens) of the colon that ends the header.
    var colonToken: Int
    /// Logical lines of an indented body; empty for a one-line body (`def f(): ...`).
    var body: Range<Int>
    var children: [Definition]
    /// Enclosing definitions' header logical lines, outermost first.
    var enclosing: [Int]

    var hasInlineBody: Bool { body.isEmpty }
}

/// A Python source file, scanned once: lines, logical lines and its `def`/`class` tree.
public struct PythonFile: Sendable {
    public let path: String
    public let bytes: [UInt8]
    public let lineEnding: LineEnding
    /// One level of indentation as the file writes it (four spaces when it never indents).
    public let indentUnit: String
    let scanned: ScannedText
    let definitions: [Definition]

    /// Scans `bytes`; a NUL byte or invalid UTF-8 makes it a binary file.
    public init(bytes: [UInt8], path: String) throws(PythonSourceError) {
        guard !bytes.contains(0), String(validating: bytes, as: UTF8.self) != nil else {
            throw .binary(path: path)
        }
        self.path = path
        self.bytes = bytes
        let scanned = ScannedText(bytes)
        self.scanned = scanned
        lineEnding = Self.detectLineEnding(bytes)
        indentUnit = Self.detectIndentUnit(scanned)
        definitions = Self.parseBlock(scanned, 0..<scanned.logicalLines.count, prefix: "", enclosing: [])
    }

    public init(text: String, path: String) throws(PythonSourceError) {
        try self.init(bytes: Array(text.utf8), path: path)
    }

    /// Every function and class name, dotted (`Class.method`, `outer.inner`), in file order.
    public var qualifiedNames: [String] {
        func walk(_ definitions: [Definition]) -> [String] {
            definitions.flatMap { [$0.qualifiedName] + walk($0.children) }
        }
        return walk(definitions)
    }

    /// The function called `name`: a top-level name, or a dotted path through classes and
    /// functions (`Class.method`, `Outer.Inner.method`).
    public func function(named name: String) throws(PythonSourceError) -> PythonFunction {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        var level = definitions
        var found: Definition?
        for part in parts {
            guard let match = level.last(where: { $0.name == part }) else {
                found = nil
                break
            }
            found = match
            level = match.children
        }
        guard let definition = found, !parts.contains("") else {
            throw .functionNotFound(name: name, path: path, similar: similarNames(to: name))
        }
        guard definition.kind == .function else {
            throw .notAFunction(name: name, path: path, line: firstLine(definition.headerLogical) + 1)
        }
        return PythonFunction(file: self, definition: definition)
    }

    /// Up to five names close to `name` (edit distance, or sharing its last component).
    func similarNames(to name: String) -> [String] {
        let target = name.lowercased()
        let last = target.split(separator: ".").last.map(String.init) ?? target
        let scored = qualifiedNames.map { candidate -> (String, Int) in
            let lower = candidate.lowercased()
            let tail = lower.split(separator: ".").last.map(String.init) ?? lower
            var score = min(editDistance(lower, target), editDistance(tail, last))
            if tail.contains(last) || last.contains(tail) { score = min(score, 1) }
            return (candidate, score)
        }
        let limit = max(2, last.count / 3)
        return scored.filter { $0.1 <= limit }.sorted { $0.1 < $1.1 }.prefix(5).map(\.0)
    }

    func firstLine(_ logical: Int) -> Int { scanned.logicalLines[logical].firstLine }

    func width(_ logical: Int) -> Int { scanned.indentWidth(ofLine: firstLine(logical)) }

    // MARK: - Scanning helpers

    static func detectLineEnding(_ bytes: [UInt8]) -> LineEnding {
        var crlf = 0, lf = 0
        for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
            if offset > 0, bytes[offset - 1] == UInt8(ascii: "\r") { crlf += 1 } else { lf += 1 }
        }
        return crlf > lf ? .crlf : .lf
    }

    /// The most common indentation step from a block header to its first body line.
    static func detectIndentUnit(_ scanned: ScannedText) -> String {
        var counts: [String: Int] = [:]
        let lines = scanned.logicalLines.filter { !$0.isCommentOnly }
        for (header, next) in zip(lines, lines.dropFirst()) {
            guard let last = header.tokens.last, last.kind == .op, scanned.bytes[last.start] == UInt8(ascii: ":"),
                last.depth == 0
            else { continue }
            let outer = scanned.bytes[scanned.indentRange(ofLine: header.firstLine)]
            let inner = scanned.bytes[scanned.indentRange(ofLine: next.firstLine)]
            guard inner.count > outer.count, inner.starts(with: outer) else { continue }
            counts[String(decoding: inner.dropFirst(outer.count), as: UTF8.self), default: 0] += 1
        }
        return counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key ?? "    "
    }

    /// Finds the `def`s and `class`es that are direct statements of a block.
    static func parseBlock(
        _ scanned: ScannedText, _ range: Range<Int>, prefix: String, enclosing: [Int]
    ) -> [Definition] {
        let lines = scanned.logicalLines
        guard let first = range.first(where: { !lines[$0].isCommentOnly }) else { return [] }
        let blockWidth = scanned.indentWidth(ofLine: lines[first].firstLine)
        func width(_ k: Int) -> Int { scanned.indentWidth(ofLine: lines[k].firstLine) }
        func word(_ token: Token?) -> String? {
            guard let token, token.kind == .word else { return nil }
            return scanned.text(token)
        }

        var result: [Definition] = []
        var decoratorStart: Int?
        var k = range.lowerBound
        while k < range.upperBound {
            let line = lines[k]
            if line.isCommentOnly || width(k) != blockWidth {
                k += 1
                continue
            }
            let tokens = line.tokens
            if tokens[0].kind == .op, scanned.bytes[tokens[0].start] == UInt8(ascii: "@") {
                if decoratorStart == nil { decoratorStart = k }
                k += 1
                continue
            }
            // The statement's indented body: deeper lines and interleaved comments, without
            // trailing comments at this block's level (they belong to what follows).
            var end = k + 1
            while end < range.upperBound, lines[end].isCommentOnly || width(end) > blockWidth { end += 1 }
            while end > k + 1, lines[end - 1].isCommentOnly, width(end - 1) <= blockWidth { end -= 1 }

            var nameIndex = 1
            var kind: Definition.Kind?
            switch word(tokens[0]) {
            case "def": kind = .function
            case "class": kind = .class
            case "async" where word(tokens.count > 1 ? tokens[1] : nil) == "def":
                kind = .function
                nameIndex = 2
            default: kind = nil
            }
            if let kind, let name = word(nameIndex < tokens.count ? tokens[nameIndex] : nil),
                let colon = tokens.indices.first(where: {
                    $0 > nameIndex && tokens[$0].depth == 0 && tokens[$0].kind == .op
                        && scanned.bytes[tokens[$0].start] == UInt8(ascii: ":")
                })
            {
                let qualified = prefix.isEmpty ? name : prefix + "." + name
                let inline = colon + 1 < tokens.count
                let body = inline ? k..<k : (k + 1)..<end
                let children = inline ? [] : parseBlock(scanned, body, prefix: qualified, enclosing: enclosing + [k])
                result.append(
                    Definition(
                        kind: kind, name: name, qualifiedName: qualified, firstLogical: decoratorStart ?? k,
                        headerLogical: k, colonToken: colon, body: body, children: children, enclosing: enclosing))
            }
            decoratorStart = nil
            k = end
        }
        return result
    }
}

/// Levenshtein distance over Unicode scalars.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
