import Foundation

/// Everything a `Tokenizer` is built from, read from either file layout.
struct TokenizerDefinition {
    var vocab: [String: Int] = [:]
    /// In rank order.
    var merges: [(String, String)] = []
    var ignoreMerges = false
    var unknownToken: String?
    var fuseUnknown = false
    var addedTokens: [AddedToken] = []
    var nfc = false
    /// Split steps before ByteLevel, in order.
    var splits: [SplitPattern] = []
    /// ByteLevel's `add_prefix_space` (per piece arriving at ByteLevel) and `use_regex` (then the
    /// GPT-2 regex splits each such piece, after the prefix is added).
    var addPrefixSpace = false
    var byteLevelRegex = false
    /// What `addSpecialTokens: true` wraps around the ids (TemplateProcessing `single`).
    var prefixIDs: [Int] = []
    var suffixIDs: [Int] = []
}

/// Small typed accessors over `JSONSerialization` output that report the file and field.
struct JSONReader {
    let file: String

    func object(_ data: Data) throws -> [String: Any] {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw TokenizationError.invalidJSON(file: file, reason: "\(error.localizedDescription)")
        }
        guard let object = parsed as? [String: Any] else {
            throw TokenizationError.invalidJSON(file: file, reason: "top level is not an object")
        }
        return object
    }

    func string(_ object: [String: Any], _ key: String, field: String) throws -> String {
        guard let value = object[key] else { throw TokenizationError.missingField(file: file, field: field) }
        guard let string = value as? String else {
            throw TokenizationError.invalidField(file: file, field: field, reason: "expected a string")
        }
        return string
    }

    func optionalString(_ object: [String: Any], _ key: String, field: String) throws -> String? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let string = value as? String else {
            throw TokenizationError.invalidField(file: file, field: field, reason: "expected a string or null")
        }
        return string
    }

    func bool(_ object: [String: Any], _ key: String, field: String, default fallback: Bool) throws -> Bool {
        guard let value = object[key], !(value is NSNull) else { return fallback }
        guard let flag = value as? Bool else {
            throw TokenizationError.invalidField(file: file, field: field, reason: "expected true or false")
        }
        return flag
    }

    func int(_ value: Any?, field: String) throws -> Int {
        guard let value, !(value is NSNull) else { throw TokenizationError.missingField(file: file, field: field) }
        guard let number = value as? NSNumber, number.doubleValue == Double(number.intValue), number.intValue >= 0,
            number.intValue <= Int(Int32.max)
        else {
            throw TokenizationError.invalidField(file: file, field: field, reason: "expected a token id (non-negative integer)")
        }
        return number.intValue
    }

    func vocab(_ value: Any?, field: String) throws -> [String: Int] {
        guard let value else { throw TokenizationError.missingField(file: file, field: field) }
        guard let dict = value as? [String: Any] else {
            throw TokenizationError.invalidField(file: file, field: field, reason: "expected an object of token → id")
        }
        var vocab: [String: Int] = [:]
        vocab.reserveCapacity(dict.count)
        for (token, id) in dict { vocab[token] = try int(id, field: "\(field)[\(token.debugDescription)]") }
        return vocab
    }

    /// `added_tokens` entries: `{id, content, special, lstrip, rstrip, single_word, normalized}`.
    func addedToken(_ value: Any, id explicitID: Int?, field: String) throws -> AddedToken {
        guard let object = value as? [String: Any] else {
            throw TokenizationError.invalidField(file: file, field: field, reason: "expected an object")
        }
        let id = try explicitID ?? int(object["id"], field: "\(field).id")
        let content = try string(object, "content", field: "\(field).content")
        let special = try bool(object, "special", field: "\(field).special", default: false)
        return AddedToken(
            id: id, content: content, isSpecial: special,
            leftStrip: try bool(object, "lstrip", field: "\(field).lstrip", default: false),
            rightStrip: try bool(object, "rstrip", field: "\(field).rstrip", default: false),
            singleWord: try bool(object, "single_word", field: "\(field).single_word", default: false),
            normalized: try bool(object, "normalized", field: "\(field).normalized", default: !special))
    }
}

