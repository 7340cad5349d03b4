import ArgumentParser
import Foundation
import ModelFiles
import Tokenization

struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show how a model's tokenizer splits text, or what ids decode to.",
        discussion: """
            Prints the token ids as a JSON array, then each token, then the text decoded back. \
            Useful when debugging prompts: special tokens written in the text (e.g. <|im_end|>) \
            are matched as single tokens, exactly as Hugging Face tokenizers do.

            Examples:
              tolerator tokenize MODEL_DIR 'def add(a, b):'
              tolerator tokenize MODEL_DIR --file prompt.txt
              tolerator tokenize MODEL_DIR --decode 785,1467,13
            """)

    @Argument(help: "A model folder with tokenizer.json (or vocab.json + merges.txt).")
    var modelDirectory: String

    @Argument(help: "Text to encode.")
    var text: String?

    @Option(help: "Encode the contents of this file instead.")
    var file: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Decode these comma-separated ids instead.", valueName: "ids"), transform: parseIDList)
    var decode: [Int]?

    @Flag(help: "Add the special tokens the tokenizer's post-processor adds (e.g. BOS).")
    var addSpecialTokens = false

    @Flag(help: "Drop special tokens when decoding.")
    var skipSpecialTokens = false

    func validate() throws {
        let inputs = [text != nil, file != nil, decode != nil].filter { $0 }.count
        guard inputs == 1 else { throw ValidationError("give exactly one of TEXT, --file or --decode") }
    }

    func run() throws {
        let directory = URL(fileURLWithPath: modelDirectory)
        let tokenizer = try Tokenizer.load(directory: directory)
        let ids: [Int]
        if let decode {
            ids = decode
            if let bad = ids.first(where: { tokenizer.token(forID: $0) == nil }) {
                throw ValidationError("id \(bad) is not in this tokenizer's vocabulary (0..<\(tokenizer.idLimit))")
            }
        } else {
            let input: String
            if let file {
                guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("\(file): cannot read") }
                input = String(decoding: data, as: UTF8.self)
            } else {
                input = text ?? ""
            }
            ids = tokenizer.encode(input, addSpecialTokens: addSpecialTokens)
        }
        print("[" + ids.map(String.init).joined(separator: ",") + "]")
        print("\(ids.count) tokens: " + ids.map { id in
            let token = tokenizer.token(forID: id) ?? "?"
            return "\(id)=\(jsonQuoted(token))"
        }.joined(separator: " "))
        print(tokenizer.decode(ids, skipSpecialTokens: skipSpecialTokens))
    }
}

/// A string as a JSON literal, so whitespace and control characters are visible.
func jsonQuoted(_ text: String) -> String {
    let data = (try? JSONEncoder().encode(text)) ?? Data("\"?\"".utf8)
    return String(decoding: data, as: UTF8.self)
}
