import Foundation
import Sandbox
import Suites
import Tokenization
import Verified

/// The grid to run: tasks × methods × NFE budgets × samples.
public struct EvalPlan: Sendable {
    public var tasks: [SuiteTask]
    public var methods: [String]
    public var nfe: [Int]
    public var samples: Int
    public var seed: UInt64
    /// The template for each suite shape present.
    public var templates: [SuiteTask.Shape: PromptTemplate]
    /// The model's chat template, for instruct-style prompts.
    public var chat: ChatTemplate?
    /// Verified generation: each sample is the attempt loop's answer (nil: plain generation).
    public var attempts: AttemptSettings?
    /// `--shard K/N`: only this shard's tasks are run (`tasks` still lists all of them).
    public var shard: Shard?

    public init(tasks: [SuiteTask], methods: [String], nfe: [Int], samples: Int, seed: UInt64,
                templates: [SuiteTask.Shape: PromptTemplate], chat: ChatTemplate? = nil, attempts: AttemptSettings? = nil,
                shard: Shard? = nil) {
        self.attempts = attempts
        self.shard = shard
        self.tasks = tasks
        self.methods = methods
        self.nfe = nfe
        self.samples = samples
        self.seed = seed
        self.templates = templates
        self.chat = chat
    }

    /// The tasks this run evaluates: all, or its shard's.
    public var runTasks: [SuiteTask] {
        guard let shard else { return tasks }
        return tasks.enumerated().filter { $0.offset % shard.count == shard.index }.map(\.element)
    }

    /// Every sample key in run order: sample-major, so pass@1 over all tasks is known first.
    public var keys: [SampleKey] {
        SampleKey.grid(taskIDs: runTasks.map(\.taskID), methods: methods, nfe: nfe, samples: samples)
    }

    /// The configuration run.json records for this plan.
    public func configuration(suite: LoadedSuite, generator: any Generator, verifier: any Verifier) throws -> RunConfiguration {
        var parameters: [String: String] = [:]
        for method in methods { parameters[method] = try generator.parameters(method: method) }
        var templateIDs: [String: String] = [:]
        for (shape, template) in templates where tasks.contains(where: { $0.shape == shape }) {
            templateIDs[shape.rawValue] = template.id
        }
        return RunConfiguration(
            suitePath: suite.path, suiteHash: suite.contentHash, taskIDs: tasks.map(\.taskID),
            model: generator.identity, methods: methods, methodParameters: parameters, nfe: nfe, samples: samples,
            seed: seed, canvasLength: generator.canvasLength, templates: templateIDs, sandbox: verifier.identity)
            .with(attempts: attempts).with(shard: shard)
    }
}

/// What a run ended with.
public struct EvalOutcome: Sendable {
    /// One row per plan key, in plan order (task, method, NFE, sample sorted as the plan lists them).
    public var rows: [ResultRow]
    /// Rows found in the journal from an earlier, interrupted run.
    public var resumedRows: Int
    /// Journal notes (torn line dropped, …) worth telling the user.
    public var notes: [String]
}

/// Runs a plan: generation one sample at a time per generator (several generators, e.g. copies
/// of a small model, generate on lanes of their own), verification of finished samples
/// concurrently in the sandbox pool, every verified row journaled at once.  A sample's output
/// depends only on its key and seed, never on its lane.
public final class EvalRunner {
    public let plan: EvalPlan
    public let generator: any Generator
    /// Extra generators, one more lane each (same model and options as `generator`).
    public let extraGenerators: [any Generator]
    public let verifier: any Verifier
    public let folder: RunFolder
    public let configuration: RunConfiguration
    /// Programs verified at once.
    public let workers: Int
    public let progress: ProgressReporter?
    /// The folder's lock when the caller took it already (to hold it past `run`, through the
    /// reports); otherwise `run` takes it.
    public var folderLock: RunFolderLock?

    public init(plan: EvalPlan, generator: any Generator, verifier: any Verifier, folder: RunFolder,
                configuration: RunConfiguration, workers: Int, progress: ProgressReporter? = nil,
                extraGenerators: [any Generator] = []) {
        self.plan = plan
        self.generator = generator
        self.extraGenerators = extraGenerators
        self.verifier = verifier
        self.folder = folder
        self.configuration = configuration
        self.workers = max(1, workers)
        self.progress = progress
    }

