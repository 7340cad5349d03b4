import Foundation
import Testing
@testable import Evaluation
@testable import Sandbox
import Suites

@Suite struct RunnerTests {
    struct Setup {
        let suite: LoadedSuite
        let plan: EvalPlan
        let verifier: any Verifier
    }

    func setup(taskCount: Int = 6, seed: UInt64 = 7, verifier: (any Verifier)? = nil) throws -> Setup {
        var suite = try tinySuite()
        suite.tasks = Array(suite.tasks.prefix(taskCount))
        let plan = EvalPlan(tasks: suite.tasks, methods: ["vanilla", "tolerator"], nfe: [4, 8], samples: 2, seed: seed,
                            templates: try completionTemplates())
        let canonical = Dictionary(uniqueKeysWithValues: suite.tasks.map { ($0.entryPoint, $0.canonicalSolution) })
        return Setup(suite: suite, plan: plan, verifier: verifier ?? CanonicalVerifier(canonical: canonical))
    }

    func runner(_ s: Setup, _ generator: ScriptedGenerator, _ folder: URL) throws -> EvalRunner {
        let configuration = try s.plan.configuration(suite: s.suite, generator: generator, verifier: s.verifier)
        return EvalRunner(plan: s.plan, generator: generator, verifier: s.verifier, folder: RunFolder(folder),
                          configuration: configuration, workers: 3)
    }

    /// The parts of a row that must not depend on interruptions (times may).
    func essence(_ rows: [ResultRow]) -> [String] {
        rows.map { "\($0.key)|\($0.seed)|\($0.passed)|\($0.nfeUsed)|\($0.extraction)|\($0.completion)|\($0.rawOutput)" }
    }

    @Test func severalGenerationLanesGiveTheSameRowsAsOne() throws {
        let s = try setup()
        let one = TemporaryFolder()
        let straight = try runner(s, ScriptedGenerator(tasks: s.plan.tasks), one.url).run()

        let three = TemporaryFolder()
        let lanes = [ScriptedGenerator(tasks: s.plan.tasks), ScriptedGenerator(tasks: s.plan.tasks),
                     ScriptedGenerator(tasks: s.plan.tasks)]
        let configuration = try s.plan.configuration(suite: s.suite, generator: lanes[0], verifier: s.verifier)
        let parallel = try EvalRunner(
            plan: s.plan, generator: lanes[0], verifier: s.verifier, folder: RunFolder(three.url),
            configuration: configuration, workers: 3, extraGenerators: [lanes[1], lanes[2]]
        ).run()
        #expect(lanes.map(\.calls) == [16, 16, 16])  // 48 samples dealt round-robin
        #expect(essence(parallel.rows) == essence(straight.rows))
    }

    @Test func killedRunResumesToTheSameRowsAndAggregates() throws {
        let s = try setup()
        let total = s.plan.keys.count
        #expect(total == 6 * 2 * 2 * 2)

        let a = TemporaryFolder()
        let straight = try runner(s, ScriptedGenerator(tasks: s.plan.tasks), a.url).run()
        #expect(straight.rows.count == total)

        // Crash after 13 generations, then simulate kill -9 mid-write: a torn last line.
        let b = TemporaryFolder()
        #expect(throws: EvaluationError.self) {
            try runner(s, ScriptedGenerator(tasks: s.plan.tasks, failAfter: 13), b.url).run()
        }
        let journal = RunFolder(b.url).journalPath
        let handle = try #require(FileHandle(forWritingAtPath: journal))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"task_id":"TinyEval/5","method":"tolera"#.utf8))
        handle.closeFile()

        let second = ScriptedGenerator(tasks: s.plan.tasks)
        let resumed = try runner(s, second, b.url).run()
        #expect(second.calls == total - 13)  // nothing redone
        #expect(resumed.resumedRows == 13)
        #expect(resumed.notes.contains { $0.contains("torn last line") })
        #expect(resumed.rows.count == total)
        #expect(Set(resumed.rows.map(\.key)).count == total)
        #expect(essence(resumed.rows) == essence(straight.rows))

        // The journal itself: exactly one decodable row per key, no torn bytes left.
        let lines = try String(contentsOfFile: journal, encoding: .utf8).split(separator: "\n")
        let keys = try lines.map { try JSONDecoder().decode(ResultRow.self, from: Data($0.utf8)).key }
        #expect(keys.count == total && Set(keys).count == total)

