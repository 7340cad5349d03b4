import Foundation
import Sandbox
import Suites
import Testing

/// The acceptance check on the project's own suite: canonical solutions all pass, empty
/// completions all fail, and the pool keeps results in order.
@Suite("Tiny HumanEval suite")
struct SuiteTests {
    static let suitePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Examples/suites/tiny-humaneval.jsonl").path

    func programs(_ completion: (HumanEvalTask) -> String) throws -> [Program] {
        try HumanEvalSuite.load(path: Self.suitePath).tasks.map {
            .humanEval(prompt: $0.prompt, completion: completion($0), test: $0.test, entryPoint: $0.entryPoint)
        }
    }

    @Test func suiteHasAtLeastTwentyTasks() throws {
        let suite = try HumanEvalSuite.load(path: Self.suitePath)
        #expect(suite.tasks.count >= 20)
        #expect(suite["TinyEval/0"]?.entryPoint == "sum_of_squares")
    }

    @Test func canonicalSolutionsScoreOneHundredPercent() throws {
        let runner = try #require(Shared.runner)
        let results = runner.runAll(try programs(\.canonicalSolution))
        #expect(results.filter(\.passed).count == results.count, "\(results.filter { !$0.passed }.map(\.message))")
    }

    @Test func emptyCompletionsScoreZero() throws {
        let runner = try #require(Shared.runner)
        let results = runner.runAll(try programs { _ in "" })
        #expect(results.allSatisfy { $0.verdict == .failed })
    }

    @Test func poolKeepsOrderAndRerunsTimeoutsOnce() throws {
        let runner = try #require(Shared.runner)
        let loop = addTask("    while True:\n        pass\n")
        let good = addTask("    return a + b\n")
        let bad = addTask("    return 0\n")
        let results = runner.runAll([good, loop, bad, good], workers: 2)
        #expect(results.map(\.verdict) == [.passed, .timeout, .failed, .passed])
        #expect(results.map(\.rerun) == [false, true, false, false])
        #expect(results.map(\.firstVerdict) == [nil, .timeout, nil, nil])
    }

    /// `workers` is honoured beyond the CPU count: 3 programs per CPU (at most 24) that each
    /// sleep 1 s, all at once, take about 1 s, not 3 (concurrentPerform ran one per CPU).
    @Test func workersBeyondTheCPUsRunAtOnce() throws {
        let runner = try #require(Shared.runner)
        let sleeper = Program.mbpp(code: "import time\ntime.sleep(1.0)\ndef one():\n    return 1\n", setup: "",
                                   tests: ["assert one() == 1"])
        let count = min(3 * ProcessInfo.processInfo.activeProcessorCount, 24)
        let start = Date()
        let results = runner.runAll(Array(repeating: sleeper, count: count), workers: count)
        #expect(results.map(\.verdict) == Array(repeating: .passed, count: count))
        #expect(Date().timeIntervalSince(start) < 2.4)
    }

    @Test func samplesNameTheLineAtFault() throws {
        let suite = try HumanEvalSuite.load(path: Self.suitePath)
        let path = NSTemporaryDirectory() + "tolerator-samples-\(UInt32.random(in: 1 ... .max)).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "{\"task_id\": \"TinyEval/0\", \"completion\": \"\"}\n\n{\"task_id\": \"Nope/1\", \"completion\": \"\"}\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: SuiteError.unknownTask(path: path, line: 3, taskID: "Nope/1")) {
            try Samples.load(path: path, suite: suite)
        }
        try "{\"task_id\": \"TinyEval/0\"}\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: SuiteError.badLine(path: path, line: 1, reason: "missing field \"completion\" (needs \"completion\" or evalplus's \"solution\")")) {
            try Samples.load(path: path, suite: suite)
        }
        #expect(Samples.resultsPath(forSamples: "a/s.jsonl") == "a/s.jsonl_results.jsonl")
    }
}

@Suite("rlimits-only profile", .serialized)
struct RlimitsOnlyTests {
    @Test func runsAndIsNamedWeaker() throws {
        let runner = try #require(Shared.rlimitsRunner)
        let result = runner.run(addTask("    return a + b\n"))
        #expect(result.verdict == .passed, "\(result.message)")
        #expect(result.isolation == .rlimitsOnly)
        #expect(result.profile == "rlimits-only")
    }

    @Test func hostNeverFollowsSymlinksWhenCleaningUp() throws {
        let runner = try #require(Shared.rlimitsRunner)
        let dir = NSTemporaryDirectory() + "tolerator-keep-\(UInt32.random(in: 1 ... .max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "keep".write(toFile: dir + "/file", atomically: true, encoding: .utf8)
        let result = runner.run(addTask("""
                import os
                if not os.path.lexists("dir-link"):
                    os.symlink(\(pyString(dir)), "dir-link")
                    os.symlink(\(pyString(dir + "/file")), "file-link")
                    os.mkdir("sub")
                    os.symlink(\(pyString(dir)), "sub/deeper-link")
                return a + b

            """))
        #expect(result.verdict == .passed)
        #expect(try String(contentsOfFile: dir + "/file", encoding: .utf8) == "keep")
        #expect(sandboxProcesses(uidBase: runner.profile.uidBase) == 0)
    }

    @Test func escapeesAreKilledByUid() throws {
        let runner = try #require(Shared.rlimitsRunner)
        guard geteuid() == 0 else { return }   // the per-uid sweep needs root
        let result = runner.run(addTask("""
                import os, time
                if os.fork() == 0:
                    os.setsid()
                    time.sleep(100)
                return a + b

            """))
        #expect(result.verdict == .passed)
        #expect(sandboxProcesses(uidBase: runner.profile.uidBase) == 0)
    }
}
