/// How a model's raw output became the code that is verified.
public struct ExtractedCode: Codable, Sendable, Equatable {
    /// What the verifier appends to the task's prompt (HumanEval shape) or runs alone (MBPP shape).
    public var completion: String
    /// The whole module as it will run, for reports.
    public var code: String
    /// Steps taken, `+`-joined: `crlf`, `tabs`, `fence`, `fence-unclosed`, `stop`, `sanitize`,
    /// `body` (output used as the function body), `raw` (nothing to do).
    public var method: String

    public init(completion: String, code: String, method: String) {
        self.completion = completion
        self.code = code
        self.method = method
    }
}

/// Turns raw model output into code: newline and tab normalisation, fenced blocks, stop
/// sequences, and a sanitizer that keeps the complete imports, definitions and assignments the
/// entry point needs.
public enum CodeExtractor {
    /// The prompt style the output answers.
    public enum Style: String, Codable, Sendable {
        /// The output continues the task's code prompt (base models).
        case completion
        /// The output is a chat answer, code usually in a fenced block.
        case instruct
    }

    /// - Parameters:
    ///   - raw: the model's text, after the response prefix (if any) was prepended.
    ///   - prompt: the HumanEval-shape code prompt the answer may continue ("" for MBPP shape).
    ///   - entryPoint: the function the tests call ("" when unknown).
    ///   - stops: stop sequences; the output is cut at the earliest.
    public static func extract(raw: String, style: Style, prompt: String, entryPoint: String,
                               stops: [String]) -> ExtractedCode {
        var steps: [String] = []
        var text = raw
        if text.contains("\r") {
            text = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            steps.append("crlf")
        }
        let detabbed = expandLeadingTabs(text)
        if detabbed != text { text = detabbed; steps.append("tabs") }

        switch style {
        case .completion:
            if text.contains("```"), let fenced = fencedCode(text, entryPoint: entryPoint) {
                // A base model that answers in a fence anyway: treat like an instruct answer.
                steps.append(fenced.unclosed ? "fence-unclosed" : "fence")
                return finishWholeCode(fenced.code, prompt: prompt, entryPoint: entryPoint, steps: steps)
            }
            let cut = cutAtStops(text, stops: stops)
            if cut != text { text = cut; steps.append("stop") }
            // MBPP-shape prompts have no code to continue: the output is the whole module.
            return prompt.isEmpty ? finishWholeCode(text, prompt: prompt, entryPoint: entryPoint, steps: steps)
                : finishContinuation(text, prompt: prompt, entryPoint: entryPoint, steps: steps)
        case .instruct:
            if let fenced = fencedCode(text, entryPoint: entryPoint) {
                steps.append(fenced.unclosed ? "fence-unclosed" : "fence")
                text = fenced.code
            }
            let cut = cutAtStops(text, stops: stops)
            if cut != text { text = cut; steps.append("stop") }
            return finishWholeCode(text, prompt: prompt, entryPoint: entryPoint, steps: steps)
        }
    }

    /// The output continues `prompt`: keep it if the whole parses, else sanitize the whole.
    static func finishContinuation(_ text: String, prompt: String, entryPoint: String, steps: [String]) -> ExtractedCode {
        let module = prompt + text
        if prompt.isEmpty || Sanitizer.looksComplete(module) {
            return ExtractedCode(completion: text, code: module, method: methodName(steps))
        }
        let cleaned = Sanitizer.sanitize(module, entryPoint: entryPoint)
        return wholeModule(cleaned, prompt: prompt, steps: steps + ["sanitize"])
    }

    /// The text should be a whole module; if it does not define the entry point but reads as
    /// an indented body, it continues the prompt instead.
    static func finishWholeCode(_ text: String, prompt: String, entryPoint: String, steps: [String]) -> ExtractedCode {
        if !prompt.isEmpty, !entryPoint.isEmpty, !Sanitizer.defines(entryPoint, in: text),
           let firstLine = text.split(separator: "\n").first(where: { !$0.allSatisfy(\.isWhitespace) }),
           firstLine.first == " " {
            return finishContinuation(text, prompt: prompt, entryPoint: entryPoint, steps: steps + ["body"])
        }
        var module = text
        var steps = steps
        if !Sanitizer.looksComplete(module) || Sanitizer.hasTopLevelNoise(module) {
            module = Sanitizer.sanitize(module, entryPoint: entryPoint)
            steps.append("sanitize")
        }
        return wholeModule(module, prompt: prompt, steps: steps)
    }

    /// A complete module as the completion: after `prompt` (whose stub it redefines) when there is one.
    static func wholeModule(_ module: String, prompt: String, steps: [String]) -> ExtractedCode {
        if prompt.isEmpty { return ExtractedCode(completion: module, code: module, method: methodName(steps)) }
        let completion = (prompt.hasSuffix("\n") ? "" : "\n") + module
        return ExtractedCode(completion: completion, code: prompt + completion, method: methodName(steps))
    }

    static func methodName(_ steps: [String]) -> String {
        steps.isEmpty ? "raw" : steps.joined(separator: "+")
    }

    /// Cuts at the earliest stop sequence.
    public static func cutAtStops(_ text: String, stops: [String]) -> String {
        var end = text.endIndex
        for stop in stops where !stop.isEmpty {
            if let range = text.range(of: stop), range.lowerBound < end { end = range.lowerBound }
        }
        return String(text[..<end])
    }

    /// Leading tabs become four spaces each: prompts indent with spaces, and Python rejects a
    /// body that mixes them inconsistently (TabError).
    static func expandLeadingTabs(_ text: String) -> String {
        guard text.contains("\t") else { return text }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let lead = line.prefix { $0 == " " || $0 == "\t" }
            guard lead.contains("\t") else { return String(line) }
            var width = 0
            for c in lead { width = c == "\t" ? (width / 4 + 1) * 4 : width + 1 }
            return String(repeating: " ", count: width) + line.dropFirst(lead.count)
        }.joined(separator: "\n")
    }

    /// The fenced block to use: the first that defines the entry point, else the longest
    /// Python-tagged (or untagged) one; an opening fence never closed (truncated output) counts.
    static func fencedCode(_ text: String, entryPoint: String) -> (code: String, unclosed: Bool)? {
        var blocks: [(code: String, tag: String, unclosed: Bool)] = []
        var current: [Substring]?
        var tag = ""
        // A fence may open or close mid-line ("Here it is: ```python", "return x```"): split it
        // onto its own line first.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).flatMap { line -> [Substring] in
            guard let range = line.range(of: "```"),
                  line[..<range.lowerBound].contains(where: { !$0.isWhitespace }) else { return [line] }
            return [line[..<range.lowerBound], line[range.lowerBound...]]
        }
        for line in lines {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if current == nil {
                if trimmed.hasPrefix("```") {
                    tag = String(trimmed.dropFirst(3)).lowercased()
                    current = []
                }
            } else if trimmed.hasPrefix("```") {
                blocks.append((current!.joined(separator: "\n"), tag, false))
                current = nil
            } else {
                current!.append(line)
            }
        }
        if let open = current, !open.isEmpty { blocks.append((open.joined(separator: "\n"), tag, true)) }
        let python = blocks.filter { ["", "python", "py", "python3"].contains($0.tag) }
        guard !python.isEmpty else { return nil }
        if !entryPoint.isEmpty, let block = python.first(where: { Sanitizer.defines(entryPoint, in: $0.code) }) {
            return (block.code, block.unclosed)
        }
        let longest = python.max { $0.code.count < $1.code.count }!
        return (longest.code, longest.unclosed)
    }
}