        let config = try s.plan.configuration(suite: s.suite, generator: second, verifier: s.verifier)
        let reportA = EvalReport(configuration: config, rows: straight.rows)
        let reportB = EvalReport(configuration: config, rows: resumed.rows)
        #expect(reportA.cells.map(\.passAtK) == reportB.cells.map(\.passAtK))
        #expect(reportA.perTask == reportB.perTask)
        // Running again into a finished folder does no work.
        let third = ScriptedGenerator(tasks: s.plan.tasks)
        #expect(try runner(s, third, b.url).run().rows.count == total)
        #expect(third.calls == 0)
    }

    @Test func changedConfigurationIsRefused() throws {
        let folder = TemporaryFolder()
        let s = try setup()
        _ = try runner(s, ScriptedGenerator(tasks: s.plan.tasks), folder.url).run()
        let other = try setup(seed: 8)
        do {
            _ = try runner(other, ScriptedGenerator(tasks: other.plan.tasks), folder.url).run()
            Issue.record("a run with another seed was mixed into the folder")
        } catch let EvaluationError.configurationChanged(_, differences) {
            #expect(differences == ["seed: was 7, now 8"])
        }
    }

    @Test func sampleSeedsDependOnEveryKeyField() {
        let base = SampleKey(taskID: "T/1", method: "vanilla", nfe: 8, sample: 0)
        var seeds: Set<UInt64> = [Fingerprint.sampleSeed(runSeed: 1, key: base)]
        seeds.insert(Fingerprint.sampleSeed(runSeed: 2, key: base))
        seeds.insert(Fingerprint.sampleSeed(runSeed: 1, key: SampleKey(taskID: "T/2", method: "vanilla", nfe: 8, sample: 0)))
        seeds.insert(Fingerprint.sampleSeed(runSeed: 1, key: SampleKey(taskID: "T/1", method: "rcr", nfe: 8, sample: 0)))
        seeds.insert(Fingerprint.sampleSeed(runSeed: 1, key: SampleKey(taskID: "T/1", method: "vanilla", nfe: 16, sample: 0)))
        seeds.insert(Fingerprint.sampleSeed(runSeed: 1, key: SampleKey(taskID: "T/1", method: "vanilla", nfe: 8, sample: 1)))
        #expect(seeds.count == 6)
        #expect(Fingerprint.sampleSeed(runSeed: 1, key: base) == Fingerprint.sampleSeed(runSeed: 1, key: base))
    }

    /// End to end in the real sandbox: reports exist, parse, and agree with results.jsonl.
    @Test func reportsAgreeWithResultsInTheSandbox() throws {
        guard let sandbox = sandboxRunner() else {
            print("skipped: no working sandbox profile on this machine")
            return
        }
        var s = try setup(taskCount: 24, verifier: sandbox)
        s = Setup(suite: s.suite, plan: EvalPlan(tasks: s.plan.tasks, methods: ["vanilla", "tolerator"], nfe: [8],
                                                 samples: 1, seed: 3, templates: s.plan.templates), verifier: sandbox)
        let folder = TemporaryFolder()
        let generator = ScriptedGenerator(tasks: s.plan.tasks)
        let run = try runner(s, generator, folder.url)
        let outcome = try run.run()
        let report = try ReportWriter.write(rows: outcome.rows, configuration: run.configuration, tasks: s.plan.tasks,
                                            folder: RunFolder(folder.url))
        for name in ["results.jsonl", "samples.jsonl", "report.json", "report.md", "report.html",
                     "samples-vanilla-nfe8.jsonl", "samples-tolerator-nfe8.jsonl", "run.json", "journal.jsonl"] {
            #expect(FileManager.default.fileExists(atPath: folder.path(name)), "\(name) missing")
        }
        let rows = try String(contentsOfFile: folder.path("results.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(ResultRow.self, from: Data($0.utf8)) }
        #expect(rows.count == 48)
        // tolerator's scripted answers are the canonical bodies wrapped in prose and a fence.
        let tolerator = rows.filter { $0.method == "tolerator" }
        #expect(tolerator.allSatisfy { $0.passed && $0.extraction == "fence+body" }, "\(tolerator.filter { !$0.passed }.map(\.result.message))")
        let vanilla = rows.filter { $0.method == "vanilla" }
        #expect(vanilla.allSatisfy { $0.passed == ($0.seed % 2 == 0) })

        let parsed = try JSONDecoder().decode(EvalReport.self, from: Data(contentsOf: URL(fileURLWithPath: folder.path("report.json"))))
        #expect(parsed == report)
        for cell in parsed.cells {
            let cellRows = rows.filter { $0.method == cell.method && $0.nfe == cell.nfe }
            #expect(cell.samples == cellRows.count)
            #expect(cell.passed == cellRows.filter(\.passed).count)
            #expect(abs(cell.passAtK["1"]! - Double(cell.passed) / Double(cell.samples)) < 1e-12)
        }
        let markdown = try String(contentsOfFile: folder.path("report.md"), encoding: .utf8)
        let vanillaRate = ReportWriter.percent(parsed.cell(method: "vanilla", nfe: 8)?.passAtK["1"])
        #expect(markdown.contains("| vanilla | \(vanillaRate) |"))
        #expect(markdown.contains("| tolerator | 100.0 |"))

        let html = try String(contentsOfFile: folder.path("report.html"), encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(!html.contains("http://") && !html.contains("https://"))
        for banned in ["<script", "<link", "<img", "@import", "url("] { #expect(!html.contains(banned)) }
        #expect(html.contains("<svg") && html.contains("<polyline") == false)  // one budget: points, no lines
        #expect(html.contains("<circle"))
        #expect(html.contains("id=\"task-TinyEval-0\""))
        #expect(html.contains("<span class=\"del\">-     pass</span>"))  // the draft's line, refined away
    }

    func sandboxRunner() -> SandboxRunner? {
        guard let directory = try? SandboxDirectory.locate() else { return nil }
        for name in ["default", "rlimits-only"] {
            if let profile = try? SandboxProfile.resolve(name, directory: directory),
               let runner = try? SandboxRunner(profile: profile, directory: directory) {
                return runner
            }
        }
        return nil
    }
}

@Suite struct TemplateTests {
    let prompts = checkout.appendingPathComponent("prompts")

    @Test func everyShippedTemplateLoadsWithItsID() throws {
        for shape in SuiteTask.Shape.allCases {
            for style in [CodeExtractor.Style.completion, .instruct] {
                let t = try PromptTemplate.load(shape: shape, style: style, promptsDirectory: prompts)
                #expect(t.id == "\(shape.rawValue)-\(style.rawValue)/1")
                #expect(t.shape == shape && t.style == style)
            }
        }
    }

    @Test func completionAndInstructRendering() throws {
        let task = SuiteTask(taskID: "M/1", shape: .mbpp, prompt: "Write f {tests}.", entryPoint: "f",
                             canonicalSolution: "", tests: ["assert f(1) == 2", "assert f(2) == 3"],
                             promptTests: ["assert f(1) == 2", "assert f(2) == 3"], source: "project")
        let completion = try PromptTemplate.load(shape: .mbpp, style: .completion, promptsDirectory: prompts)
        let rendered = try completion.render(task, chat: nil)
        // `{tests}` inside the task text is not expanded again.
        #expect(rendered.text == "You are an expert Python programmer, and here is your task: Write f {tests}. Your code should pass these tests:\n\nassert f(1) == 2\nassert f(2) == 3\n[BEGIN]\n")
        #expect(rendered.templateID == "mbpp-completion/1")

        let instruct = try PromptTemplate.load(shape: .mbpp, style: .instruct, promptsDirectory: prompts)
        #expect(throws: EvaluationError.chatTemplateRequired(templateID: "mbpp-instruct/1")) {
            try instruct.render(task, chat: nil)
        }
        let chat = try ChatTemplateFixture.qwen2(prompts)
        let turn = try instruct.render(task, chat: chat)
        #expect(turn.text.hasPrefix("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nYou are an expert"))
        #expect(turn.text.hasSuffix("<|im_end|>\n<|im_start|>assistant\n```python\n"))
        #expect(turn.responsePrefix == "```python\n")
    }

    @Test func malformedTemplatesNameFileAndLine() {
        #expect(throws: EvaluationError.invalidTemplate(file: "t", line: 2, reason: "expected `name = value`")) {
            try PromptTemplate(parsing: "format = \"tolerator-eval-prompt/1\"\nbody\n", file: "t")
        }
        #expect(throws: EvaluationError.invalidTemplate(file: "t", line: 0, reason: "missing setting shape")) {
            try PromptTemplate(parsing: "format = \"tolerator-eval-prompt/1\"\n", file: "t")
        }
    }
}

