import ArgumentParser
import Decoding
import Foundation
import ModelFiles
import Tokenization

/// Special-id overrides shared by every command that opens a model.
struct SpecialTokenOptions: ParsableArguments {
    @Option(name: .customLong("mask-id"), parsing: .unconditional, help: "Override the mask token id from the model files.")
    var maskID: Int?

    @Option(name: .customLong("stop-ids"), parsing: .unconditional,
            help: ArgumentHelp("Override the stop ids (comma-separated) that end an answer.", valueName: "ids"),
            transform: parseIDList)
    var stopIDs: [Int]?

    func validate() throws {
        try OptionRange.check("--mask-id", maskID, in: OptionRange.tokenID)
    }

    var overrides: SpecialTokenOverrides { SpecialTokenOverrides(maskID: maskID, stopIDs: stopIDs) }
}

/// "1,2, 3" → [1, 2, 3]; anything else is a usage error naming the bad item.
func parseIDList(_ text: String) throws -> [Int] {
    try parseIndexList(text, noun: "a token id")
}

/// `--positions`: the same list, named as positions in its error.
func parsePositionList(_ text: String) throws -> [Int] {
    try parseIndexList(text, noun: "a position")
}

private func parseIndexList(_ text: String, noun: String) throws -> [Int] {
    try text.split(separator: ",").map { item in
        let trimmed = item.trimmingCharacters(in: .whitespaces)
        guard let value = Int(trimmed), OptionRange.tokenID.contains(value) else {
            throw ValidationError("'\(trimmed)' is not \(noun) (an integer in \(OptionRange.tokenID.lowerBound)...\(OptionRange.tokenID.upperBound))")
        }
        return value
    }
}

/// A model folder opened for a command: configuration, tokenizer (when the folder has one)
/// and, on request, the memory-mapped and validated weights.
struct LoadedModelFiles {
    let folder: ModelFolder

    /// `--canvas` when given, else the folder's `generation_config.json` `canvas_length` (a key
    /// this project writes for its models), else 256. A `canvas_length` that is there but not a
    /// token count in range is an error naming the file, not a silent 256.
    func canvasLength(_ given: Int?) throws -> Int {
        if let given { return given }
        guard let value = generationSetting("canvas_length") else { return 256 }
        guard let count = value as? Int, OptionRange.tokens.contains(count) else {
            throw ValidationError("\(generationConfigPath): canvas_length must be an integer in \(OptionRange.tokens.lowerBound)..."
                + "\(OptionRange.tokens.upperBound) (got \(value)); fix it or pass --canvas")
        }
        return count
    }
    /// False when the folder's `generation_config.json` says `"prompt_examples": false`: the model
    /// was trained on docstrings without `>>>` examples, so generate and propose take them out of
    /// the model's input (the verifier still runs them). True when absent.
    func showsPromptExamples() throws -> Bool {
        guard let value = generationSetting("prompt_examples") else { return true }
        guard let flag = value as? Bool else {
            throw ValidationError("\(generationConfigPath): prompt_examples must be true or false (got \(value))")
        }
        return flag
    }

    /// Decoding options the model folder recommends per method: `generation_config.json`'s
    /// `method_options` ({method: options}, the `--method-options` format), tuned for that model
    /// (the embedded model's come from the sweep in its README). Empty when absent.
    func methodDefaults() throws -> [String: DecodingMethod] {
        guard let options = generationSetting("method_options") else { return [:] }
        guard let methods = options as? [String: Any] else {
            throw ValidationError("\(generationConfigPath): method_options must be a JSON object {method: options}")
        }
        return try Eval.methodOptions(methods, label: "\(generationConfigPath): method_options")
    }

    /// `generation_config.json` `cache_options`: {method: {"mode": "none|prefix|dual",
    /// "refresh_every": N}}, the KV-cache policy each method defaults to with this model.
    func cacheDefaults() throws -> [String: CachePolicy] {
        guard let options = generationSetting("cache_options") else { return [:] }
        let label = "\(generationConfigPath): cache_options"
        guard let methods = options as? [String: Any] else {
            throw ValidationError("\(label) must be a JSON object {method: {\"mode\": ..., \"refresh_every\": ...}}")
        }
        var policies: [String: CachePolicy] = [:]
        for (method, value) in methods {
            guard DecodingMethod.names.contains(method) else {
                throw ValidationError("\(label): unknown method \(method): expected vanilla, tolerator, remdm or rcr")
            }
            guard let fields = value as? [String: Any], JSONSerialization.isValidJSONObject(fields) else {
                throw ValidationError("\(label): \(method) must be an object {\"mode\": ..., \"refresh_every\": ...}")
            }
            let policy: CachePolicy
            do {
                policy = try JSONDecoder().decode(CachePolicy.self, from: JSONSerialization.data(withJSONObject: fields))
            } catch let error as DecodingError {
                throw ValidationError("\(label): \(method): \(Eval.describe(error))")
            }
            if let every = policy.refreshEvery, every < 1 {
                throw ValidationError("\(label): \(method): field refresh_every must be at least 1 (got \(every))")
            }
            policies[method] = policy
        }
        return policies
    }

    var generationConfigPath: String { folder.directory.appendingPathComponent("generation_config.json").path }

    /// A key of `generation_config.json` that this project's models carry (ModelFolder reads the
    /// special ids); nil when the file, or the key, is absent or the file is not a JSON object.
    func generationSetting(_ key: String) -> Any? {
        guard let data = FileManager.default.contents(atPath: generationConfigPath),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object[key]
    }

    let tokenizer: Tokenizer?
    /// Why the tokenizer is missing, for commands that can run without one.
    let tokenizerProblem: String?

    init(path: String, special: SpecialTokenOptions) throws {
        let directory = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("\(path): not a folder (expected a Hugging Face model folder with config.json)")
        }
        do {
            tokenizer = try Tokenizer.load(directory: directory)
            tokenizerProblem = nil
        } catch {
            tokenizer = nil
            tokenizerProblem = "\(error)"
        }
        let tokenizer = tokenizer
        folder = try ModelFolder(directory: directory, overrides: special.overrides,
                                 tokenID: { tokenizer?.id(forToken: $0) })
    }

    /// Decoding cannot start without a mask id; say which folder lacks it and how to give one.
    func requireMaskID() throws -> Int {
        guard let maskID = folder.config.specialTokens.maskID else {
            throw ValidationError("\(folder.directory.path): no mask token id in the model files; pass --mask-id")
        }
        return maskID
    }

    func requireTokenizer() throws -> Tokenizer {
        guard let tokenizer else { throw ValidationError(tokenizerProblem ?? "no tokenizer") }
        return tokenizer
    }

    /// The chat template family this folder uses, if `prompts/chat` has one for it.
    var chatTemplateFamily: String? { ChatTemplate.family(forModelDirectory: folder.directory) }
}