extension TokenizerDefinition {
    /// Reads a `tokenizer.json` (HF `tokenizers` serialization).
    init(tokenizerJSON data: Data, file: String) throws {
        let json = JSONReader(file: file)
        let root = try json.object(data)

        guard let model = root["model"] as? [String: Any] else { throw TokenizationError.missingField(file: file, field: "model") }
        let modelType = try json.optionalString(model, "type", field: "model.type") ?? "BPE"
        guard modelType == "BPE" else { throw TokenizationError.unsupported(file: file, field: "model.type", value: modelType) }
        if let dropout = model["dropout"], !(dropout is NSNull), (dropout as? NSNumber)?.doubleValue != 0 {
            throw TokenizationError.unsupported(file: file, field: "model.dropout", value: "\(dropout)")
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let value = try json.optionalString(model, key, field: "model.\(key)"), !value.isEmpty {
                throw TokenizationError.unsupported(file: file, field: "model.\(key)", value: value.debugDescription)
            }
        }
        if try json.bool(model, "byte_fallback", field: "model.byte_fallback", default: false) {
            throw TokenizationError.unsupported(file: file, field: "model.byte_fallback", value: "true")
        }
        vocab = try json.vocab(model["vocab"], field: "model.vocab")
        ignoreMerges = try json.bool(model, "ignore_merges", field: "model.ignore_merges", default: false)
        unknownToken = try json.optionalString(model, "unk_token", field: "model.unk_token")
        fuseUnknown = try json.bool(model, "fuse_unk", field: "model.fuse_unk", default: false)
        guard let rawMerges = model["merges"] as? [Any] else {
            throw model["merges"] == nil
                ? TokenizationError.missingField(file: file, field: "model.merges")
                : TokenizationError.invalidField(file: file, field: "model.merges", reason: "expected an array")
        }
        merges.reserveCapacity(rawMerges.count)
        for (i, entry) in rawMerges.enumerated() {
            // Older files: "a b" strings; newer files: ["a", "b"] pairs.
            if let line = entry as? String {
                let parts = line.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else {
                    throw TokenizationError.invalidField(
                        file: file, field: "model.merges[\(i)]", reason: "expected \"a b\", got \(line.debugDescription)")
                }
                merges.append((String(parts[0]), String(parts[1])))
            } else if let pair = entry as? [Any], pair.count == 2, let a = pair[0] as? String, let b = pair[1] as? String {
                merges.append((a, b))
            } else {
                throw TokenizationError.invalidField(
                    file: file, field: "model.merges[\(i)]", reason: "expected \"a b\" or [\"a\", \"b\"]")
            }
        }

        if let added = root["added_tokens"], !(added is NSNull) {
            guard let list = added as? [Any] else {
                throw TokenizationError.invalidField(file: file, field: "added_tokens", reason: "expected an array")
            }
            addedTokens = try list.enumerated().map { try json.addedToken($1, id: nil, field: "added_tokens[\($0)]") }
        }

        try readNormalizer(root["normalizer"], json: json, field: "normalizer")
        var sawByteLevel = false
        try readPreTokenizer(root["pre_tokenizer"], json: json, field: "pre_tokenizer", sawByteLevel: &sawByteLevel)
        guard sawByteLevel else {
            throw TokenizationError.unsupported(
                file: file, field: "pre_tokenizer", value: "no ByteLevel step (only byte-level BPE is implemented)")
        }
        try checkDecoder(root["decoder"], json: json, field: "decoder")
        let specialIDs = try readPostProcessor(root["post_processor"], json: json, field: "post_processor")
        (prefixIDs, suffixIDs) = specialIDs
    }

    private mutating func readNormalizer(_ value: Any?, json: JSONReader, field: String) throws {
        guard let value, !(value is NSNull) else { return }
        guard let object = value as? [String: Any] else {
            throw TokenizationError.invalidField(file: json.file, field: field, reason: "expected an object")
        }
        let type = try json.string(object, "type", field: "\(field).type")
        switch type {
        case "NFC":
            nfc = true
        case "Sequence":
            let steps = object["normalizers"] as? [Any] ?? []
            for (i, step) in steps.enumerated() { try readNormalizer(step, json: json, field: "\(field).normalizers[\(i)]") }
        default:
            throw TokenizationError.unsupported(file: json.file, field: "\(field).type", value: type)
        }
    }

