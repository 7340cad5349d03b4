/// What makes a body a stub.
public enum StubKind: String, Sendable, Codable {
    case ellipsis  // `...`
    case pass  // `pass`
    case notImplemented  // `raise NotImplementedError` / `raise NotImplementedError(...)`
    case docstringOnly  // a docstring and nothing else
    case commentsOnly  // comments (a `# TODO`) and no statement
}

/// One function of a `PythonFile`.
public struct PythonFunction: Sendable {
    public let file: PythonFile
    let definition: Definition

    var scanned: ScannedText { file.scanned }
    var lines: [LogicalLine] { scanned.logicalLines }
    var header: LogicalLine { lines[definition.headerLogical] }

    public var qualifiedName: String { definition.qualifiedName }
    /// 1-based line of the `def`.
    public var line: Int { header.firstLine + 1 }

    /// The decorators and `def ...:` header exactly as written (possibly several lines).
    public var signature: String {
        let start = scanned.lineStarts[lines[definition.firstLogical].firstLine]
        return scanned.text(start..<header.tokens[definition.colonToken].end)
    }

    /// Enclosing `class`/`def` headers (with decorators), outermost first, as written.
    public var enclosingHeaders: [String] {
        definition.enclosing.map { logical in
            let header = lines[logical]
            let colon = header.tokens.firstIndex { $0.depth == 0 && scanned.bytes[$0.start] == UInt8(ascii: ":") }
            let end = colon.map { header.tokens[$0].end } ?? scanned.contentRange(ofLine: header.lastLine).upperBound
            var first = logical
            while first > 0, !lines[first - 1].isCommentOnly, lines[first - 1].tokens.first.map({
                scanned.bytes[$0.start] == UInt8(ascii: "@")
            }) == true { first -= 1 }
            return scanned.text(scanned.lineStarts[lines[first].firstLine]..<end)
        }
    }

    /// The indentation of the body's statements (as the file writes it).
    public var bodyIndent: String {
        if let first = definition.body.first(where: { !lines[$0].isCommentOnly }) {
            return scanned.text(scanned.indentRange(ofLine: lines[first].firstLine))
        }
        return scanned.text(scanned.indentRange(ofLine: header.firstLine)) + file.indentUnit
    }

    /// The body's statements as tokens (the inline body after the colon for `def f(): ...`).
    var statements: [[Token]] {
        if definition.hasInlineBody {
            return [Array(header.tokens[(definition.colonToken + 1)...])]
        }
        return definition.body.filter { !lines[$0].isCommentOnly }.map { lines[$0].tokens }
    }

    /// The docstring's logical line when the body opens with a string literal statement.
    var docstringLogical: Int? {
        if definition.hasInlineBody { return nil }
        guard let first = definition.body.first(where: { !lines[$0].isCommentOnly }) else { return nil }
        return lines[first].tokens.allSatisfy({ $0.kind == .string }) ? first : nil
    }

    /// The docstring literal as written (prefix and quotes included), or nil.
    public var docstring: String? {
        if definition.hasInlineBody {
            let rest = header.tokens[(definition.colonToken + 1)...]
            guard !rest.isEmpty, rest.allSatisfy({ $0.kind == .string }) else { return nil }
            return scanned.text(rest.first!.start..<rest.last!.end)
        }
        guard let logical = docstringLogical else { return nil }
        let tokens = lines[logical].tokens
        return scanned.text(tokens.first!.start..<tokens.last!.end)
    }

    /// The docstring's value (escapes decoded, implicit concatenation joined), or nil.
    public var docstringValue: String? {
        guard docstring != nil else { return nil }
        let tokens: [Token]
        if definition.hasInlineBody {
            tokens = Array(header.tokens[(definition.colonToken + 1)...])
        } else {
            tokens = lines[docstringLogical!].tokens
        }
        return tokens.map { StringLiteral.value(of: scanned.text($0)) }.joined()
    }

    /// The stub kind, or nil when the body is real code.
    public var stubKind: StubKind? {
        var statements = self.statements
        let hasDocstring = docstring != nil
        if hasDocstring { statements.removeFirst() }
        let deeper = definition.body.contains { !lines[$0].isCommentOnly && file.width($0) > bodyIndentWidth }
        if deeper { return nil }
        guard !statements.isEmpty else { return hasDocstring ? .docstringOnly : .commentsOnly }
        var kinds: [StubKind] = []
        for statement in statements {
            guard let kind = stubStatementKind(statement) else { return nil }
            kinds.append(kind)
        }
        return kinds.contains(.notImplemented) ? .notImplemented : kinds.contains(.ellipsis) ? .ellipsis : .pass
    }

    var bodyIndentWidth: Int { ScannedText.width(Array(bodyIndent.utf8)) }

    func stubStatementKind(_ tokens: [Token]) -> StubKind? {
        let texts = tokens.map { scanned.text($0) }
        switch texts.first {
        case "..." where texts.count == 1: return .ellipsis
        case "pass" where texts.count == 1: return .pass
        case "raise":
            guard texts.count >= 2, texts[1] == "NotImplementedError" else { return nil }
            if texts.count == 2 { return .notImplemented }
            // `raise NotImplementedError(...)`: the call's parentheses must close the statement.
            guard texts[2] == "(", texts.last == ")", tokens.last!.depth == 0,
                tokens[3..<(tokens.count - 1)].allSatisfy({ $0.depth >= 1 })
            else { return nil }
            return .notImplemented
        default: return nil
        }
    }

    /// Throws `notAStub` unless the body is a stub.
    public func requireStub() throws(PythonSourceError) -> StubKind {
        if let kind = stubKind { return kind }
        var statements = self.statements
        if docstring != nil { statements.removeFirst() }
        let first = statements.first.map { tokens -> String in
            let line = scanned.line(containing: tokens[0].start)
            return scanned.text(tokens[0].start..<scanned.contentRange(ofLine: line).upperBound)
        } ?? ""
        throw .notAStub(name: qualifiedName, path: file.path, line: line, firstStatement: first)
    }
}
