/// A careful, conservative reading of Python layout without running Python: logical lines
/// (brackets, strings, comments, backslash continuations), top-level statements, and whether
/// each looks complete. The sandbox's parse stays the authority (a wrong guess here ends as a
/// `syntax_error` verdict, never as a pass).
struct PythonStructure {
    /// One logical line: physical lines `first...last` joined by open brackets, strings or `\`.
    struct LogicalLine {
        var first: Int
        var last: Int
        var indent: Int
        /// Text with comments and string contents blanked out (for keyword and operator checks).
        var skeleton: String
        /// Brackets and strings closed, no dangling backslash, no stray closer, no newline in a 1-quote string.
        var closed: Bool
    }

    /// A top-level statement and everything indented under it (plus `else`/`except`/... clauses).
    struct Statement {
        enum Kind: Equatable {
            case importStatement
            case definition(name: String)
            case assignment(names: [String])
            case mainGuard
            case other
        }
        var kind: Kind
        var lines: [LogicalLine]
        var valid: Bool
    }

    let physical: [Substring]
    let logical: [LogicalLine]

    init(_ source: String) {
        physical = source.split(separator: "\n", omittingEmptySubsequences: false)
        logical = Self.scan(physical)
    }

    // MARK: - Logical lines

    private static func scan(_ lines: [Substring]) -> [LogicalLine] {
        var result: [LogicalLine] = []
        var depth = 0
        var stray = false
        var brokenString = false
        var quote: (char: Character, triple: Bool)?
        var start: Int?
        var skeleton = ""
        var indent = 0
        for (number, line) in lines.enumerated() {
            let chars = Array(line)
            var i = 0
            if start == nil {
                // Skip blank and comment-only lines between statements.
                let trimmed = line.drop { $0 == " " || $0 == "\t" }
                if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
                start = number
                indent = line.count - trimmed.count
                skeleton = ""
                depth = 0
                stray = false
                brokenString = false
                i = indent
            }
            var continued = false
            while i < chars.count {
                let c = chars[i]
                if let q = quote {
                    if c == "\\" { i += 2; continue }
                    if c == q.char {
                        if !q.triple { quote = nil; skeleton.append(c); i += 1; continue }
                        if i + 2 < chars.count, chars[i + 1] == q.char, chars[i + 2] == q.char {
                            quote = nil
                            skeleton += String(repeating: c, count: 3)
                            i += 3
                            continue
                        }
                    }
                    i += 1
                    continue
                }
                switch c {
                case "#":
                    i = chars.count
                    continue
                case "\"", "'":
                    let triple = i + 2 < chars.count && chars[i + 1] == c && chars[i + 2] == c
                    quote = (c, triple)
                    skeleton += triple ? String(repeating: c, count: 3) : String(c)
                    i += triple ? 3 : 1
                    continue
                case "(", "[", "{": depth += 1
                case ")", "]", "}":
                    depth -= 1
                    if depth < 0 { stray = true; depth = 0 }
                case "\\" where i == chars.count - 1:
                    continued = true
                default: break
                }
                skeleton.append(c)
                i += 1
            }
            if let q = quote, i >= chars.count, !q.triple {
                // A one-quote string cannot span lines (unless the line ends in a backslash).
                if !(chars.last == "\\") { brokenString = true; quote = nil }
            }
            if quote != nil || depth > 0 || continued {
                skeleton.append(" ")
                if number < lines.count - 1 { continue }
            }
            let closed = quote == nil && depth == 0 && !continued && !stray && !brokenString
            result.append(LogicalLine(first: start!, last: number, indent: indent, skeleton: skeleton, closed: closed))
            quote = nil
            start = nil
        }
        return result
    }

    // MARK: - Statements

    private static let clauseKeywords: Set<String> = ["else", "elif", "except", "finally", "case"]
    private static let compoundKeywords: Set<String> = [
        "def", "class", "if", "elif", "else", "for", "while", "try", "except", "finally", "with", "async", "match", "case",
    ]
    private static let keywords: Set<String> = [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def",
        "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is",
        "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
    ]

    /// Top-level statements in order.
    var statements: [Statement] {
        var groups: [[LogicalLine]] = []
        for line in logical {
            let word = Self.firstWord(line.skeleton)
            let joins = line.indent > 0 || Self.clauseKeywords.contains(word)
                || (groups.last.map { Self.isDecorator($0.last!.skeleton) && $0.last!.indent == 0 } ?? false)
            if joins, !groups.isEmpty {
                groups[groups.count - 1].append(line)
            } else {
                groups.append([line])
            }
        }
        return groups.map { lines in
            Statement(kind: Self.kind(of: lines), lines: lines, valid: Self.valid(lines))
        }
    }

