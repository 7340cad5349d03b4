import Foundation

extension TokenizerDefinition {
    /// Reads the older layout: `vocab.json` + `merges.txt`, with added tokens from
    /// `tokenizer_config.json` (`added_tokens_decoder`) and/or `added_tokens.json`.
    ///
    /// These files do not say how to pre-tokenize, so this follows what transformers builds for
    /// the `tokenizer_class` in tokenizer_config.json: `GPT2Tokenizer` gets the GPT-2 regex;
    /// anything else (`Qwen2Tokenizer`, Dream's `DreamTokenizer`, or no config) is read as
    /// Qwen2: NFC, the Qwen2 Split regex, ByteLevel without prefix space.
    init(vocabMergesFolder directory: URL) throws {
        let vocabURL = directory.appendingPathComponent("vocab.json")
        let mergesURL = directory.appendingPathComponent("merges.txt")
        let vocabJSON = JSONReader(file: vocabURL.path)
        let vocabData = try readFile(vocabURL)
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: vocabData)
        } catch {
            throw TokenizationError.invalidJSON(file: vocabURL.path, reason: error.localizedDescription)
        }
        vocab = try vocabJSON.vocab(parsed, field: "(top level)")

        let mergesData = try readFile(mergesURL)
        guard let text = String(data: mergesData, encoding: .utf8) else {
            throw TokenizationError.unreadable(file: mergesURL.path, reason: "not UTF-8")
        }
        for (lineIndex, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.hasSuffix("\r") ? line.dropLast() : line
            if trimmed.isEmpty || (lineIndex == 0 && trimmed.hasPrefix("#version")) { continue }
            let parts = trimmed.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw TokenizationError.invalidField(
                    file: mergesURL.path, field: "line \(lineIndex + 1)", reason: "expected two tokens separated by one space")
            }
            merges.append((String(parts[0]), String(parts[1])))
        }

        var tokenizerClass = "Qwen2Tokenizer"
        var added: [Int: AddedToken] = [:]
        var specialContents: [String] = []
        let configURL = directory.appendingPathComponent("tokenizer_config.json")
        if FileManager.default.fileExists(atPath: configURL.path) {
            let json = JSONReader(file: configURL.path)
            let config = try json.object(try readFile(configURL))
            tokenizerClass = try json.optionalString(config, "tokenizer_class", field: "tokenizer_class") ?? tokenizerClass
            if let decoder = config["added_tokens_decoder"] as? [String: Any] {
                for (key, value) in decoder {
                    guard let id = Int(key), id >= 0 else {
                        throw TokenizationError.invalidField(
                            file: configURL.path, field: "added_tokens_decoder", reason: "key \(key.debugDescription) is not a token id")
                    }
                    added[id] = try json.addedToken(value, id: id, field: "added_tokens_decoder[\(key)]")
                }
            }
            for key in ["bos_token", "eos_token", "unk_token", "pad_token", "mask_token"] {
                if let name = config[key] as? String { specialContents.append(name) }
                if let object = config[key] as? [String: Any], let name = object["content"] as? String { specialContents.append(name) }
            }
            specialContents += config["additional_special_tokens"] as? [String] ?? []
            addPrefixSpace = try json.bool(config, "add_prefix_space", field: "add_prefix_space", default: false)
        }
        let addedURL = directory.appendingPathComponent("added_tokens.json")
        if FileManager.default.fileExists(atPath: addedURL.path) {
            let json = JSONReader(file: addedURL.path)
            for (content, id) in try json.vocab(try json.object(try readFile(addedURL)), field: "(top level)")
            where added[id] == nil {
                let special = specialContents.contains(content)
                added[id] = AddedToken(id: id, content: content, isSpecial: special, normalized: !special)
            }
        }
        addedTokens = added.keys.sorted().map { added[$0]! }

        switch tokenizerClass {
        case "GPT2Tokenizer", "GPT2TokenizerFast":
            byteLevelRegex = true
        default:
            nfc = true
            splits = [.qwen2]
        }
    }
}

func readFile(_ url: URL) throws -> Data {
    do {
        return try Data(contentsOf: url)
    } catch {
        throw TokenizationError.unreadable(file: url.path, reason: error.localizedDescription)
    }
}
