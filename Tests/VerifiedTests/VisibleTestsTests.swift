@testable import Sandbox
import Testing
@testable import Verified

@Suite struct VisibleTestsTests {
    @Test func docstringExamplesOfTheCompletedFunction() {
        let prompt = """
            def count_evens(nums):
                \"\"\"Return how many values in nums are even.
                >>> count_evens([1, 2, 4])
                2
                >>> count_evens([])
                0
                \"\"\"

            """
        let tests = VisibleTests(docstringOf: prompt, asserts: ["assert count_evens([2]) == 1"])
        #expect(tests.count == 3)
        #expect(tests.descriptions == [">>> count_evens([1, 2, 4])  # expects 2", ">>> count_evens([])  # expects 0",
                                       "assert count_evens([2]) == 1"])
        guard case .mbpp(let code, let setup, let statements) = tests.program(code: prompt + "    return 0\n") else {
            Issue.record("not an assert-list program")
            return
        }
        #expect(code.hasSuffix("    return 0\n"))
        #expect(setup.contains("_tolerator_run_example"))
        #expect(statements.count == 3)
        #expect(statements[2] == "assert count_evens([2]) == 1")
    }

    @Test func aPromptWithoutExamplesOrThatDoesNotParseHasNone() {
        #expect(VisibleTests(docstringOf: "def f(x):\n    \"\"\"Double x.\"\"\"\n").isEmpty)
        #expect(VisibleTests(docstringOf: "write a function that doubles").isEmpty)
    }

    @Test func assertsOfATestsFile() {
        let file = "import math\n# a comment\nassert f(1) == 2\nassert f(\n    2) == 4\nprint('x')\n"
        #expect(VisibleTests.asserts(inFile: file) == ["assert f(1) == 2", "assert f(\n    2) == 4"])
    }
}

@Suite struct FailureLocationTests {
    // Completion lines: 0 "    x = [", 1 "    return x"; tokens: two on line 0, two on line 1.
    let draft = Draft(canvas: [10, 11, 12, 13, 0, 0], answerEnd: 4, completion: "    x = [\n    return x\n",
                      nfeUsed: 8, tokenLines: [0, 0, 1, 1])

    func result(_ verdict: Verdict, _ message: String) -> ExecutionResult {
        ExecutionResult(verdict: verdict, message: message, failingTest: nil, signal: nil, tests: [], wallSeconds: 0,
                        cpuSeconds: 0, stdout: .empty, stderr: .empty, leftoverProcesses: 0, leftoverFiles: 0,
                        leftoverFileNames: [], profile: "fake", isolation: .rlimitsOnly, rerun: false)
    }

    /// The program is 2 prompt lines + the completion: program line 3 is completion line 0.
    @Test func syntaxErrorLineAndTheOneBefore() {
        let at = FailureLocation.locate(draft, result(.syntaxError, "SyntaxError: '[' was never closed (<candidate>, line 3)"),
                                        promptLines: 2)
        #expect(at == FailureLocation(remask: [0, 1], wholeBody: false))
        let next = FailureLocation.locate(draft, result(.syntaxError, "SyntaxError: invalid syntax (<candidate>, line 4)"),
                                          promptLines: 2)
        // Line 4 is the answer's last line: its tokens, the line before, and the end of text.
        #expect(next == FailureLocation(remask: [0, 1, 2, 3, 4], wholeBody: false))
    }

    @Test func extractionCutRemasksTheRest() {
        var cut = draft
        cut.extractionCut = 3
        #expect(FailureLocation.locate(cut, result(.failed, "test 0: AssertionError"), promptLines: 2)
                == FailureLocation(remask: [3], wholeBody: false))
    }

    @Test func wrongValueRefinesTheWholeBody() {
        #expect(FailureLocation.locate(draft, result(.failed, "test 0 `assert f() == 1`: AssertionError"), promptLines: 2)
                == FailureLocation(remask: [], wholeBody: true))
        #expect(FailureLocation.syntaxErrorLine("invalid syntax (<candidate>, line 12)") == 12)
        #expect(FailureLocation.syntaxErrorLine("no number here") == nil)
    }
}
