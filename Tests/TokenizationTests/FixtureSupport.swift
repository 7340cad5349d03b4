import Foundation
import Testing

@testable import Tokenization

/// Access to the committed fixtures (Tools/tokenizers/make_fixtures.py writes them).
enum Fixtures {
    static var directory: URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
    }

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// Decoded with `JSONDecoder`: `JSONSerialization` on Linux drops a U+FEFF that starts a
    /// string value, which the corpus deliberately contains.
    static func jsonLines<Row: Decodable>(_ name: String, as type: Row.Type) throws -> [Row] {
        let data = try Data(contentsOf: url(name))
        let decoder = JSONDecoder()
        return try data.split(separator: UInt8(ascii: "\n")).map { try decoder.decode(Row.self, from: Data($0)) }
    }

    static func json<Value: Decodable>(_ name: String, as type: Value.Type) throws -> Value {
        try JSONDecoder().decode(Value.self, from: Data(contentsOf: url(name)))
    }

    static func tokenizer(_ folder: String) throws -> Tokenizer {
        try Tokenizer.load(directory: directory.appendingPathComponent(folder, isDirectory: true))
    }

    /// The repository root, from this file's location (for Tools/ and prompts/).
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
}

/// Swift `String ==` compares by canonical equivalence ("é" == "e\u{301}"); parity must be byte-exact.
func sameBytes(_ a: String, _ b: String) -> Bool { Array(a.utf8) == Array(b.utf8) }

struct EncodeRow: Decodable {
    let text: String
    let ids: [Int]
    let decoded: String
    let decoded_skip: String?
    let ids_plain: [Int]?
}

struct DecodeRow: Decodable {
    let ids: [Int]
    let decoded: String
    let decoded_skip: String
}

struct SplitRow: Decodable {
    let pattern: String
    let text: String
    let pieces: [String]
}

struct Meta: Decodable {
    struct Added: Decodable {
        let id: Int
        let content: String
        let special: Bool
    }
    let vocab_size_with_added: Int
    let added_tokens: [Added]
}

struct ChatCase: Decodable {
    let family: String
    let messages: [ChatMessage]
    let add_generation_prompt: Bool
    let expected: String
}

/// Escaped form for failure messages.
func show(_ s: String) -> String {
    s.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? String($0) : "\\u{\(String($0.value, radix: 16))}" }.joined()
}