    private mutating func readPreTokenizer(_ value: Any?, json: JSONReader, field: String, sawByteLevel: inout Bool) throws {
        guard let value, !(value is NSNull) else { return }
        guard let object = value as? [String: Any] else {
            throw TokenizationError.invalidField(file: json.file, field: field, reason: "expected an object")
        }
        let type = try json.string(object, "type", field: "\(field).type")
        if sawByteLevel {
            // Splitting after the byte mapping would see mapped characters: not a layout HF models use.
            throw TokenizationError.unsupported(file: json.file, field: "\(field).type", value: "\(type) after ByteLevel")
        }
        switch type {
        case "Sequence":
            let steps = object["pretokenizers"] as? [Any] ?? []
            for (i, step) in steps.enumerated() {
                try readPreTokenizer(step, json: json, field: "\(field).pretokenizers[\(i)]", sawByteLevel: &sawByteLevel)
            }
        case "Split":
            guard let pattern = object["pattern"] as? [String: Any], let regex = pattern["Regex"] as? String else {
                throw TokenizationError.unsupported(file: json.file, field: "\(field).pattern", value: "a non-Regex pattern")
            }
            guard let scanner = SplitPattern(regex: regex) else {
                throw TokenizationError.unsupported(
                    file: json.file, field: "\(field).pattern.Regex",
                    value: "\(regex.debugDescription) (known: the Qwen2, Llama-3 and GPT-2 patterns)")
            }
            let behavior = try json.optionalString(object, "behavior", field: "\(field).behavior") ?? "Isolated"
            guard behavior == "Isolated" else {
                throw TokenizationError.unsupported(file: json.file, field: "\(field).behavior", value: behavior)
            }
            guard try !json.bool(object, "invert", field: "\(field).invert", default: false) else {
                throw TokenizationError.unsupported(file: json.file, field: "\(field).invert", value: "true")
            }
            splits.append(scanner)
        case "ByteLevel":
            sawByteLevel = true
            addPrefixSpace = try json.bool(object, "add_prefix_space", field: "\(field).add_prefix_space", default: true)
            byteLevelRegex = try json.bool(object, "use_regex", field: "\(field).use_regex", default: true)
        default:
            throw TokenizationError.unsupported(file: json.file, field: "\(field).type", value: type)
        }
    }

    private func checkDecoder(_ value: Any?, json: JSONReader, field: String) throws {
        guard let object = value as? [String: Any] else {
            throw TokenizationError.unsupported(file: json.file, field: field, value: "null (only the ByteLevel decoder is implemented)")
        }
        let type = try json.string(object, "type", field: "\(field).type")
        switch type {
        case "ByteLevel":
            return
        case "Sequence":
            let steps = object["decoders"] as? [Any] ?? []
            guard steps.count == 1 else {
                throw TokenizationError.unsupported(file: json.file, field: "\(field).decoders", value: "\(steps.count) steps")
            }
            try checkDecoder(steps[0], json: json, field: "\(field).decoders[0]")
        default:
            throw TokenizationError.unsupported(file: json.file, field: "\(field).type", value: type)
        }
    }

    /// The ids the post-processor puts before and after a single sequence.
    private func readPostProcessor(_ value: Any?, json: JSONReader, field: String) throws -> ([Int], [Int]) {
        guard let value, !(value is NSNull) else { return ([], []) }
        guard let object = value as? [String: Any] else {
            throw TokenizationError.invalidField(file: json.file, field: field, reason: "expected an object")
        }
        let type = try json.string(object, "type", field: "\(field).type")
        switch type {
        case "ByteLevel":
            return ([], [])  // only trims offsets
        case "Sequence":
            var prefix: [Int] = []
            var suffix: [Int] = []
            for (i, step) in (object["processors"] as? [Any] ?? []).enumerated() {
                let (p, s) = try readPostProcessor(step, json: json, field: "\(field).processors[\(i)]")
                prefix = p + prefix
                suffix += s
            }
            return (prefix, suffix)
        case "TemplateProcessing":
            guard let single = object["single"] as? [Any] else {
                throw TokenizationError.missingField(file: json.file, field: "\(field).single")
            }
            let specials = object["special_tokens"] as? [String: Any] ?? [:]
            var prefix: [Int] = []
            var suffix: [Int] = []
            var seenSequence = false
            for (i, piece) in single.enumerated() {
                let pieceField = "\(field).single[\(i)]"
                if let special = (piece as? [String: Any])?["SpecialToken"] as? [String: Any] {
                    let name = try json.string(special, "id", field: "\(pieceField).SpecialToken.id")
                    guard let entry = specials[name] as? [String: Any], let ids = entry["ids"] as? [Any] else {
                        throw TokenizationError.missingField(file: json.file, field: "\(field).special_tokens[\(name.debugDescription)].ids")
                    }
                    let values = try ids.map { try json.int($0, field: "\(field).special_tokens[\(name.debugDescription)].ids") }
                    if seenSequence { suffix += values } else { prefix += values }
                } else if (piece as? [String: Any])?["Sequence"] != nil {
                    seenSequence = true
                } else {
                    throw TokenizationError.invalidField(file: json.file, field: pieceField, reason: "expected SpecialToken or Sequence")
                }
            }
            return (prefix, suffix)
        case "RobertaProcessing", "BertProcessing":
            guard let cls = object["cls"] as? [Any], cls.count == 2, let sep = object["sep"] as? [Any], sep.count == 2 else {
                throw TokenizationError.invalidField(file: json.file, field: field, reason: "expected cls and sep as [token, id]")
            }
            return ([try json.int(cls[1], field: "\(field).cls[1]")], [try json.int(sep[1], field: "\(field).sep[1]")])
        default:
            throw TokenizationError.unsupported(file: json.file, field: "\(field).type", value: type)
        }
    }
}
