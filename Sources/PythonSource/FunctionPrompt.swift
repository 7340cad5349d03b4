/// What a generator needs to draft a function body: the file's imports, the enclosing
/// classes, the signature and the docstring, all as written in the file (LF line endings).
public struct FunctionPrompt: Sendable, Codable, Equatable {
    /// The file's path inside the repository.
    public var path: String
    /// `name` or `Class.method`.
    public var qualifiedName: String
    /// Top-level `import` / `from ... import` statements, in file order.
    public var imports: [String]
    /// Enclosing `class` (or `def`) headers, outermost first, with their indentation.
    public var enclosingHeaders: [String]
    /// Decorators and the `def` header, with its indentation.
    public var signature: String
    /// The docstring literal (quotes included), or nil.
    public var docstring: String?
    /// Indentation of the body's statements.
    public var bodyIndent: String
    /// What the stub was; nil when a real body is being replaced.
    public var stubKind: StubKind?

    /// The prompt as Python text: imports, enclosing headers, signature, docstring, ending in
    /// a newline; a completion continues with the body's statements.
    public var text: String {
        var parts: [String] = []
        if !imports.isEmpty { parts.append(imports.joined(separator: "\n") + "\n\n") }
        for header in enclosingHeaders { parts.append(header + "\n") }
        parts.append(signature + "\n")
        if let docstring { parts.append(bodyIndent + docstring + "\n") }
        return parts.joined()
    }
}

extension PythonFile {
    /// Top-level import statements as written (continuation lines included, CRs removed).
    public var imports: [String] {
        scanned.logicalLines.filter { line in
            guard let first = line.tokens.first, first.kind == .word,
                scanned.indentWidth(ofLine: line.firstLine) == 0
            else { return false }
            let word = scanned.text(first)
            return word == "import" || word == "from"
        }.map { line in
            let start = scanned.lineStarts[line.firstLine]
            return scanned.text(start..<line.tokens.last!.end).withoutCarriageReturns
        }
    }
}

extension PythonFunction {
    /// The prompt for this function; throws `notAStub` for a real body unless allowed.
    public func prompt(allowingRealBody: Bool = false) throws(PythonSourceError) -> FunctionPrompt {
        FunctionPrompt(
            path: file.path, qualifiedName: qualifiedName, imports: file.imports,
            enclosingHeaders: enclosingHeaders.map(\.withoutCarriageReturns),
            signature: signature.withoutCarriageReturns, docstring: docstring?.withoutCarriageReturns,
            bodyIndent: bodyIndent, stubKind: allowingRealBody ? stubKind : try requireStub())
    }
}

extension String {
    var withoutCarriageReturns: String {
        String(String.UnicodeScalarView(unicodeScalars.filter { $0 != "\r" }))
    }
}