@Suite struct ReplayTests {
    @Test func replayAnswersByKeyAndRejectsDuplicates() throws {
        let folder = TemporaryFolder()
        let path = folder.write("r.jsonl", """
            {"task_id": "T/0", "method": "vanilla", "nfe": 8, "output": "    return 1\\n"}
            {"task_id": "T/0", "method": "vanilla", "nfe": 8, "sample": 1, "output": "x", "nfe_used": 5, "fill_up_draft": "y"}

            """)
        let replay = try ReplayGenerator(path: path)
        let prompt = RenderedPrompt(templateID: "t", style: .completion, text: "", responsePrefix: "", stops: [])
        let first = try replay.generate(GenerationRequest(taskID: "T/0", prompt: prompt, method: "vanilla", nfe: 8, sample: 0, seed: 1))
        #expect(first == GenerationOutput(text: "    return 1\n", nfeUsed: 8))
        let second = try replay.generate(GenerationRequest(taskID: "T/0", prompt: prompt, method: "vanilla", nfe: 8, sample: 1, seed: 1))
        #expect(second == GenerationOutput(text: "x", nfeUsed: 5, trace: TraceSummary(fillUpDraft: "y")))
        #expect(throws: EvaluationError.self) {
            try replay.generate(GenerationRequest(taskID: "T/0", prompt: prompt, method: "rcr", nfe: 8, sample: 0, seed: 1))
        }
        let dup = folder.write("d.jsonl", """
            {"task_id": "T/0", "method": "vanilla", "nfe": 8, "output": "a"}
            {"task_id": "T/0", "method": "vanilla", "nfe": 8, "sample": 0, "output": "b"}
            """)
        #expect(throws: EvaluationError.invalidInput(file: dup, line: 2, reason: "T/0 vanilla nfe=8 sample=0 appears twice")) {
            try ReplayGenerator(path: dup)
        }
    }
}