    public func run() throws -> EvalOutcome {
        let lock = try folderLock ?? folder.claim()
        defer { withExtendedLifetime(lock) {} }
        _ = try folder.prepare(configuration)
        let journal = try Journal(path: folder.journalPath)
        let keys = plan.keys
        let wanted = Set(keys)
        let inPlan = journal.recovered.filter { wanted.contains($0.key) }
        var notes = journal.notes
        if inPlan.count < journal.recovered.count {
            notes.append("journal: \(journal.recovered.count - inPlan.count) rows outside this plan ignored")
        }
        // sandbox_error rows are our failures, not the program's: verify those samples again.
        let retried = inPlan.filter { $0.result.verdict == .sandboxError }
        if !retried.isEmpty { notes.append("journal: \(retried.count) samples ended in sandbox_error earlier; redoing them") }
        let recovered = inPlan.filter { $0.result.verdict != .sandboxError }
        let done = Set(recovered.map(\.key))
        let pending = keys.filter { !done.contains($0) }
        let tasks = Dictionary(uniqueKeysWithValues: plan.tasks.map { ($0.taskID, $0) })
        var prompts: [String: RenderedPrompt] = [:]
        for task in plan.tasks {
            guard let template = plan.templates[task.shape] else {
                throw EvaluationError.invalidTemplate(file: "(none)", line: 0, reason: "no prompt template for \(task.shape.rawValue) tasks")
            }
            prompts[task.taskID] = try template.render(task, chat: plan.chat)
        }

        let collector = Collector()
        let generationErrors = Collector()
        let group = DispatchGroup()
        let queue = DispatchQueue(label: "tolerator.eval.verify", attributes: .concurrent)
        let slots = DispatchSemaphore(value: workers)
        progress?.start(total: keys.count, alreadyDone: recovered.count, passedSoFar: recovered.filter(\.passed).count)
        let generators = Lanes(generators: [generator] + extraGenerators)
        let lanes = generators.all.count
        let renderedPrompts = prompts
        let runSeed = plan.seed
        let verifier = self.verifier
        let progress = self.progress
        let attemptSettings = plan.attempts
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            for index in stride(from: lane, to: pending.count, by: lanes) {
                if collector.failure != nil || generationErrors.failure != nil { break }
                let key = pending[index]
                let task = tasks[key.taskID]!
                let prompt = renderedPrompts[key.taskID]!
                let seed = Fingerprint.sampleSeed(runSeed: runSeed, key: key)
                let started = Date()
                let request = GenerationRequest(
                    taskID: key.taskID, prompt: prompt, method: key.method, nfe: key.nfe, sample: key.sample, seed: seed)
                let extract: @Sendable (String) -> ExtractedCode = { text in
                    CodeExtractor.extract(raw: prompt.responsePrefix + text, style: prompt.style, prompt: task.codePrompt,
                                          entryPoint: task.entryPoint, stops: prompt.stops)
                }
                let output: GenerationOutput
                var attempted: VerifiedAnswer?
                do {
                    if let settings = attemptSettings, !task.visible.isEmpty,
                       let drafter = generators.all[lane].drafter(for: request, extract: { text in
                           let completion = extract(text).completion
                           let cut = text.hasPrefix(completion) && completion.count < text.count
                               ? text.index(text.startIndex, offsetBy: completion.count) : nil
                           return (completion, cut)
                       }) {
                        let loop = AttemptLoop(
                            policy: AttemptPolicy(attempts: settings.attempts, nfePerAttempt: key.nfe,
                                                  strategy: settings.strategy, seed: seed),
                            tests: task.visible, codePrefix: task.codePrompt) { verifier.verify($0) }
                        let answer = try loop.run(drafter)
                        attempted = answer
                        output = GenerationOutput(text: answer.attempts[0].text, nfeUsed: answer.attempts[0].nfeUsed)
                    } else {
                        output = try generators.all[lane].generate(request)
                    }
                } catch {
                    generationErrors.fail(EvaluationError.generationFailed(
                        taskID: key.taskID, method: key.method, nfe: key.nfe, sample: key.sample, reason: "\(error)"))
                    break
                }
                let generationSeconds = Date().timeIntervalSince(started)
                let extracted = extract(output.text)
                let program = task.program(completion: extracted.completion)
                let answer = attempted
                slots.wait()
                group.enter()
                queue.async {
                    defer {
                        slots.signal()
                        group.leave()
                    }
                    let result = verifier.verify(program)
                    var verification: RowVerification?
                    if let answer {
                        // The hidden tests judge the chosen answer (attempt 1's verdict is `result`).
                        let chosen = answer.chosen == 0 ? result
                            : verifier.verify(task.program(completion: answer.answer.completion))
                        verification = RowVerification(
                            attempts: answer.attempts, chosen: answer.chosen, verified: answer.verified,
                            nfeTotal: answer.nfeTotal, nfeDiscarded: answer.nfeDiscarded,
                            chosenPassed: chosen.passed, chosenVerdict: chosen.verdict)
                    }
                    let row = ResultRow(
                        taskID: key.taskID, method: key.method, nfe: key.nfe, sample: key.sample, seed: seed,
                        nfeUsed: output.nfeUsed, templateID: prompt.templateID, extraction: extracted.method,
                        rawOutput: output.text, completion: extracted.completion, code: extracted.code,
                        passed: result.passed, result: result, trace: output.trace,
                        generationSeconds: generationSeconds, verificationSeconds: result.wallSeconds,
                        verification: verification)
                    do {
                        try journal.append(row)
                        collector.add(row)
                        progress?.finished(row)
                    } catch {
                        collector.fail(error)
                    }
                }
            }
        }
        // In-flight verifications still land in the journal before an error is reported.
        group.wait()
        progress?.end()
        if let error = collector.failure { throw error }
        if let generationError = generationErrors.failure { throw generationError }

        var byKey: [SampleKey: ResultRow] = [:]
        for row in recovered + collector.rows { byKey[row.key] = row }
        return EvalOutcome(rows: keys.compactMap { byKey[$0] }, resumedRows: recovered.count, notes: notes)
    }
}

/// The generators, one per lane; each lane uses only its own, so none is shared between threads.
private final class Lanes: @unchecked Sendable {
    let all: [any Generator]
    init(generators: [any Generator]) { all = generators }
}

/// Rows and the first failure, gathered from verification threads.
private final class Collector: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [ResultRow] = []
    private var error: Error?

    func add(_ row: ResultRow) { lock.lock(); stored.append(row); lock.unlock() }
    func fail(_ e: Error) { lock.lock(); if error == nil { error = e }; lock.unlock() }
    var rows: [ResultRow] { lock.lock(); defer { lock.unlock() }; return stored }
    var failure: Error? { lock.lock(); defer { lock.unlock() }; return error }
}
