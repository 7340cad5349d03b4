import Foundation
@testable import Sandbox
import Testing
@testable import Verified

/// A repair after an exception re-masks the completion line the traceback named (syntax errors,
/// cuts and wrong values: `FailureLocationTests`).
@Suite struct TracebackLocationTests {
    /// Answer tokens 0-8 over three completion lines (0: 0-2, 1: 3-5, 2: 6-8), then stop ids.
    let draft = Draft(canvas: Array(100..<112), answerEnd: 9, completion: "    a\n    b\n    c\n", nfeUsed: 8,
                      tokenLines: [0, 0, 0, 1, 1, 1, 2, 2, 2])
    /// The code prompt before the completion has two lines (`def` and a docstring line).
    let promptLines = 2

    func result(_ verdict: Verdict, message: String = "", line: Int? = nil) -> ExecutionResult {
        ExecutionResult(verdict: verdict, message: message, failingTest: 0, signal: nil, tests: [], wallSeconds: 0,
                        cpuSeconds: 0, stdout: .empty, stderr: .empty, leftoverProcesses: 0, leftoverFiles: 0,
                        leftoverFileNames: [], profile: "fake", isolation: .rlimitsOnly, rerun: false,
                        candidateLine: line)
    }

    @Test func aTracebackLineRemasksThatLineOnly() {
        let location = FailureLocation.locate(
            draft, result(.failed, message: "test 0 `assert f() == 1`: ZeroDivisionError: division by zero", line: 4),
            promptLines: promptLines)
        #expect(location == FailureLocation(remask: [3, 4, 5], wholeBody: false))
    }

    @Test func aTracebackLineInThePromptNamesNoAnswerToken() {
        // Line 1 is the prompt's `def`: nothing of the answer to re-mask, so the whole body is refined.
        let location = FailureLocation.locate(draft, result(.error, message: "NameError", line: 1), promptLines: promptLines)
        #expect(location == FailureLocation(remask: [], wholeBody: true))
    }
}
