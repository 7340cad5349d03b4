/// One `>>>` example of a docstring.
public struct DoctestExample: Sendable, Codable, Equatable {
    /// The statement(s), `... ` continuations joined, ending in a newline.
    public var source: String
    /// Expected output, ending in a newline, or "" when nothing is printed.
    public var want: String
    /// `# doctest: +NAME` / `-NAME` directives found in the source.
    public var options: [String: Bool]
    /// 1-based line in the file (approximate when the docstring has escaped newlines).
    public var line: Int
}

extension PythonFunction {
    /// The docstring's examples, parsed like `doctest.DocTestParser` does.
    public var doctestExamples: [DoctestExample] {
        guard let value = docstringValue else { return [] }
        let firstLine = docstringLogical.map { lines[$0].firstLine + 1 } ?? line
        return parseDoctestExamples(value, firstLine: firstLine)
    }
}

func parseDoctestExamples(_ docstring: String, firstLine: Int) -> [DoctestExample] {
    let lines = docstring.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    func indentOf(_ line: String) -> String { String(line.prefix { $0 == " " || $0 == "\t" }) }
    func isPrompt(_ line: String, _ prompt: String) -> (indent: String, rest: String)? {
        let indent = indentOf(line)
        let after = line.dropFirst(indent.count)
        guard after.hasPrefix(prompt) else { return nil }
        let rest = after.dropFirst(prompt.count)
        if rest.isEmpty { return (indent, "") }
        guard rest.first == " " else { return nil }
        return (indent, String(rest.dropFirst()))
    }
    var examples: [DoctestExample] = []
    var i = 0
    while i < lines.count {
        guard let (indent, first) = isPrompt(lines[i], ">>>") else {
            i += 1
            continue
        }
        let startLine = i
        var source = [first]
        i += 1
        while i < lines.count, lines[i].hasPrefix(indent), let (_, more) = isPrompt(lines[i], "..."),
            indentOf(lines[i]) == indent
        {
            source.append(more)
            i += 1
        }
        var want: [String] = []
        while i < lines.count, !lines[i].allSatisfy({ $0 == " " || $0 == "\t" }),
            isPrompt(lines[i], ">>>") == nil
        {
            let line = lines[i]
            want.append(line.hasPrefix(indent) ? String(line.dropFirst(indent.count)) : line)
            i += 1
        }
        examples.append(
            DoctestExample(
                source: source.joined(separator: "\n") + "\n",
                want: want.isEmpty ? "" : want.joined(separator: "\n") + "\n",
                options: doctestOptions(source), line: firstLine + startLine))
    }
    return examples
}

/// `# doctest: +ELLIPSIS, -NORMALIZE_WHITESPACE` directives.
func doctestOptions(_ source: [String]) -> [String: Bool] {
    var options: [String: Bool] = [:]
    for line in source {
        guard let hash = line.firstRange(of: "doctest:"),
            line[..<hash.lowerBound].contains("#")
        else { continue }
        for item in line[hash.upperBound...].split(whereSeparator: { $0 == "," || $0 == " " }) {
            guard let sign = item.first, sign == "+" || sign == "-" else { continue }
            options[String(item.dropFirst())] = sign == "+"
        }
    }
    return options
}

/// A test program built from docstring examples: each example runs through Python's own
/// `doctest` engine, so output matching (ELLIPSIS, exceptions, `<BLANKLINE>`) is doctest's.
public struct DoctestProgram: Sendable, Equatable {
    public var examples: [DoctestExample]

    public init(examples: [DoctestExample]) { self.examples = examples }

    /// Defines `_tolerator_run_example`; trusted setup, run before the statements.
    public static let helperSource = """
        import doctest as _tolerator_doctest
        import traceback as _tolerator_traceback

        class _ToleratorRunner(_tolerator_doctest.DocTestRunner):
            # One short line per failure instead of doctest's banner report.
            def report_failure(self, out, test, example, got):
                out('expected %r, got %r' % (example.want, got))

            def report_unexpected_exception(self, out, test, example, exc_info):
                raised = _tolerator_traceback.format_exception_only(exc_info[0], exc_info[1])
                out('expected %r, raised %s' % (example.want, ''.join(raised).strip()))

        def _tolerator_run_example(source, want, options, globs, lineno):
            example = _tolerator_doctest.Example(source, want, lineno=lineno, options={
                _tolerator_doctest.OPTIONFLAGS_BY_NAME[name]: on for name, on in options.items()})
            test = _tolerator_doctest.DocTest([example], dict(globs), 'docstring', None, 0, None)
            runner = _ToleratorRunner(verbose=False)
            report = []
            runner.run(test, out=report.append, clear_globs=True)
            if runner.failures:
                raise AssertionError(''.join(report))

        """

    /// One Python statement per example; each raises `AssertionError` on a mismatch.
    /// `globals` is the expression for the namespace the function lives in (`globals()` when
    /// the statements run in the module, `vars(module)` otherwise).
    public func statements(globals: String) -> [String] {
        examples.map { example in
            let options = example.options.keys.sorted().map {
                StringLiteral.python($0) + ": " + (example.options[$0]! ? "True" : "False")
            }.joined(separator: ", ")
            return "_tolerator_run_example(\(StringLiteral.python(example.source)), "
                + "\(StringLiteral.python(example.want)), {\(options)}, \(globals), \(example.line - 1))"
        }
    }

    /// A plain-assert test file that imports `module` and runs every example.
    public func script(module: String) -> String {
        Self.helperSource + "import importlib\n_module = importlib.import_module(\(StringLiteral.python(module)))\n\n"
            + statements(globals: "vars(_module)").joined(separator: "\n") + "\n"
    }

    /// The importable module name of a repository path: `pkg/sub/mod.py` -> `pkg.sub.mod`.
    public static func moduleName(forPath path: String) -> String {
        var parts = path.split(separator: "/").map(String.init)
        if var last = parts.popLast() {
            if last.hasSuffix(".py") { last.removeLast(3) }
            if last != "__init__" { parts.append(last) }
        }
        return parts.joined(separator: ".")
    }
}