/// Reports `sandbox_error` while `broken`, then verifies like `CanonicalVerifier` (same identity).
final class FlakyVerifier: Verifier, @unchecked Sendable {
    let identity = "canonical-check"
    let inner: CanonicalVerifier
    private let lock = NSLock()
    private var isBroken = true
    var broken: Bool {
        get { lock.lock(); defer { lock.unlock() }; return isBroken }
        set { lock.lock(); isBroken = newValue; lock.unlock() }
    }

    init(_ inner: CanonicalVerifier) { self.inner = inner }

    func verify(_ program: Program) -> ExecutionResult {
        var result = inner.verify(program)
        if broken {
            result.verdict = .sandboxError
            result.message = "the sandbox did not start"
        }
        return result
    }
}

@Suite struct SandboxErrorRetryTests {
    @Test func sandboxErrorsAreRedoneOnResume() throws {
        let base = try RunnerTests().setup(taskCount: 2)
        let flaky = FlakyVerifier(base.verifier as! CanonicalVerifier)
        let s = RunnerTests.Setup(suite: base.suite, plan: base.plan, verifier: flaky)
        let total = s.plan.keys.count
        let folder = TemporaryFolder()
        let first = try RunnerTests().runner(s, ScriptedGenerator(tasks: s.plan.tasks), folder.url).run()
        #expect(first.rows.allSatisfy { $0.result.verdict == .sandboxError })
        flaky.broken = false
        let generator = ScriptedGenerator(tasks: s.plan.tasks)
        let second = try RunnerTests().runner(s, generator, folder.url).run()
        #expect(generator.calls == total)
        #expect(second.rows.count == total && second.rows.allSatisfy { $0.result.verdict != .sandboxError })
        #expect(second.notes.contains("journal: \(total) samples ended in sandbox_error earlier; redoing them"))
        let third = ScriptedGenerator(tasks: s.plan.tasks)
        let again = try RunnerTests().runner(s, third, folder.url).run()
        #expect(third.calls == 0)
        #expect(again.rows.map(\.passed) == second.rows.map(\.passed))
    }
}
