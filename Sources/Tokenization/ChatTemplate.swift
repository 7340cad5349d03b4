import Foundation
import InstallLayout

/// One chat turn.
public struct ChatMessage: Sendable, Equatable, Hashable, Codable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// A chat prompt format read from a `prompts/chat/<family>.template` file (format in
/// prompts/README.md). For system / user / assistant conversations it renders byte for byte what
/// transformers' `apply_chat_template(messages, tokenize=False, add_generation_prompt=...)`
/// renders with the model's own Jinja template.
public struct ChatTemplate: Sendable, Equatable {
    public static let formatVersion = "tolerator-chat-template/1"
    /// Environment variable that overrides where the `prompts` folder is.
    public static let promptsEnvironmentKey = "TOLERATOR_PROMPTS"

    /// Template family name, e.g. `qwen2` or `llama3-llada`.
    public let family: String
    /// Emitted once, before the first message (LLaDA's `<|startoftext|>`).
    public let bos: String
    /// Rendered as a first `system` turn when the conversation does not start with one.
    public let defaultSystem: String?
    /// Strip leading/trailing whitespace of each content as Python's `str.strip()` (Jinja `trim`).
    public let trimContent: Bool
    public let generationPrompt: String
    /// Emit the generation prompt even when not asked (the official LLaDA template does).
    public let generationPromptAlways: Bool
    private let turn: [Piece]

    private enum Piece: Sendable, Equatable {
        case text(String)
        case role
        case content
    }

    /// Reads a template file.
    public init(contentsOf url: URL) throws {
        let data = try readFile(url)
        guard let text = String(data: data, encoding: .utf8) else {
            throw TokenizationError.unreadable(file: url.path, reason: "not UTF-8")
        }
        try self.init(parsing: text, file: url.path)
    }

    /// Parses template text; `file` is used in error messages.
    public init(parsing text: String, file: String) throws {
        var values: [String: TemplateValue] = [:]
        var lines: [String: Int] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw TokenizationError.invalidTemplate(file: file, line: index + 1, reason: "expected `name = value`")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let literal = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard Self.keys.contains(key) else {
                throw TokenizationError.invalidTemplate(
                    file: file, line: index + 1, reason: "unknown setting \(key.debugDescription) (known: \(Self.keys.sorted().joined(separator: ", ")))")
            }
            guard values[key] == nil else {
                throw TokenizationError.invalidTemplate(file: file, line: index + 1, reason: "\(key) is set twice")
            }
            do {
                values[key] = try JSONDecoder().decode(TemplateValue.self, from: Data(literal.utf8))
            } catch {
                throw TokenizationError.invalidTemplate(
                    file: file, line: index + 1, reason: "value of \(key) is not a JSON string, true, false or null")
            }
            lines[key] = index + 1
        }
        func string(_ key: String, required: Bool) throws -> String? {
            switch values[key] {
            case .string(let s): return s
            case nil, .null:
                if required { throw TokenizationError.invalidTemplate(file: file, line: 0, reason: "missing setting \(key)") }
                return nil
            case .bool:
                throw TokenizationError.invalidTemplate(file: file, line: lines[key] ?? 0, reason: "\(key) must be a JSON string")
            }
        }
        func flag(_ key: String) throws -> Bool {
            switch values[key] {
            case .bool(let b): return b
            case nil, .null: return false
            case .string:
                throw TokenizationError.invalidTemplate(file: file, line: lines[key] ?? 0, reason: "\(key) must be true or false")
            }
        }
        let format = try string("format", required: true)!
        guard format == Self.formatVersion else {
            throw TokenizationError.invalidTemplate(
                file: file, line: lines["format"] ?? 0, reason: "format \(format.debugDescription) is not \(Self.formatVersion.debugDescription)")
        }
        family = try string("family", required: true)!
        bos = try string("bos", required: false) ?? ""
        defaultSystem = try string("default_system", required: false)
        trimContent = try flag("trim_content")
        generationPrompt = try string("generation_prompt", required: false) ?? ""
        generationPromptAlways = try flag("generation_prompt_always")
        let turnText = try string("turn", required: true)!
        turn = Self.pieces(turnText)
        guard turn.contains(.content) else {
            throw TokenizationError.invalidTemplate(file: file, line: lines["turn"] ?? 0, reason: "turn has no {content}")
        }
    }

    /// A setting's value (`JSONDecoder`, since `JSONSerialization` drops a leading U+FEFF).
    private enum TemplateValue: Decodable {
        case string(String)
        case bool(Bool)
        case null

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let b = try? container.decode(Bool.self) {
                self = .bool(b)
            } else {
                self = .string(try container.decode(String.self))
            }
        }
    }

    private static let keys: Set<String> = [
        "format", "family", "bos", "default_system", "turn", "trim_content", "generation_prompt",
        "generation_prompt_always",
    ]

    /// Splits a turn pattern at `{role}` and `{content}`; nothing else is special.
    private static func pieces(_ pattern: String) -> [Piece] {
        var result: [Piece] = []
        var rest = Substring(pattern)
        while !rest.isEmpty {
            let role = rest.range(of: "{role}")
            let content = rest.range(of: "{content}")
            let next = [role.map { ($0, Piece.role) }, content.map { ($0, Piece.content) }]
                .compactMap { $0 }.min { $0.0.lowerBound < $1.0.lowerBound }
            guard let (range, piece) = next else {
                result.append(.text(String(rest)))
                break
            }
            if range.lowerBound > rest.startIndex { result.append(.text(String(rest[..<range.lowerBound]))) }
            result.append(piece)
            rest = rest[range.upperBound...]
        }
        return result
    }

    /// The prompt text for a conversation. Contents are inserted verbatim (or stripped, see
    /// `trimContent`): special-token strings inside them are not escaped, as in transformers.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> String {
        var conversation = messages
        if let defaultSystem, messages.first?.role != "system" {
            conversation.insert(ChatMessage(role: "system", content: defaultSystem), at: 0)
        }
        var out = ""
        for (index, message) in conversation.enumerated() {
            if index == 0 { out += bos }
            let content = trimContent ? Self.pythonStrip(message.content) : message.content
            for piece in turn {
                switch piece {
                case .text(let text): out += text
                case .role: out += message.role
                case .content: out += content
                }
            }
        }
        if addGenerationPrompt || generationPromptAlways { out += generationPrompt }
        return out
    }

    /// Python `str.strip()` on Unicode scalars (not grapheme clusters: " \u{301}x" keeps the mark).
    static func pythonStrip(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isPythonWhitespace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !isPythonWhitespace($0) })!
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}

