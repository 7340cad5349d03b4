import Foundation

/// User overrides from the command line; they win over every file.
public struct SpecialTokenOverrides: Sendable, Equatable {
    public var maskID: Int?
    public var stopIDs: [Int]?

    public init(maskID: Int? = nil, stopIDs: [Int]? = nil) {
        self.maskID = maskID
        self.stopIDs = stopIDs
    }
}

/// A Hugging Face model folder as a user downloads it: config, optional generation config,
/// and the safetensors weights.
public struct ModelFolder: Sendable {
    public let directory: URL
    public let config: ModelConfig

    /// Reads `config.json` and `generation_config.json` (if present) and resolves special ids.
    ///
    /// Precedence for each id: `overrides`, then `generation_config.json` (non-null values),
    /// then `config.json`, then the tokenizer's token of the family's conventional name
    /// (looked up through `tokenID`, so this module needs no tokenizer).
    public init(directory: URL, overrides: SpecialTokenOverrides = .init(),
                tokenID: (String) -> Int? = { _ in nil }) throws {
        self.directory = directory
        let configURL = directory.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: configURL.path) else {
            throw ModelFilesError.fileNotFound(path: configURL.path)
        }
        var config = try ModelConfig.parse(configJSON: Self.read(configURL), file: configURL.path)
        let generationURL = directory.appendingPathComponent("generation_config.json")
        if FileManager.default.fileExists(atPath: generationURL.path) {
            let data = try Self.read(generationURL)
            let generation: GenerationRawConfig
            do {
                generation = try JSONDecoder().decode(GenerationRawConfig.self, from: data)
            } catch {
                throw ModelFilesError.invalidConfig(file: generationURL.path, field: "(root)", reason: "cannot decode: \(error)")
            }
            config.specialTokens.apply(generation)
        }
        config.specialTokens.fillFromTokenizer(family: config.family, tokenID: tokenID)
        // An override is the user's mistake, not the folder's: say so before the folder's ids are checked.
        let vocabulary = config.vocabularySize
        for (option, value) in [("--mask-id", overrides.maskID)] + (overrides.stopIDs ?? []).map({ ("--stop-ids", $0) }) {
            if let value, value < 0 || value >= vocabulary {
                throw ModelFilesError.invalidOverride(option: option, value: value, directory: directory.path,
                                                      reason: "outside the vocabulary (0..<\(vocabulary))")
            }
        }
        if let mask = overrides.maskID { config.specialTokens.maskID = mask }
        if let stops = overrides.stopIDs { config.specialTokens.explicitStopIDs = stops }
        try config.specialTokens.check(vocabularySize: config.vocabularySize, file: configURL.path)
        self.config = config
    }

    /// Opens (memory-maps) the weights and checks them strictly against the configuration.
    public func openCheckpoint() throws -> Checkpoint {
        let checkpoint = try Checkpoint(directory: directory)
        try checkpoint.validate(expected: WeightNames(config: config).expectedShapes())
        return checkpoint
    }

    static func read(_ url: URL) throws -> Data {
        do {
            return try Data(contentsOf: url)
        } catch {
            throw ModelFilesError.unreadable(path: url.path, reason: error.localizedDescription)
        }
    }
}

extension SpecialTokens {
    mutating func apply(_ generation: GenerationRawConfig) {
        if let mask = generation.maskTokenID { maskID = mask }
        if let bos = generation.bosTokenID { bosID = bos }
        if let pad = generation.padTokenID { padID = pad }
        if let eos = generation.eosTokenID?.values, !eos.isEmpty {
            var seen = Set<Int>()
            eosIDs = (eos + eosIDs).filter { seen.insert($0).inserted }
        }
    }

    /// Conventional token names per family (models.md §2.4, §3.4, §5).
    static func conventionalNames(_ family: ModelConfig.Family) -> (mask: [String], endOfTurn: [String]) {
        switch family {
        case .llada: (["<|mdm_mask|>"], ["<|eot_id|>"])
        case .dream: (["<|mask|>", "<M>"], ["<|im_end|>"])
        }
    }

    mutating func fillFromTokenizer(family: ModelConfig.Family, tokenID: (String) -> Int?) {
        let names = Self.conventionalNames(family)
        if maskID == nil { maskID = names.mask.lazy.compactMap(tokenID).first }
        if endOfTurnID == nil { endOfTurnID = names.endOfTurn.lazy.compactMap(tokenID).first }
    }

    func check(vocabularySize: Int, file: String) throws {
        let named: [(String, Int?)] = [("mask_token_id", maskID), ("bos_token_id", bosID), ("pad_token_id", padID), ("end of turn", endOfTurnID)]
            + eosIDs.map { ("eos_token_id", $0) } + (explicitStopIDs ?? []).map { ("stop id", $0) }
        for (field, value) in named {
            if let value, value < 0 || value >= vocabularySize {
                throw ModelFilesError.invalidConfig(file: file, field: field, reason: "id \(value) is outside the vocabulary (0..<\(vocabularySize))")
            }
        }
    }
}
