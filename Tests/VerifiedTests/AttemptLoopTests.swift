import Foundation
@testable import Sandbox
import Testing
@testable import Verified

/// A drafter whose k-th fresh draft is `completions[k]`, each costing `cost` forwards.
final class ScriptedDrafter: Drafter, @unchecked Sendable {
    let completions: [String]
    let cost: Int
    private(set) var seeds: [UInt64] = []
    private(set) var repairs: [(remask: [Int], wholeBody: Bool)] = []
    let repaired: String

    init(_ completions: [String], cost: Int = 8, repaired: String = "    return 1\n") {
        self.completions = completions
        self.cost = cost
        self.repaired = repaired
    }

    func draft(seed: UInt64, nfe: Int) throws -> Draft {
        seeds.append(seed)
        let text = completions[min(seeds.count - 1, completions.count - 1)]
        return Draft(canvas: [0, 1, 2], answerEnd: 2, completion: text, nfeUsed: min(cost, nfe), tokenLines: [0, 0])
    }

    func repair(_ draft: Draft, remask: [Int], wholeBody: Bool, seed: UInt64, nfe: Int) throws -> Draft {
        repairs.append((remask, wholeBody))
        return Draft(canvas: draft.canvas, answerEnd: 2, completion: repaired, nfeUsed: min(cost, nfe), tokenLines: [0, 0])
    }
}

/// Judges a program by whether its code returns 1: the visible tests are `f() == 1` asserts.
func fakeResult(_ program: Program, calls: Recorder) -> ExecutionResult {
    guard case .mbpp(let code, _, let tests) = program else { fatalError("visible tests run as an assert list") }
    calls.append(code, tests)
    let good = code.contains("return 1")
    let records = tests.enumerated().map { i, source in
        TestRecord(index: i, kind: "test", status: good || i == 0 ? "pass" : "fail",
                   message: good || i == 0 ? "" : "AssertionError", source: source, wallSeconds: 0, cpuSeconds: 0)
    }
    return ExecutionResult(verdict: good ? .passed : .failed, message: good ? "" : "test 1: AssertionError",
                           failingTest: good ? nil : 1, signal: nil, tests: records, wallSeconds: 0, cpuSeconds: 0,
                           stdout: .empty, stderr: .empty, leftoverProcesses: 0, leftoverFiles: 0,
                           leftoverFileNames: [], profile: "fake", isolation: .rlimitsOnly, rerun: false)
}

final class Recorder: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var programs: [(code: String, tests: [String])] = []
    func append(_ code: String, _ tests: [String]) { lock.withLock { programs.append((code, tests)) } }
}

@Suite struct AttemptLoopTests {
    let tests = VisibleTests(asserts: ["assert f() is not None", "assert f() == 1"])

    func loop(_ policy: AttemptPolicy, _ recorder: Recorder) -> AttemptLoop {
        AttemptLoop(policy: policy, tests: tests, codePrefix: "def f():\n") { fakeResult($0, calls: recorder) }
    }

    @Test func stopsAtTheFirstPassAndCountsForwards() throws {
        let recorder = Recorder()
        let drafter = ScriptedDrafter(["    return 0\n", "    return 1\n", "    return 2\n", "    return 3\n"])
        let answer = try loop(AttemptPolicy(attempts: 4, nfePerAttempt: 8, seed: 10), recorder).run(drafter)
        #expect(answer.verified)
        #expect(answer.attempts.map(\.attempt) == [1, 2])
        #expect(answer.attempts.map(\.kind) == [.draft, .resample])
        #expect(answer.chosen == 1)
        #expect(answer.answer.completion == "    return 1\n")
        #expect(answer.answer.passed == 2 && answer.answer.total == 2)
        // Attempt 3 was drafted while attempt 2 ran in the sandbox, then discarded.
        #expect(drafter.seeds == [10, 11, 12])
        #expect(answer.nfeTotal == 16)
        #expect(answer.nfeDiscarded == 8)
        #expect(recorder.programs.count == 2)
    }

    @Test func noPassReturnsTheBestCandidateUnverified() throws {
        let recorder = Recorder()
        let drafter = ScriptedDrafter(["    return 0\n", "    return 2\n"])
        let answer = try loop(AttemptPolicy(attempts: 3, nfePerAttempt: 8), recorder).run(drafter)
        #expect(!answer.verified)
        #expect(answer.attempts.count == 3)
        #expect(answer.chosen == 0)  // all pass 1 of 2: the earliest
        // The failing test as the user wrote it, then why (not the program's internal numbering).
        #expect(answer.answer.message == "assert f() == 1: AssertionError")
        #expect(answer.nfeTotal == 24)
        #expect(answer.nfeDiscarded == 0)
    }

    /// --nfe-total caps the forwards across attempts; the last attempt gets what is left.
    @Test func totalBudgetLimitsAttempts() throws {
        let recorder = Recorder()
        let drafter = ScriptedDrafter(["    return 0\n"], cost: 8)
        let answer = try loop(AttemptPolicy(attempts: 4, nfePerAttempt: 8, nfeTotal: 20), recorder).run(drafter)
        #expect(answer.attempts.map(\.nfeUsed) == [8, 8, 4])
        #expect(answer.nfeTotal == 20)
    }

    @Test func repairStartsFromTheFailedCanvasWithTheLocation() throws {
        let recorder = Recorder()
        let drafter = ScriptedDrafter(["    return 0\n"], repaired: "    return 1\n")
        let answer = try loop(AttemptPolicy(attempts: 3, nfePerAttempt: 8, strategy: .repair), recorder).run(drafter)
        #expect(answer.attempts.map(\.kind) == [.draft, .repair])
        #expect(answer.verified)
        // A wrong value names no line: the whole body is refined.
        #expect(drafter.repairs.count == 1)
        #expect(drafter.repairs[0].remask.isEmpty && drafter.repairs[0].wholeBody)
        #expect(drafter.seeds == [0])
    }

    /// Selection sees only the visible tests, never anything else (the hidden test of a suite).
    @Test func onlyVisibleTestsReachTheSandbox() throws {
        let recorder = Recorder()
        let hidden = "assert f() == 1 and HIDDEN"
        _ = try loop(AttemptPolicy(attempts: 2, nfePerAttempt: 4), recorder).run(ScriptedDrafter(["    return 0\n"]))
        #expect(!recorder.programs.isEmpty)
        for program in recorder.programs {
            #expect(program.tests == tests.asserts)
            #expect(!program.tests.contains(hidden) && !program.code.contains("HIDDEN"))
        }
    }
}
