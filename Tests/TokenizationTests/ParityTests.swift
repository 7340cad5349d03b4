import FixtureSupport
import Foundation
import Testing

@testable import Tokenization

/// 100% parity with HF `tokenizers` on the committed fixture corpus (ids and decoded text).
@Suite struct ParityTests {
    /// Encodes and decodes every fixture string; returns descriptions of the first failures.
    private func check(_ tokenizer: Tokenizer, rows: [EncodeRow], limit: Int = 8) -> (checked: Int, failures: [String]) {
        var failures: [String] = []
        var checked = 0
        for (i, row) in rows.enumerated() {
            let text = row.text
            let ids = row.ids
            checked += 1
            let got = tokenizer.encode(text)
            if got != ids { failures.append("#\(i) encode \(show(text)): got \(got), want \(ids)") }
            if let plain = row.ids_plain {
                let got = tokenizer.encode(text, addSpecialTokens: false)
                if got != plain { failures.append("#\(i) encode(addSpecialTokens: false) \(show(text)): got \(got), want \(plain)") }
            }
            let decoded = row.decoded
            let back = tokenizer.decode(ids)
            if !sameBytes(back, decoded) { failures.append("#\(i) decode \(ids): got \(show(back)), want \(show(decoded))") }
            if let skip = row.decoded_skip {
                let back = tokenizer.decode(ids, skipSpecialTokens: true)
                if !sameBytes(back, skip) { failures.append("#\(i) decode(skip) \(ids): got \(show(back)), want \(show(skip))") }
            }
            if failures.count >= limit { break }
        }
        return (checked, failures)
    }

    @Test(arguments: ["qwen2", "llama3"])
    func encodeCorpus(style: String) throws {
        let tokenizer = try Fixtures.tokenizer(style)
        let rows = try Fixtures.jsonLines("encode-\(style).jsonl", as: EncodeRow.self)
        #expect(rows.count >= 2000)
        let (checked, failures) = check(tokenizer, rows: rows)
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(checked == rows.count)
    }

    @Test func vocabMergesFolderMatchesTransformers() throws {
        let tokenizer = try Fixtures.tokenizer("qwen2-vocab")
        let rows = try Fixtures.jsonLines("encode-qwen2-vocab.jsonl", as: EncodeRow.self)
        #expect(rows.count == 400)
        let (_, failures) = check(tokenizer, rows: rows)
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    /// GPT-2 layout (ByteLevel's own regex, add_prefix_space) on the llama3 vocab; the generator
    /// makes the same edit to the JSON before recording ids.
    @Test func gpt2LayoutWithPrefixSpace() throws {
        var root = try #require(
            JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.url("llama3/tokenizer.json"))) as? [String: Any])
        let byteLevel: [String: Any] = ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true]
        root["pre_tokenizer"] = byteLevel
        root["post_processor"] = byteLevel
        var model = try #require(root["model"] as? [String: Any])
        model["ignore_merges"] = false
        root["model"] = model
        let tokenizer = try Tokenizer(tokenizerJSON: JSONSerialization.data(withJSONObject: root))
        #expect(tokenizer.splits.isEmpty && tokenizer.byteLevelRegex && tokenizer.addPrefixSpace)
        let rows = try Fixtures.jsonLines("encode-gpt2-variant.jsonl", as: EncodeRow.self)
        #expect(rows.count == 250)
        let (_, failures) = check(tokenizer, rows: rows)
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    @Test(arguments: ["qwen2", "llama3"])
    func decodeRandomIDs(style: String) throws {
        // Random ids decode to invalid UTF-8 often; U+FFFD placement must match Rust's from_utf8_lossy.
        let tokenizer = try Fixtures.tokenizer(style)
        var failures: [String] = []
        for row in try Fixtures.jsonLines("decode-\(style).jsonl", as: DecodeRow.self) {
            let ids = row.ids
            for (want, skip) in [(row.decoded, false), (row.decoded_skip, true)] {
                let got = tokenizer.decode(ids, skipSpecialTokens: skip)
                if !sameBytes(got, want) { failures.append("\(ids) skip=\(skip): got \(show(got)), want \(show(want))") }
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(8).joined(separator: "\n"))")
    }

    @Test(arguments: ["qwen2", "llama3"])
    func vocabularyAndAddedTokens(style: String) throws {
        let tokenizer = try Fixtures.tokenizer(style)
        let meta = try Fixtures.json("meta-\(style).json", as: Meta.self)
        #expect(tokenizer.vocabularySize == meta.vocab_size_with_added)
        #expect(tokenizer.addedTokens.map(\.id) == meta.added_tokens.map(\.id))
        #expect(tokenizer.addedTokens.map(\.content) == meta.added_tokens.map(\.content))
        #expect(tokenizer.addedTokens.map(\.isSpecial) == meta.added_tokens.map(\.special))
        for token in tokenizer.addedTokens {
            #expect(tokenizer.id(forToken: token.content) == token.id)
            #expect(tokenizer.token(forID: token.id) == token.content)
        }
        #expect(tokenizer.id(forToken: "Ġ") == 220)  // the byte 0x20 is byte-level index 220
        #expect(tokenizer.token(forID: tokenizer.idLimit) == nil)
        #expect(tokenizer.token(forID: -1) == nil)
    }

    @Test func splitPatternsMatchOniguruma() throws {
        var failures: [String] = []
        var counts: [String: Int] = [:]
        for row in try Fixtures.jsonLines("split.jsonl", as: SplitRow.self) {
            let name = row.pattern
            let pattern = try #require(SplitPattern(rawValue: name))
            let text = row.text
            let want = row.pieces
            counts[name, default: 0] += 1
            var scratch = SplitScratch()
            var utf8 = Array(text.utf8)
            let got: [String] = utf8.withUnsafeMutableBufferPointer { mutable in
                let bytes = UnsafeBufferPointer(mutable)
                pattern.split(bytes, 0..<bytes.count, into: &scratch)
                var start = 0
                return scratch.pieceEnds.map { end in
                    defer { start = end }
                    return String(decoding: bytes[start..<end], as: UTF8.self)
                }
            }
            if got.map({ Array($0.utf8) }) != want.map({ Array($0.utf8) }) {
                failures.append("\(name) \(show(text)): got \(got.map(show)), want \(want.map(show))")
            }
        }
        #expect(counts == ["qwen2": 350, "llama3": 350, "gpt2": 350])
        #expect(failures.isEmpty, "\(failures.prefix(8).joined(separator: "\n"))")
    }

    /// A fixture edited by hand (or regenerated without updating the list) must fail here.
    @Test func fixturesMatchRecordedHashes() throws {
        let root = Fixtures.repositoryRoot
        let list = String(decoding: try Data(contentsOf: root.appendingPathComponent("Tools/tokenizers/FIXTURES.sha256")), as: UTF8.self)
        var listed: [String] = []
        for line in list.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            try #require(parts.count == 2)
            let path = String(parts[1].drop { $0 == " " || $0 == "*" })
            listed.append(path)
            let data = try Data(contentsOf: root.appendingPathComponent(path))
            #expect(SHA256.hex([UInt8](data)) == String(parts[0]), "\(path) differs from FIXTURES.sha256")
        }
        // Every file in the fixture folder is listed.
        let prefix = "Tests/TokenizationTests/Fixtures/"
        let folder = root.appendingPathComponent(prefix)
        let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])!
            .compactMap { $0 as? URL }
            .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
            .map { prefix + $0.path.dropFirst(folder.path.count).drop { $0 == "/" } }
        #expect(Set(files) == Set(listed))
    }

    @Test func sha256KnownAnswers() {
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
