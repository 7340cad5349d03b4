/// A static check of a candidate function body for ways to pass tests without being right:
/// objects that decide their own comparisons (`__eq__` and friends), and code that reaches the
/// interpreter's or the test framework's machinery (`builtins`, `sys.modules`, `unittest`,
/// `pytest`, frames).  Such a body has no business in an ordinary function, and in a repository's
/// own tests (which share the candidate's process) it could turn a failing test into a pass.
///
/// It reads tokens only (no evaluation), so it cannot see through every obfuscation
/// (`getattr(__import__('bu' + 'iltins'), ...)`); the harness checks at run time as well.
public enum CandidateGuard {
    /// Methods through which an object decides comparisons, truth or type checks.
    static let comparisonMethods: Set<String> = [
        "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__bool__",
        "__instancecheck__", "__subclasscheck__", "__class__",
    ]
    /// Names that reach the interpreter's or the test framework's state.
    static let machinery: Set<String> = [
        "builtins", "__builtins__", "unittest", "pytest", "_pytest", "doctest",
        "f_back", "f_globals", "f_locals", "f_builtins", "__build_class__",
    ]
    /// `module.attribute` pairs that patch or inspect the interpreter.
    static let machineryAttributes: [String: Set<String>] = [
        "sys": ["modules", "_getframe", "settrace", "setprofile", "meta_path", "path_hooks", "excepthook"],
        "inspect": ["currentframe", "stack", "getouterframes", "getframeinfo"],
        "gc": ["get_referrers", "get_objects"],
    ]

    /// One line per reason to refuse `body`; empty when none is found.
    public static func findings(in body: String) -> [String] {
        let scanned = ScannedText(Array(body.utf8))
        let tokens = scanned.logicalLines.flatMap(\.tokens)
        let texts = tokens.map { scanned.text($0) }
        var found: [String] = []
        func note(_ text: String) { if !found.contains(text) { found.append(text) } }
        for (i, token) in tokens.enumerated() {
            let text = texts[i]
            let next = i + 1 < texts.count ? texts[i + 1] : ""
            let afterNext = i + 2 < texts.count ? texts[i + 2] : ""
            switch token.kind {
            case .word:
                if comparisonMethods.contains(text) {
                    if i > 0 && texts[i - 1] == "def" {
                        note("defines \(text): an object that decides its own comparisons can pass any == test")
                    } else if next == "=" && afterNext != "=" {
                        note("assigns \(text): an object that decides its own comparisons can pass any == test")
                    }
                } else if machinery.contains(text) {
                    note("uses `\(text)`: a function under test must not reach the interpreter's or the tests' machinery")
                } else if let attributes = machineryAttributes[text], next == ".", attributes.contains(afterNext) {
                    note("uses `\(text).\(afterNext)`: a function under test must not patch or inspect the interpreter")
                }
            case .string:
                let value = stringValue(text)
                if comparisonMethods.contains(value) {
                    note("names '\(value)' in a string: an object that decides its own comparisons can pass any == test")
                } else if machinery.contains(value) || value == "sys" {
                    note("names '\(value)' in a string: a function under test must not reach the interpreter's or the tests' machinery")
                }
            case .op, .comment:
                continue
            }
        }
        return found
    }

    /// The characters between a literal's quotes (prefix letters and quotes removed).
    static func stringValue(_ literal: String) -> String {
        var text = Substring(literal)
        while let first = text.first, "rRbBuUfF".contains(first) { text = text.dropFirst() }
        for quote in ["\"\"\"", "'''", "\"", "'"] where text.hasPrefix(quote) && text.hasSuffix(quote) && text.count >= 2 * quote.count {
            return String(text.dropFirst(quote.count).dropLast(quote.count))
        }
        return String(text)
    }
}