    /// Source text of physical lines `first...last`.
    func text(_ lines: [LogicalLine]) -> String {
        guard let first = lines.first?.first, let last = lines.last?.last else { return "" }
        return physical[first...last].joined(separator: "\n")
    }

    static func firstWord(_ skeleton: String) -> String {
        String(skeleton.drop { $0 == " " }.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
    }

    static func isDecorator(_ skeleton: String) -> Bool {
        skeleton.drop { $0 == " " }.hasPrefix("@")
    }

    private static func kind(of lines: [LogicalLine]) -> Statement.Kind {
        guard let head = lines.first(where: { !isDecorator($0.skeleton) }) else { return .other }
        let s = head.skeleton
        let word = firstWord(s)
        switch word {
        case "import", "from": return .importStatement
        case "def", "class", "async":
            var rest = s.drop { $0 == " " }.dropFirst(word.count).drop { $0 == " " }
            if word == "async" { rest = rest.hasPrefix("def") ? rest.dropFirst(3).drop { $0 == " " } : "" }
            let name = String(rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
            return name.isEmpty ? .other : .definition(name: name)
        case "if":
            return s.contains("__name__") ? .mainGuard : .other
        default:
            if let names = assignmentTargets(s) { return .assignment(names: names) }
            return .other
        }
    }

    /// `a = ...`, `a, b = ...`, `a: int = ...`, `a += ...` → target names; nil if not an assignment.
    static func assignmentTargets(_ skeleton: String) -> [String]? {
        let chars = Array(skeleton)
        var depth = 0
        for (i, c) in chars.enumerated() {
            switch c {
            case "(", "[", "{": depth += 1
            case ")", "]", "}": depth -= 1
            case "=" where depth == 0:
                let previous = i > 0 ? chars[i - 1] : " "
                let next = i + 1 < chars.count ? chars[i + 1] : " "
                if next == "=" || "=!<>".contains(previous) { return nil }
                var target = String(chars[..<i])
                if "+-*/%&|^@".contains(previous) { target.removeLast() }
                if target.hasSuffix("/") || target.hasSuffix("*") || target.hasSuffix(">") || target.hasSuffix("<") {
                    target.removeLast()
                }
                if let colon = target.firstIndex(of: ":") { target = String(target[..<colon]) }
                let names = target.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                guard !names.isEmpty, names.allSatisfy({ isIdentifier($0) && !keywords.contains($0) }) else { return nil }
                return names
            default: break
            }
        }
        return nil
    }

    static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.first, first.isLetter || first == "_" else { return false }
        return s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    }

    // MARK: - Validity

    /// Every line closed; headers end in `:` with an indented body (or an inline one); no
    /// line ends in a binary operator; no line reads as prose.
    static func valid(_ lines: [LogicalLine]) -> Bool {
        guard !lines.isEmpty, lines.allSatisfy({ looksLikeCode($0.skeleton) }) else { return false }
        for (index, line) in lines.enumerated() {
            guard line.closed else { return false }
            let s = line.skeleton.trimmingCharacters(in: .whitespaces)
            if endsWithOperator(s) { return false }
            let word = firstWord(s)
            if isDecorator(s) { continue }
            if compoundKeywords.contains(word), !(word == "match" || word == "case") || s.hasSuffix(":") {
                guard s.contains(":") else { return false }
                if s.hasSuffix(":") {
                    guard index + 1 < lines.count, lines[index + 1].indent > line.indent else { return false }
                }
            }
        }
        if let last = lines.last, isDecorator(last.skeleton) { return false }
        return true
    }

    static func endsWithOperator(_ s: String) -> Bool {
        guard let last = s.last else { return false }
        if last == "*", s.hasSuffix("import *") { return false }
        if "+-*/%&|^=<>~@\\".contains(last) { return true }
        if last == ".", !(s.dropLast().last?.isNumber ?? false) { return true }
        let tail = s.split(separator: " ").last.map(String.init) ?? ""
        return ["and", "or", "not", "in", "is", "lambda", "if"].contains(tail)
    }

    /// Rejects English sentences: two plain identifiers separated only by spaces never occur in
    /// Python outside soft keywords ("Here is the code", "This function returns ...").
    static func looksLikeCode(_ skeleton: String) -> Bool {
        var previous: String?
        var current = ""
        var gapIsSpace = true
        func finish() -> Bool {
            defer { current = "" }
            guard !current.isEmpty else { return true }
            let word = current
            let isWord = isIdentifier(word) && !keywords.contains(word)
            defer { previous = isWord ? word : nil; gapIsSpace = true }
            if isWord, gapIsSpace, let p = previous, !["print", "match", "case", "type", "exec"].contains(p) {
                return false
            }
            return true
        }
        for c in skeleton {
            if c.isLetter || c.isNumber || c == "_" {
                current.append(c)
            } else {
                if !finish() { return false }
                if c != " " { previous = nil }
            }
        }
        return finish()
    }
}
