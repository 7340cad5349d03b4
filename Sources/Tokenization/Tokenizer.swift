import Foundation

/// A byte-level BPE tokenizer that encodes and decodes exactly like HF `tokenizers`
/// (`Tokenizer.encode(text).ids` / `Tokenizer.decode(ids)`) for the Qwen2 / Dream and
/// Llama-3 / LLaDA families.
///
/// Pipeline (HF's): cut out non-normalized added tokens → NFC (if the file asks for it) → cut out
/// normalized added tokens → Split regex → ByteLevel → BPE → post-processor (BOS etc., only with
/// `addSpecialTokens`). Immutable after loading, so one instance may serve many threads; the
/// word cache inside is locked.
public final class Tokenizer: Sendable {
    /// Added tokens (special and not), in id order.
    public let addedTokens: [AddedToken]
    /// Distinct tokens, vocabulary plus added (HF `get_vocab_size(with_added_tokens=True)`).
    public let vocabularySize: Int
    /// Largest id that names a token, plus one (the embedding table needs at least this many rows).
    public let idLimit: Int

    let model: BPEModel
    let nfc: Bool
    let splits: [SplitPattern]
    let addPrefixSpace: Bool
    let byteLevelRegex: Bool
    let prefixIDs: [Int32]
    let suffixIDs: [Int32]
    let rawAddedTokens: AddedTokenMatcher
    let normalizedAddedTokens: AddedTokenMatcher
    let tokenStrings: [String?]
    let tokenByteStarts: [Int32]  // idLimit + 1 offsets into tokenBytes
    let tokenBytes: [UInt8]
    let special: [Bool]
    let lookup: ByteStringTable
    let lookupIDs: [Int32]
    let cache = WordCache()
    static let maxTokenID = 1 << 24

    /// Special added tokens only (`<|endoftext|>`, `<|im_end|>`, `<|eot_id|>`, …).
    public var specialTokens: [AddedToken] { addedTokens.filter(\.isSpecial) }

    /// Loads `tokenizer.json` from a model folder, or else `vocab.json` + `merges.txt`
    /// (with `tokenizer_config.json` / `added_tokens.json` for added tokens).
    public static func load(directory: URL) throws -> Tokenizer {
        let json = directory.appendingPathComponent("tokenizer.json")
        if FileManager.default.fileExists(atPath: json.path) {
            return try Tokenizer(tokenizerJSON: readFile(json), file: json.path)
        }
        let vocab = directory.appendingPathComponent("vocab.json")
        let merges = directory.appendingPathComponent("merges.txt")
        guard FileManager.default.fileExists(atPath: vocab.path), FileManager.default.fileExists(atPath: merges.path) else {
            throw TokenizationError.noTokenizerFiles(directory: directory.path)
        }
        return try Tokenizer(definition: TokenizerDefinition(vocabMergesFolder: directory), file: merges.path)
    }

    /// Parses the contents of a `tokenizer.json`; `file` is only used in error messages.
    public convenience init(tokenizerJSON data: Data, file: String = "tokenizer.json") throws {
        try self.init(definition: TokenizerDefinition(tokenizerJSON: data, file: file), file: file)
    }

