import Foundation
import Testing

@testable import Tokenization

@Suite struct ChatTemplateTests {
    static let prompts = Fixtures.repositoryRoot.appendingPathComponent("prompts", isDirectory: true)

    /// Byte-exact against transformers' apply_chat_template with the real Jinja templates.
    @Test func rendersLikeTransformers() throws {
        let cases = try Fixtures.json("chat.json", as: [ChatCase].self)
        #expect(cases.count == 40)
        for family in ["qwen2", "llama3-llada"] {
            let template = try ChatTemplate.named(family, promptsDirectory: Self.prompts)
            #expect(template.family == family)
            for c in cases where c.family == family {
                let got = template.render(c.messages, addGenerationPrompt: c.add_generation_prompt)
                #expect(sameBytes(got, c.expected), "\(family) \(c.messages) gen=\(c.add_generation_prompt): got \(show(got)), want \(show(c.expected))")
            }
        }
    }

    @Test func specExamples() throws {
        // docs: shared/spec/models.md §2.4 and §3.4, one user turn with the generation prompt.
        let user = [ChatMessage(role: "user", content: " Hi ")]
        let qwen = try ChatTemplate.named("qwen2", promptsDirectory: Self.prompts)
        #expect(qwen.render(user) == "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n Hi <|im_end|>\n<|im_start|>assistant\n")
        let llada = try ChatTemplate.named("llama3-llada", promptsDirectory: Self.prompts)
        #expect(llada.render(user) == "<|startoftext|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
    }

