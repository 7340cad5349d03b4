import ArgumentParser
import Decoding
import Foundation
import Inference
import ModelFiles
import ModelInterface

/// `tolerator bench decode`: decoding work outside the forward pass, or (`--cache`) seconds and
/// FLOPs per answer for each KV-cache mode.
struct BenchDecode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Measure decoding: work outside the forward pass, or seconds and FLOPs per answer per --cache mode.",
        discussion: """
            Decodes a random prompt with a random in-memory model of a named shape (default \
            qwen2.5-0.5b: vocabulary 151,936), or with --model's weights, through the real forward \
            pass. Shapes: \(BenchmarkShapes.names.joined(separator: ", ")).

            Without --cache: forward seconds, other seconds and the share of step time spent \
            outside the forward pass, once per method (target: ≤ 10% at vocabulary 152k, canvas 256).

            With --cache (or --json): for each method and cache mode, the median seconds per \
            answer over --repeats decodes (modes interleaved, so ratios to none are same-run), \
            FLOPs per answer, rows computed, and the share of canvas tokens equal to none's answer. \
            LLaDA-family models decode in blocks of --block-length (default 32).

            Examples:
              tolerator bench decode --shape tiny-1024 --cache none,prefix,dual --prompt 256 --canvas 256 --nfe 64 --method vanilla --json
              tolerator bench decode --shape llada-8b-1layer --cache none,prefix,dual --method tolerator --prompt 256 --canvas 256 --nfe 64
              tolerator bench decode --model Sources/tolerator/Resources/minicode --cache none,dual --prompt 192 --canvas 64 --nfe 32
            """)

    @Option(help: "Model shape (random weights).")
    var shape = "qwen2.5-0.5b"

    @Option(help: "A Hugging Face model folder to decode with instead of a random shape.")
    var model: String?

    @Option(name: [.customLong("methods"), .customLong("method")], help: "Methods, comma-separated.")
    var methods = "vanilla,tolerator"

    @Option(help: ArgumentHelp("Cache modes to compare, comma-separated: none, prefix, dual.", valueName: "modes"))
    var cache: String?

    @Option(name: .customLong("cache-refresh"), parsing: .unconditional,
            help: "With --cache: recompute every row every N forwards (default: at block and stage starts).")
    var cacheRefresh: Int?

    @Option(parsing: .unconditional, help: "With --cache: block length B for LLaDA-style rules (default 32; the canvas when it is smaller).")
    var blockLength: Int?

    @Option(parsing: .unconditional, help: "With --cache: decodes per mode; the median is reported.")
    var repeats = 3

    @Flag(help: "With --cache: also decode once per mode comparing every step's rows with an exact forward (argmax agreement).")
    var check = false

    @OptionGroup var special: SpecialTokenOptions

    @Flag(help: "Print JSON (the cache comparison; none alone when --cache is not given).")
    var json = false

    @Option(parsing: .unconditional, help: "Prompt tokens.")
    var prompt = 32

    @Option(parsing: .unconditional, help: "Canvas length G.")
    var canvas = 256

    @Option(parsing: .unconditional, help: "Forward budget T per method.")
    var nfe = 8

    @Option(parsing: .unconditional, help: "Sampling temperature (vanilla; tolerator's fill-up uses its own default 0.5).")
    var temperature: Double = 0

    @Option(parsing: .unconditional, help: "Compute threads.")
    var threads = 2

    func validate() throws {
        try OptionRange.check("--prompt", prompt, in: OptionRange.tokens)
        try OptionRange.check("--canvas", canvas, in: OptionRange.tokens)
        try OptionRange.check("--nfe", nfe, in: OptionRange.nfe)
        try OptionRange.check("--temperature", temperature, in: OptionRange.temperature)
        try OptionRange.check("--threads", threads, in: OptionRange.threads)
        try OptionRange.check("--repeats", repeats, in: OptionRange.repetitions)
        try OptionRange.check("--block-length", blockLength, in: OptionRange.tokens)
        try OptionRange.check("--cache-refresh", cacheRefresh, in: OptionRange.nfe)
        _ = try cacheModes()
    }

    /// `--cache` as modes; a bad or repeated name is a usage error naming it.
    func cacheModes() throws -> [CacheMode] {
        guard let cache else { return json ? [.none] : [] }
        let modes = try cache.split(separator: ",").map { item -> CacheMode in
            let name = item.trimmingCharacters(in: .whitespaces)
            guard let mode = CacheMode(rawValue: name) else {
                throw ValidationError("--cache: '\(name)' is not a cache mode (none, prefix or dual)")
            }
            return mode
        }
        guard !modes.isEmpty, Set(modes).count == modes.count else {
            throw ValidationError("--cache must list distinct modes (got '\(cache)')")
        }
        return modes
    }

    func run() throws {
        let (model, config, label) = try openModel()
        let family: VanillaFamily = config.family == .llada ? .llada : .dream
        // Random shapes: ids far from the top of the vocabulary, where the mask and stop ids
        // live. Model folders: their own ids, kept out of the prompt.
        var maskID = config.vocabularySize - 1
        var stopIDs = [config.vocabularySize - 2]
        if let path = self.model {
            guard let id = config.specialTokens.maskID else {
                throw ValidationError("\(path): no mask token id in the model files")
            }
            (maskID, stopIDs) = (id, config.specialTokens.stopIDs)
        }
        let special = Set(stopIDs + [maskID])
        let promptIDs = (0..<prompt).map { i in
            var id = (i * 7919) % (config.vocabularySize - 16)
            while special.contains(id) { id += 1 }
            return id
        }
        let request = DecodingRequest(prompt: promptIDs, canvasLength: canvas, nfe: nfe, seed: 0,
                                      maskId: maskID, stopIds: stopIDs)
        let modes = try cacheModes()
        guard !modes.isEmpty else {
            return try overheadTable(model: model, config: config, family: family, request: request)
        }
        let block = family == .llada ? min(blockLength ?? 32, canvas) : nil
        let chosen = try methodList(family: family).map { name, method in (name, withBlocks(method, block)) }
        let benchmark = CacheBenchmark(
            model: model, request: request, methods: chosen,
            policies: modes.map { CachePolicy(mode: $0, refreshEvery: $0 == .none ? nil : cacheRefresh) },
            repeats: repeats, check: check)
        let report = try benchmark.run(label: label, threads: threads, blockLength: block)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            CacheBenchmark.printTable(report)
        }
    }

    private func openModel() throws -> (TransformerModel, ModelConfig, String) {
        if let path = model {
            let loaded = try LoadedModelFiles(path: path, special: special)
            return (try TransformerModel(folder: loaded.folder, threads: threads), loaded.folder.config, path)
        }
        return (try TransformerModel.random(shape: shape, threads: threads), try BenchmarkShapes.config(named: shape), shape)
    }

    private func methodList(family: VanillaFamily) throws -> [(String, DecodingMethod)] {
        try methods.split(separator: ",").map(String.init).map { name in
            guard var method = DecodingMethod.defaults(name, family: family) else {
                throw ValidationError("unknown method '\(name)'")
            }
            if case .vanilla(var options) = method {
                options.temperature = temperature
                method = .vanilla(options)
            }
            return (name, method)
        }
    }

    /// LLaDA-style rules decode semi-autoregressively in blocks of `block` (Fast-dLLM: 32).
    private func withBlocks(_ method: DecodingMethod, _ block: Int?) -> DecodingMethod {
        guard let block else { return method }
        switch method {
        case .vanilla(var o): o.blockLength = block; return .vanilla(o)
        case .rcr(var o): o.blockLength = block; return .rcr(o)
        case .tolerator(var o): o.fillUp.blockLength = block; return .tolerator(o)
        case .remdm: return method
        }
    }

    private func overheadTable(model: TransformerModel, config: ModelConfig, family: VanillaFamily,
                               request: DecodingRequest) throws {
        print("shape \(shape): vocab \(config.vocabularySize), prompt \(prompt), canvas \(canvas), NFE \(nfe), threads \(threads)")
        print("method      forwards  forward s  other s  other share  other ms/step")
        var worst = 0.0
        for (name, method) in try methodList(family: family) {
            let result = try DiffusionDecoder(method: method).decode(model, request)
            let trace = result.trace
            let steps = max(1, trace.nfeUsed)
            worst = max(worst, trace.decodingOverhead)
            print(String(format: "%-10@  %8d  %9.2f  %7.3f  %10.1f%%  %13.1f", name as NSString, trace.nfeUsed,
                         trace.forwardSeconds, trace.otherSeconds, trace.decodingOverhead * 100,
                         trace.otherSeconds / Double(steps) * 1000))
        }
        print(String(format: "largest share outside the forward pass: %.1f%% (target ≤ 10%%)", worst * 100))
    }
}
