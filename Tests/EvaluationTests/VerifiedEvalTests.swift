import Foundation
import Testing
@testable import Evaluation
@testable import Sandbox
import Suites
import Verified

/// Writes a wrong body on the sample's own seed (attempt 1, as plain generation would) and the
/// canonical body on any other seed, so resampling finds the right answer at attempt 2.
final class AttemptingGenerator: Generator, @unchecked Sendable {
    let tasks: [String: SuiteTask]
    let identity = "attempting/1"
    let canvasLength = 8

    init(tasks: [SuiteTask]) { self.tasks = Dictionary(uniqueKeysWithValues: tasks.map { ($0.taskID, $0) }) }

    func parameters(method: String) throws -> String { "{}" }

    func generate(_ request: GenerationRequest) throws -> GenerationOutput {
        GenerationOutput(text: "    return None\n", nfeUsed: request.nfe)
    }

    struct SeedDrafter: Drafter {
        let firstSeed: UInt64
        let canonical: String
        let extract: @Sendable (String) -> (completion: String, cutAt: String.Index?)
        func draft(seed: UInt64, nfe: Int) throws -> Draft {
            let text = seed == firstSeed ? "    return None\n" : canonical
            return Draft(canvas: [1], answerEnd: 1, completion: extract(text).completion, nfeUsed: nfe, tokenLines: [0], text: text)
        }
        func repair(_ draft: Draft, remask: [Int], wholeBody: Bool, seed: UInt64, nfe: Int) throws -> Draft {
            try self.draft(seed: seed, nfe: nfe)
        }
    }

    func drafter(for request: GenerationRequest,
                 extract: @escaping @Sendable (String) -> (completion: String, cutAt: String.Index?)) -> (any Drafter)? {
        SeedDrafter(firstSeed: request.seed, canonical: tasks[request.taskID]!.canonicalSolution, extract: extract)
    }
}

/// Visible programs (assert lists) pass when the code holds the canonical body; hidden ones
/// (`check(candidate)`) likewise. Records what each kind of program carried.
final class SplitVerifier: Verifier, @unchecked Sendable {
    let identity = "split"
    let canonical: [String: String]
    private let lock = NSLock()
    private(set) var visiblePrograms: [(code: String, tests: [String])] = []
    private(set) var hiddenRuns = 0

    init(canonical: [String: String]) { self.canonical = canonical }

    func verify(_ program: Program) -> ExecutionResult {
        var passed = false
        var records: [TestRecord] = []
        switch program {
        case .mbpp(let code, _, let tests):
            lock.withLock { visiblePrograms.append((code, tests)) }
            passed = canonical.values.contains { code.contains($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            records = tests.enumerated().map { TestRecord(index: $0.offset, kind: "test", status: passed ? "pass" : "fail",
                                                          message: "", source: $0.element, wallSeconds: 0, cpuSeconds: 0) }
        case .humanEval(_, let completion, _, let entry):
            lock.withLock { hiddenRuns += 1 }
            passed = canonical[entry].map { completion.contains($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? false
        default: break
        }
        return ExecutionResult(
            verdict: passed ? .passed : .failed, message: passed ? "" : "test 0: AssertionError", failingTest: passed ? nil : 0,
            signal: nil, tests: records, wallSeconds: 0, cpuSeconds: 0, stdout: .empty, stderr: .empty, leftoverProcesses: 0,
            leftoverFiles: 0, leftoverFileNames: [], profile: "fake", isolation: .rlimitsOnly, rerun: false)
    }
}

@Suite struct VerifiedEvalTests {
    @Test func verifiedPassAt1UsesVisibleTestsToChooseAndHiddenTestsToJudge() throws {
        var suite = try tinySuite()
        suite.tasks = Array(suite.tasks.prefix(3))
        for i in suite.tasks.indices { suite.tasks[i].visibleTests = ["assert VISIBLE_\(i)"] }
        let plan = EvalPlan(tasks: suite.tasks, methods: ["vanilla"], nfe: [4, 8], samples: 1, seed: 3,
                            templates: try completionTemplates(), attempts: AttemptSettings(attempts: 3, strategy: .resample))
        let generator = AttemptingGenerator(tasks: suite.tasks)
        let verifier = SplitVerifier(canonical: Dictionary(uniqueKeysWithValues: suite.tasks.map { ($0.entryPoint, $0.canonicalSolution) }))
        let folder = TemporaryFolder()
        let configuration = try plan.configuration(suite: suite, generator: generator, verifier: verifier)
        #expect(configuration.attempts == AttemptSettings(attempts: 3, strategy: .resample))
        let outcome = try EvalRunner(plan: plan, generator: generator, verifier: verifier, folder: RunFolder(folder.url),
                                     configuration: configuration, workers: 2).run()
        #expect(outcome.rows.count == 6)
        for row in outcome.rows {
            let v = try #require(row.verification)
            #expect(!row.passed)  // attempt 1 (plain pass@1) was wrong
            #expect(row.rawOutput == "    return None\n")
            #expect(v.attempts.count == 2 && v.chosen == 1 && v.verified && v.chosenPassed)
            #expect(v.nfeTotal == 2 * row.nfe)
            #expect(v.nfeDiscarded == row.nfe)  // attempt 3 decoded while attempt 2 was verified
        }
        // Two hidden runs per sample: attempt 1 (plain) and the chosen attempt 2; nothing else.
        #expect(verifier.hiddenRuns == 12)
        // Selection saw the docstring's examples and the visible asserts only: never the hidden check.
        #expect(verifier.visiblePrograms.count == 12)
        for program in verifier.visiblePrograms {
            let task = try #require(suite.tasks.first { program.code.hasPrefix($0.prompt) })
            #expect(program.tests.count == task.visible.count)
            #expect(program.tests.last?.hasPrefix("assert VISIBLE_") == true)
            #expect(!program.code.contains("def check(") && !program.tests.contains { $0.contains("candidate(") })
        }
        let report = EvalReport(configuration: configuration, rows: outcome.rows)
        let cell = try #require(report.cell(method: "vanilla", nfe: 8))
        #expect(cell.passAtK["1"] == 0)
        #expect(cell.verifiedPassAt1 == 1)
        #expect(cell.meanVerifiedNFE == 16)
        #expect(cell.verifiedSamples == 3)
        #expect(ReportWriter.markdown(report).contains("| vanilla | 0.0 → 100.0 (8) | 0.0 → 100.0 (16) |"))

        // A resumed run with other attempt settings is refused, not mixed.
        let other = configuration.with(attempts: AttemptSettings(attempts: 2, strategy: .repair))
        #expect(other.differences(from: configuration) == ["attempts: was 3 attempts, resample, now 2 attempts, repair"])
    }

    @Test func visibleTestsOfATaskNeverIncludeItsHiddenTests() throws {
        let task = try #require(try tinySuite().tasks.first)
        var withVisible = task
        withVisible.visibleTests = ["assert \(task.entryPoint) is not None"]
        #expect(withVisible.visible.asserts == withVisible.visibleTests)
        #expect(!withVisible.visible.asserts.contains { task.test.contains($0) })
    }
}