    @Test func renderedPromptKeepsSpecialTokensWhole() throws {
        let tokenizer = try Fixtures.tokenizer("llama3")
        let llada = try ChatTemplate.named("llama3-llada", promptsDirectory: Self.prompts)
        let ids = tokenizer.encode(llada.render([ChatMessage(role: "user", content: "def f(x):")]), addSpecialTokens: false)
        let names = ["<|startoftext|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
        let specialIDs = try names.map { try #require(tokenizer.id(forToken: $0)) }
        #expect(Array(ids.prefix(2)) == [specialIDs[0], specialIDs[1]])
        #expect(ids.filter { $0 == specialIDs[3] }.count == 1)
        #expect(ids.last == tokenizer.encode("\n\n", addSpecialTokens: false).last)
    }

    @Test func pythonStripWorksOnScalars() {
        #expect(ChatTemplate.pythonStrip(" \u{301}x \u{3000}") == "\u{301}x")
        #expect(Array(ChatTemplate.pythonStrip("\u{1C}\u{85}a\u{200B}").unicodeScalars) == Array("a\u{200B}".unicodeScalars))
        #expect(ChatTemplate.pythonStrip(" \t\n") == "")
    }

    @Test func promptsDirectoryDefaultsToCheckoutAndHonoursEnvironment() {
        #expect(ChatTemplate.promptsDirectory(environment: ["TOLERATOR_PROMPTS": "/opt/p"]).path == "/opt/p")
        let found = ChatTemplate.promptsDirectory(environment: [:])
        #expect(found.standardizedFileURL.path == Self.prompts.standardizedFileURL.path)
        #expect(FileManager.default.fileExists(atPath: found.appendingPathComponent("chat/qwen2.template").path))
    }

    @Test func detectsFamilyFromModelFolder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tok-family-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(ChatTemplate.family(forModelDirectory: dir) == nil)
        try Data(#"{"model_type": "llada"}"#.utf8).write(to: dir.appendingPathComponent("config.json"))
        #expect(ChatTemplate.family(forModelDirectory: dir) == "llama3-llada")
        try Data(#"{"chat_template": "{{ '<|im_start|>' + message['role'] }}"}"#.utf8)
            .write(to: dir.appendingPathComponent("tokenizer_config.json"))
        #expect(ChatTemplate.family(forModelDirectory: dir) == "qwen2")
        try Data(#"{"model_type": "Dream"}"#.utf8).write(to: dir.appendingPathComponent("config.json"))
        try Data(#"{"chat_template": "{{ '<|start_header_id|>' }}"}"#.utf8).write(to: dir.appendingPathComponent("tokenizer_config.json"))
        #expect(ChatTemplate.family(forModelDirectory: dir) == "llama3-llada")
    }

    /// Qwen3 / CoDA share Qwen2's `<|im_start|>` turns but inject no system prompt (issue 20, req. 5).
    @Test func tellsQwen3AndCoDAFromQwen2() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tok-qwen3-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func family(modelType: String, jinja: String?) throws -> String? {
            try Data("{\"model_type\": \"\(modelType)\"}".utf8).write(to: dir.appendingPathComponent("config.json"))
            let config = dir.appendingPathComponent("tokenizer_config.json")
            try? FileManager.default.removeItem(at: config)
            if let jinja {
                try JSONSerialization.data(withJSONObject: ["chat_template": jinja]).write(to: config)
            }
            return ChatTemplate.family(forModelDirectory: dir)
        }
        // Shapes of the shipped templates: Qwen2.5 injects its system prompt, Qwen3 knows <think>.
        let qwen2 = "{%- if messages[0]['role'] != 'system' %}{{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}"
            + "{%- endif %}{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content }}{%- endfor %}"
        let qwen3 = "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content }}"
            + "{%- if reasoning_content %}{{- '<think>\\n' }}{%- endif %}{%- endfor %}"
            + "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}"
        let plain = "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' }}{%- endfor %}"
        #expect(try family(modelType: "qwen3", jinja: qwen2) == "qwen2")
        #expect(try family(modelType: "qwen2", jinja: qwen3) == "qwen3")
        #expect(try family(modelType: "CoDA", jinja: qwen3) == "qwen3")
        #expect(try family(modelType: "CoDA", jinja: plain) == "qwen3")
        #expect(try family(modelType: "qwen3", jinja: plain) == "qwen3")
        #expect(try family(modelType: "Dream", jinja: plain) == "qwen2")
        #expect(try family(modelType: "CoDA", jinja: nil) == "qwen3")
        #expect(try family(modelType: "Qwen3", jinja: nil) == "qwen3")
        #expect(try family(modelType: "qwen2", jinja: nil) == "qwen2")
    }

    @Test func qwen3RendersWithoutAnInjectedSystemPrompt() throws {
        let qwen3 = try ChatTemplate.named("qwen3", promptsDirectory: Self.prompts)
        #expect(qwen3.family == "qwen3")
        let user = [ChatMessage(role: "user", content: " Hi ")]
        #expect(qwen3.render(user) == "<|im_start|>user\n Hi <|im_end|>\n<|im_start|>assistant\n")
        let withSystem = [ChatMessage(role: "system", content: "Be brief."), ChatMessage(role: "user", content: "Sum?")]
        #expect(qwen3.render(withSystem)
            == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nSum?<|im_end|>\n<|im_start|>assistant\n")
        #expect(qwen3.render(user, addGenerationPrompt: false) == "<|im_start|>user\n Hi <|im_end|>\n")
        // Qwen2 differs only by its default system turn.
        let qwen2 = try ChatTemplate.named("qwen2", promptsDirectory: Self.prompts)
        #expect(qwen2.render(user) == "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n" + qwen3.render(user))
    }

    @Test(arguments: [
        ("format = \"tolerator-chat-template/1\"\nfamily = \"x\"\nturn = \"{content}\"\ncolour = \"red\"", 4),
        ("format = \"tolerator-chat-template/1\"\nfamily = \"x\"\nturn = \"{role}\"", 3),
        ("format = \"tolerator-chat-template/1\"\nfamily = \"x\"\nturn = '{content}'", 3),
        ("format = \"tolerator-chat-template/2\"\nfamily = \"x\"\nturn = \"{content}\"", 1),
        ("format = \"tolerator-chat-template/1\"\nfamily = \"x\"\nturn = \"{content}\"\ntrim_content = \"yes\"", 4),
        ("format = \"tolerator-chat-template/1\"\nfamily = \"x\"\nfamily = \"y\"\nturn = \"{content}\"", 3),
        ("format = \"tolerator-chat-template/1\"\njust text", 2),
    ])
    func badTemplatesNameTheLine(text: String, line: Int) {
        #expect {
            _ = try ChatTemplate(parsing: text, file: "t.template")
        } throws: { error in
            guard case .invalidTemplate(let file, let l, _) = error as? TokenizationError else { return false }
            return file == "t.template" && l == line
        }
    }

    @Test func missingFamilyFile() {
        #expect(throws: TokenizationError.unknownTemplateFamily(name: "nope", directory: Self.prompts.appendingPathComponent("chat").path)) {
            _ = try ChatTemplate.named("nope", promptsDirectory: Self.prompts)
        }
    }
}
