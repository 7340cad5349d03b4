import Foundation
import Suites
import Tokenization

/// A prompt template from `prompts/eval/*.prompt` (format `tolerator-eval-prompt/1`, described
/// in prompts/README.md): how a task becomes model input, and how the answer is cut.
public struct PromptTemplate: Sendable, Equatable {
    public static let formatVersion = "tolerator-eval-prompt/1"

    /// Recorded in every result row, e.g. `humaneval-completion/1`.
    public let id: String
    public let shape: SuiteTask.Shape
    public let style: CodeExtractor.Style
    /// Completion style: the whole model input. Instruct style: the user message.
    public let body: String
    /// Instruct style: optional system message.
    public let system: String?
    /// Text placed after the chat template's generation prompt; the model's answer continues it,
    /// so extraction sees `responsePrefix + output`.
    public let responsePrefix: String
    public let stops: [String]

    public init(id: String, shape: SuiteTask.Shape, style: CodeExtractor.Style, body: String,
                system: String? = nil, responsePrefix: String = "", stops: [String] = []) {
        self.id = id
        self.shape = shape
        self.style = style
        self.body = body
        self.system = system
        self.responsePrefix = responsePrefix
        self.stops = stops
    }

    /// Parses a template file's text; `file` names it in errors.
    public init(parsing text: String, file: String) throws {
        var values: [String: Any] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            func fail(_ reason: String) -> EvaluationError { .invalidTemplate(file: file, line: index + 1, reason: reason) }
            guard let equals = line.firstIndex(of: "=") else { throw fail("expected `name = value`") }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let literal = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard Self.keys.contains(key) else {
                throw fail("unknown setting \(key.debugDescription) (known: \(Self.keys.sorted().joined(separator: ", ")))")
            }
            guard values[key] == nil else { throw fail("\(key) is set twice") }
            guard let value = try? JSONSerialization.jsonObject(with: Data(literal.utf8), options: [.fragmentsAllowed]) else {
                throw fail("value of \(key) is not a JSON literal")
            }
            values[key] = value
        }
        func string(_ key: String) throws -> String? {
            guard let value = values[key], !(value is NSNull) else { return nil }
            guard let s = value as? String else {
                throw EvaluationError.invalidTemplate(file: file, line: 0, reason: "\(key) must be a JSON string")
            }
            return s
        }
        func required(_ key: String) throws -> String {
            guard let s = try string(key) else {
                throw EvaluationError.invalidTemplate(file: file, line: 0, reason: "missing setting \(key)")
            }
            return s
        }
        guard try required("format") == Self.formatVersion else {
            throw EvaluationError.invalidTemplate(file: file, line: 0, reason: "format must be \(Self.formatVersion.debugDescription)")
        }
        guard let shape = SuiteTask.Shape(rawValue: try required("shape")) else {
            throw EvaluationError.invalidTemplate(file: file, line: 0, reason: "shape must be \"humaneval\" or \"mbpp\"")
        }
        guard let style = CodeExtractor.Style(rawValue: try required("style")) else {
            throw EvaluationError.invalidTemplate(file: file, line: 0, reason: "style must be \"completion\" or \"instruct\"")
        }
        var stops: [String] = []
        if let value = values["stops"], !(value is NSNull) {
            guard let list = value as? [String] else {
                throw EvaluationError.invalidTemplate(file: file, line: 0, reason: "stops must be a JSON array of strings")
            }
            stops = list
        }
        self.init(id: try required("id"), shape: shape, style: style, body: try required("body"),
                  system: try string("system"), responsePrefix: try string("response_prefix") ?? "", stops: stops)
    }

    private static let keys: Set<String> = ["format", "id", "shape", "style", "body", "system", "response_prefix", "stops"]

    /// `<prompts>/eval/<shape>-<style>.prompt`, or a template file path.
    public static func load(shape: SuiteTask.Shape, style: CodeExtractor.Style, promptsDirectory: URL? = nil) throws -> PromptTemplate {
        let directory = (promptsDirectory ?? ChatTemplate.promptsDirectory()).appendingPathComponent("eval")
        return try load(path: directory.appendingPathComponent("\(shape.rawValue)-\(style.rawValue).prompt").path)
    }

    public static func load(path: String) throws -> PromptTemplate {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw EvaluationError.invalidTemplate(file: path, line: 0, reason: "cannot read (or not UTF-8)")
        }
        return try PromptTemplate(parsing: text, file: path)
    }

    /// Replaces `{prompt}`, `{tests}`, `{first_test}` and `{entry_point}`; nothing else is special.
    public func fill(_ pattern: String, task: SuiteTask) -> String {
        let values = [
            "{prompt}": task.prompt,
            "{tests}": task.promptTests.joined(separator: "\n"),
            "{first_test}": task.promptTests.first ?? "",
            "{entry_point}": task.entryPoint,
        ]
        var out = ""
        var rest = Substring(pattern)
        // One left-to-right pass, so task text containing `{tests}` is never expanded again.
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let tail = rest[open...]
            if let (key, value) = values.first(where: { tail.hasPrefix($0.key) }) {
                out += value
                rest = tail.dropFirst(key.count)
            } else {
                out += "{"
                rest = tail.dropFirst()
            }
        }
        return out + rest
    }

    /// The model input for a task. Instruct style needs the model's chat template.
    public func render(_ task: SuiteTask, chat: ChatTemplate?) throws -> RenderedPrompt {
        let text: String
        switch style {
        case .completion:
            text = fill(body, task: task)
        case .instruct:
            guard let chat else { throw EvaluationError.chatTemplateRequired(templateID: id) }
            var messages: [ChatMessage] = []
            if let system { messages.append(ChatMessage(role: "system", content: fill(system, task: task))) }
            messages.append(ChatMessage(role: "user", content: fill(body, task: task)))
            text = chat.render(messages, addGenerationPrompt: true) + fill(responsePrefix, task: task)
        }
        let prefix = style == .instruct ? fill(responsePrefix, task: task) : ""
        return RenderedPrompt(templateID: id, style: style, text: text, responsePrefix: prefix, stops: stops)
    }
}

/// What the generator is given for one task.
public struct RenderedPrompt: Sendable, Equatable {
    public var templateID: String
    public var style: CodeExtractor.Style
    /// The full model input (chat turns included).
    public var text: String
    /// Already part of `text`; prepended to the output before extraction.
    public var responsePrefix: String
    public var stops: [String]

    public init(templateID: String, style: CodeExtractor.Style, text: String, responsePrefix: String, stops: [String]) {
        self.templateID = templateID
        self.style = style
        self.text = text
        self.responsePrefix = responsePrefix
        self.stops = stops
    }
}
