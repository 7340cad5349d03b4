import Foundation
import Testing

@testable import Tokenization

/// Each malformed tokenizer file gives a typed error naming the file and the field.
@Suite struct LoadingErrorTests {
    /// A temporary model folder holding a mutated copy of the qwen2 fixture's tokenizer.json.
    private func folder(mutating edit: (inout [String: Any]) -> Void) throws -> URL {
        var root = try #require(
            JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.url("qwen2/tokenizer.json"))) as? [String: Any])
        edit(&root)
        return try folder(files: ["tokenizer.json": JSONSerialization.data(withJSONObject: root)])
    }

    private func folder(files: [String: Data]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tok-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, data) in files { try data.write(to: dir.appendingPathComponent(name)) }
        return dir
    }

    private func loadError(_ dir: URL) -> TokenizationError? {
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            _ = try Tokenizer.load(directory: dir)
            return nil
        } catch {
            return error as? TokenizationError
        }
    }

    private func model(_ root: inout [String: Any], _ edit: (inout [String: Any]) -> Void) {
        var m = root["model"] as! [String: Any]
        edit(&m)
        root["model"] = m
    }

    @Test func emptyFolder() throws {
        let dir = try folder(files: [:])
        #expect(loadError(dir) == .noTokenizerFiles(directory: dir.path))
    }

    @Test func notJSON() throws {
        let dir = try folder(files: ["tokenizer.json": Data("{\"model\": ".utf8)])
        guard case .invalidJSON(let file, _) = loadError(dir) else { Issue.record("expected invalidJSON"); return }
        #expect(file.hasSuffix("tokenizer.json"))
    }

    @Test func missingModel() throws {
        let error = loadError(try folder { $0["model"] = nil })
        guard case .missingField(let file, "model") = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(file.hasSuffix("tokenizer.json"))
    }

    @Test func unsupportedModelType() throws {
        let error = loadError(try folder { model(&$0) { $0["type"] = "WordPiece" } })
        guard case .unsupported(_, "model.type", "WordPiece") = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func unknownSplitRegex() throws {
        let error = loadError(try folder { root in
            var pre = root["pre_tokenizer"] as! [String: Any]
            var steps = pre["pretokenizers"] as! [[String: Any]]
            steps[0]["pattern"] = ["Regex": #"\w+|\s+"#]
            pre["pretokenizers"] = steps
            root["pre_tokenizer"] = pre
        })
        guard case .unsupported(_, "pre_tokenizer.pretokenizers[0].pattern.Regex", let value) = error else {
            Issue.record("got \(String(describing: error))")
            return
        }
        #expect(value.contains(#"\\w+"#))
    }

    @Test func mergeOutsideVocabulary() throws {
        let error = loadError(try folder { model(&$0) { m in
            var merges = m["merges"] as! [Any]
            merges[3] = "Ġ zzzz"
            m["merges"] = merges
        } })
        guard case .tokenNotInVocabulary(_, "merges[3]", "zzzz") = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func malformedMergeEntry() throws {
        let error = loadError(try folder { model(&$0) { m in
            var merges = m["merges"] as! [Any]
            merges[5] = "a b c"
            m["merges"] = merges
        } })
        guard case .invalidField(_, "model.merges[5]", _) = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func badTokenID() throws {
        let error = loadError(try folder { model(&$0) { m in
            var vocab = m["vocab"] as! [String: Any]
            vocab["Ġthe"] = "seven"
            m["vocab"] = vocab
        } })
        guard case .invalidField(_, let field, _) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(field == #"model.vocab["Ġthe"]"#)
    }

    @Test func implausibleTokenID() throws {
        let error = loadError(try folder { model(&$0) { m in
            var vocab = m["vocab"] as! [String: Any]
            vocab["Ġthe"] = 99_999_999
            m["vocab"] = vocab
        } })
        guard case .invalidField(_, "vocab", _) = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func nonByteLevelDecoder() throws {
        let error = loadError(try folder { $0["decoder"] = ["type": "WordPiece", "prefix": "##"] })
        guard case .unsupported(_, "decoder.type", "WordPiece") = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func addedTokenWithoutContent() throws {
        let error = loadError(try folder { root in
            var added = root["added_tokens"] as! [[String: Any]]
            added[1]["content"] = nil
            root["added_tokens"] = added
        })
        guard case .missingField(_, "added_tokens[1].content") = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func badMergesTxtLine() throws {
        let vocab = try Data(contentsOf: Fixtures.url("qwen2-vocab/vocab.json"))
        let dir = try folder(files: ["vocab.json": vocab, "merges.txt": Data("#version: 0.2\nĠ Ġ\nĠĠĠĠ\n".utf8)])
        let error = loadError(dir)
        guard case .invalidField(let file, "line 3", _) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(file.hasSuffix("merges.txt"))
    }

    @Test func errorsDescribeFileAndField() {
        let error = TokenizationError.tokenNotInVocabulary(file: "/m/tokenizer.json", field: "merges[3]", token: "zz")
        #expect(error.description == #"/m/tokenizer.json: merges[3] refers to "zz", which is not in the vocabulary"#)
    }
}
