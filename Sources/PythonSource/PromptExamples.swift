import Foundation

/// A completion prompt with its docstrings' `>>>` examples taken out, for models trained on
/// docstrings without them (the embedded minicode model writes an empty body when it sees them).
/// The verifier still runs the examples of the original text; only the model's input changes.
public enum PromptExamples {
    /// `text` without example lines: a `>>>` line, its `...` continuations and the expected
    /// output lines after it (up to a blank line, the next `>>>` or the closing quotes). Blank lines
    /// left before the closing quotes go, and a docstring left with one line of text is written on
    /// one line (`"""Text."""`), the form such models were trained on. Text without `>>>` is
    /// returned unchanged.
    public static func stripped(_ text: String) -> String {
        guard text.contains(">>>") else { return text }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var kept: [String] = []
        var inExample = false
        for line in lines {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix(">>>") {
                inExample = true
                continue
            }
            if inExample {
                if trimmed.isEmpty || isClosingQuote(trimmed) {
                    inExample = false
                } else {
                    continue  // `...` continuation or expected output
                }
            }
            kept.append(line)
        }
        lines = kept
        var index = 0
        while index < lines.count {
            let trimmed = lines[index].trimmingCharacters(in: .whitespaces)
            guard isClosingQuote(trimmed) else {
                index += 1
                continue
            }
            while index > 0, lines[index - 1].trimmingCharacters(in: .whitespaces).isEmpty {
                lines.remove(at: index - 1)
                index -= 1
            }
            if index > 0 {
                let previous = lines[index - 1]
                let opening = previous.trimmingCharacters(in: .whitespaces)
                for quote in [#"""""#, "'''"] where opening.hasPrefix(quote) && opening.count > 3 && !opening.hasSuffix(quote) {
                    lines[index - 1] = previous + quote
                    lines.remove(at: index)
                    index -= 1
                    break
                }
            }
            index += 1
        }
        return lines.joined(separator: "\n")
    }

    private static func isClosingQuote(_ trimmed: String) -> Bool {
        trimmed == #"""""# || trimmed == "'''"
    }
}