    init(definition d: TokenizerDefinition, file: String) throws {
        nfc = d.nfc
        splits = d.splits
        addPrefixSpace = d.addPrefixSpace
        byteLevelRegex = d.byteLevelRegex
        addedTokens = d.addedTokens.sorted { $0.id < $1.id }

        // Merges: ids of both sides and of their concatenation must exist.
        var merges = PairTable(capacity: max(1, d.merges.count))
        for (rank, (a, b)) in d.merges.enumerated() {
            let field = "merges[\(rank)]"
            guard let left = d.vocab[a] else { throw TokenizationError.tokenNotInVocabulary(file: file, field: field, token: a) }
            guard let right = d.vocab[b] else { throw TokenizationError.tokenNotInVocabulary(file: file, field: field, token: b) }
            guard let merged = d.vocab[a + b] else {
                throw TokenizationError.tokenNotInVocabulary(file: file, field: field, token: a + b)
            }
            merges.insert(UInt64(left) << 32 | UInt64(right), UInt64(rank) << 32 | UInt64(merged))
        }
        var byteIDs = [Int32](repeating: -1, count: 256)
        for b in 0..<256 {
            if let id = d.vocab[ByteLevel.token(forBytes: [UInt8(b)])] { byteIDs[b] = Int32(id) }
        }
        var wholeWords = ByteStringTable(capacity: d.ignoreMerges ? d.vocab.count : 16)
        var wholeWordIDs: [Int32] = []
        if d.ignoreMerges {
            // Sorted so that the table (and any tie) does not depend on dictionary order.
            for (token, id) in d.vocab.sorted(by: { $0.value < $1.value }) {
                guard let bytes = ByteLevel.bytes(ofToken: token), wholeWords.find(bytes) == nil else { continue }
                wholeWords.append(bytes)
                wholeWordIDs.append(Int32(id))
            }
        }
        var unknownID: Int32?
        if let unk = d.unknownToken {
            guard let id = d.vocab[unk] else { throw TokenizationError.tokenNotInVocabulary(file: file, field: "model.unk_token", token: unk) }
            unknownID = Int32(id)
        }
        model = BPEModel(
            byteIDs: byteIDs, merges: merges, ignoreMerges: d.ignoreMerges, wholeWords: wholeWords,
            wholeWordIDs: wholeWordIDs, unknownID: unknownID, fuseUnknown: d.fuseUnknown)

        // id ↔ token: added tokens take precedence, as in HF.
        let maxID = max(d.vocab.values.max() ?? -1, addedTokens.map(\.id).max() ?? -1)
        // Tables are indexed by id; refuse ids no real vocabulary has rather than allocate gigabytes.
        guard maxID < Self.maxTokenID else {
            throw TokenizationError.invalidField(file: file, field: "vocab", reason: "token id \(maxID) is larger than \(Self.maxTokenID - 1)")
        }
        idLimit = maxID + 1
        var strings = [String?](repeating: nil, count: idLimit)
        var isSpecial = [Bool](repeating: false, count: idLimit)
        for (token, id) in d.vocab { strings[id] = token }
        var lookup = ByteStringTable(capacity: d.vocab.count + addedTokens.count)
        var lookupIDs: [Int32] = []
        for token in addedTokens {
            strings[token.id] = token.content
            isSpecial[token.id] = token.isSpecial
            if lookup.find(Array(token.content.utf8)) == nil {
                lookup.append(Array(token.content.utf8))
                lookupIDs.append(Int32(token.id))
            }
        }
        for (token, id) in d.vocab.sorted(by: { $0.value < $1.value }) where lookup.find(Array(token.utf8)) == nil {
            lookup.append(Array(token.utf8))
            lookupIDs.append(Int32(id))
        }
        self.lookup = lookup
        self.lookupIDs = lookupIDs
        vocabularySize = lookup.count
        tokenStrings = strings
        special = isSpecial
        var starts: [Int32] = [0]
        var bytes: [UInt8] = []
        for string in strings {
            if let string { bytes += ByteLevel.bytes(ofToken: string) ?? Array(string.utf8) }
            starts.append(Int32(bytes.count))
        }
        tokenByteStarts = starts
        tokenBytes = bytes

        for id in d.prefixIDs + d.suffixIDs where id >= idLimit || strings[id] == nil {
            throw TokenizationError.tokenNotInVocabulary(file: file, field: "post_processor", token: "id \(id)")
        }
        prefixIDs = d.prefixIDs.map { Int32($0) }
        suffixIDs = d.suffixIDs.map { Int32($0) }
        let nfc = d.nfc
        rawAddedTokens = AddedTokenMatcher(addedTokens.filter { !$0.normalized }.map { (Array($0.content.utf8), $0) })
        normalizedAddedTokens = AddedTokenMatcher(addedTokens.filter(\.normalized).map {
            (Array((nfc ? $0.content.precomposedStringWithCanonicalMapping : $0.content).utf8), $0)
        })
    }

    // MARK: - Vocabulary

    /// The id of a token as spelled in the vocabulary (`"Ġthe"`, `"<|im_end|>"`).
    public func id(forToken token: String) -> Int? {
        lookup.find(Array(token.utf8)).map { Int(lookupIDs[$0]) }
    }

    /// The vocabulary spelling of an id, or nil for ids that name no token.
    public func token(forID id: Int) -> String? {
        id >= 0 && id < idLimit ? tokenStrings[id] : nil
    }

    /// Whether `id` is a special added token (skipped by `decode(skipSpecialTokens: true)`).
    public func isSpecial(id: Int) -> Bool {
        id >= 0 && id < idLimit && special[id]
    }

    // MARK: - Decode

    /// Text for `ids` (HF `decode`): unknown ids are skipped, and byte sequences that are not
    /// valid UTF-8 become U+FFFD, one per maximal invalid subpart, as Rust's `from_utf8_lossy`.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        tokenBytes.withUnsafeBufferPointer { all in
            for id in ids where id >= 0 && id < idLimit {
                if skipSpecialTokens && special[id] { continue }
                let start = Int(tokenByteStarts[id])
                let end = Int(tokenByteStarts[id + 1])
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: all[start..<end]))
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