extension ChatTemplate {
    /// The `prompts` folder: `$TOLERATOR_PROMPTS` if set, else an install's
    /// `share/tolerator/prompts` (`InstallLayout`), else the one in the source checkout this
    /// library was built from (found relative to this file).
    public static func promptsDirectory(environment: [String: String] = ProcessInfo.processInfo.environment,
                                        installed: URL? = InstallLayout.shareDirectory()) -> URL {
        if let path = environment[promptsEnvironmentKey], !path.isEmpty {
            return URL(fileURLWithPath: path, isDirectory: true)
        }
        let checkout = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // Tokenization
            .deletingLastPathComponent()  // Sources
            .deletingLastPathComponent()  // package root
        return InstallLayout.resource("prompts", checkout: checkout, installed: installed)
    }

    /// Loads `<prompts>/chat/<family>.template`.
    public static func named(_ family: String, promptsDirectory: URL? = nil) throws -> ChatTemplate {
        let directory = (promptsDirectory ?? Self.promptsDirectory()).appendingPathComponent("chat", isDirectory: true)
        let url = directory.appendingPathComponent("\(family).template")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TokenizationError.unknownTemplateFamily(name: family, directory: directory.path)
        }
        return try ChatTemplate(contentsOf: url)
    }

    /// The template family a model folder needs: from the markers in its own Jinja template
    /// (`tokenizer_config.json` `chat_template`, or `chat_template.jinja`), else from
    /// `config.json` `model_type`. Nil when neither identifies a known family. Qwen2 and Qwen3
    /// (CoDA) share `<|im_start|>` turns; only Qwen2's injects a default system prompt.
    public static func family(forModelDirectory directory: URL) -> String? {
        var jinja = ""
        let configURL = directory.appendingPathComponent("tokenizer_config.json")
        if let data = try? Data(contentsOf: configURL),
            let config = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        {
            if let template = config["chat_template"] as? String {
                jinja = template
            } else if let named = config["chat_template"] as? [[String: Any]] {
                jinja = named.compactMap { $0["template"] as? String }.joined(separator: "\n")
            }
        }
        if jinja.isEmpty, let data = try? Data(contentsOf: directory.appendingPathComponent("chat_template.jinja")) {
            jinja = String(decoding: data, as: UTF8.self)
        }
        var modelType: String?
        if let data = try? Data(contentsOf: directory.appendingPathComponent("config.json")),
            let config = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        {
            modelType = (config["model_type"] as? String)?.lowercased()
        }
        if jinja.contains("<|im_start|>") { return imStartFamily(jinja: jinja, modelType: modelType) }
        if jinja.contains("<|start_header_id|>") { return "llama3-llada" }
        switch modelType {
        case "llada": return "llama3-llada"
        case "dream", "qwen2": return "qwen2"
        case "coda", "qwen3": return "qwen3"
        default: return nil
        }
    }

    /// `<|im_start|>` templates: Qwen2's injects a default system prompt ("You are ..."),
    /// Qwen3's (and CoDA's) does not and knows `<think>`. A template that shows neither sign
    /// follows the model type.
    static func imStartFamily(jinja: String, modelType: String?) -> String {
        let injectsSystem = jinja.contains("You are")
        if injectsSystem { return "qwen2" }
        let qwen3Markers = ["<think>", "enable_thinking", "reasoning_content"]
        if qwen3Markers.contains(where: jinja.contains) { return "qwen3" }
        return modelType == "coda" || modelType == "qwen3" ? "qwen3" : "qwen2"
    }
}
