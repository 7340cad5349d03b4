import Foundation
@testable import Sandbox
import Suites
@testable import Evaluation

/// A temporary folder removed at deinit.
final class TemporaryFolder {
    let url: URL
    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("eval-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    func write(_ name: String, _ text: String) -> String {
        let p = path(name)
        _ = FileManager.default.createFile(atPath: p, contents: Data(text.utf8))
        return p
    }
}

/// The source checkout (Tests/EvaluationTests/Support.swift → root).
let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Deterministic in the request's seed: `vanilla` answers the canonical body when the seed is
/// even and a wrong one otherwise; `tolerator` answers the canonical body in a chatty fence with a
/// fill-up draft that differs from it. Counts calls and can fail after a number of them.
final class ScriptedGenerator: Generator {
    let tasks: [String: SuiteTask]
    var calls = 0
    var failAfter: Int?
    let identity = "scripted/1"
    let canvasLength = 64

    struct Crash: Error {}

    init(tasks: [SuiteTask], failAfter: Int? = nil) {
        self.tasks = Dictionary(uniqueKeysWithValues: tasks.map { ($0.taskID, $0) })
        self.failAfter = failAfter
    }

    func parameters(method: String) throws -> String {
        guard ["vanilla", "tolerator"].contains(method) else { throw EvaluationError.unknownMethod(method) }
        return "{\"scripted\":\"\(method)\"}"
    }

    func generate(_ request: GenerationRequest) throws -> GenerationOutput {
        if let failAfter, calls >= failAfter { throw Crash() }
        calls += 1
        let canonical = tasks[request.taskID]!.canonicalSolution
        switch request.method {
        case "vanilla":
            let text = request.seed % 2 == 0 ? canonical : "    return None\n"
            return GenerationOutput(text: text, nfeUsed: request.nfe)
        default:
            let text = "Here you go:\n```python\n\(canonical)```\nDone."
            let draft = "Here you go:\n```python\n    pass\n```"
            return GenerationOutput(text: text, nfeUsed: max(1, request.nfe - 1),
                                    trace: TraceSummary(fillUpDraft: draft, fillUpNFE: request.nfe / 2,
                                                        refinementNFE: request.nfe - request.nfe / 2, edits: 3))
        }
    }
}

/// Passes exactly the programs whose candidate text contains the task's canonical body: fast,
/// deterministic, and enough to test the runner's bookkeeping without a sandbox.
struct CanonicalVerifier: Verifier {
    let identity = "canonical-check"
    let canonical: [String: String]  // entry point → canonical body

    func verify(_ program: Program) -> ExecutionResult {
        var passed = false
        if case .humanEval(_, let completion, _, let entry) = program, let body = canonical[entry] {
            passed = completion.contains(body.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return ExecutionResult(
            verdict: passed ? .passed : .failed, message: passed ? "" : "test 0 `assert ...`: AssertionError",
            failingTest: passed ? nil : 0, signal: nil,
            tests: [TestRecord(index: 0, kind: "test", status: passed ? "pass" : "fail", message: passed ? "" : "AssertionError",
                               source: "assert candidate(...)", wallSeconds: 0.001, cpuSeconds: 0.001)],
            wallSeconds: 0.01, cpuSeconds: 0.01, stdout: .empty, stderr: .empty, leftoverProcesses: 0, leftoverFiles: 0,
            leftoverFileNames: [], profile: "fake", isolation: .rlimitsOnly, rerun: false)
    }
}

func tinySuite() throws -> LoadedSuite {
    try SuiteLoader.load(path: checkout.appendingPathComponent("Examples/suites/tiny-humaneval.jsonl").path)
}

func completionTemplates() throws -> [SuiteTask.Shape: PromptTemplate] {
    let prompts = checkout.appendingPathComponent("prompts")
    return [
        .humanEval: try PromptTemplate.load(shape: .humanEval, style: .completion, promptsDirectory: prompts),
        .mbpp: try PromptTemplate.load(shape: .mbpp, style: .completion, promptsDirectory: prompts),
    ]
}

import Tokenization

enum ChatTemplateFixture {
    static func qwen2(_ prompts: URL) throws -> ChatTemplate {
        try ChatTemplate.named("qwen2", promptsDirectory: prompts)
    }
}
