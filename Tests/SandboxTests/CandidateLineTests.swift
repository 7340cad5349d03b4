import Foundation
import Testing
@testable import Sandbox

/// The line an exception's traceback names in the candidate's own code: what a repair re-masks.
@Suite("Candidate traceback line")
struct CandidateLineTests {
    @Test func anExceptionInATestNamesTheCandidatesLine() throws {
        let runner = try #require(Shared.runner)
        let code = "def f(x):\n    y = x + 1\n    return helper(y)\n\ndef helper(v):\n    return v / 0\n"
        let result = runner.run(.mbpp(code: code, setup: "", tests: ["assert f(1) == 1"]))
        #expect(result.verdict == .failed)
        #expect(result.message.contains("ZeroDivisionError"))
        // The innermost frame of the candidate's code, not the test's line or the caller's.
        #expect(result.candidateLine == 6)
        #expect(result.tests.first?.candidateLine == 6)
    }

    @Test func anExceptionWhileLoadingNamesItsLine() throws {
        let runner = try #require(Shared.runner)
        let result = runner.run(.mbpp(code: "x = 1\ny = [][x]\n", setup: "", tests: ["assert x == 1"]))
        #expect(result.verdict == .error)
        #expect(result.candidateLine == 2)
    }

    @Test func aWrongValueNamesNoLine() throws {
        let runner = try #require(Shared.runner)
        let result = runner.run(.mbpp(code: "def f(x):\n    return x\n", setup: "", tests: ["assert f(1) == 2"]))
        #expect(result.verdict == .failed)
        #expect(result.candidateLine == nil)
        // An exception raised by the test itself (not in the candidate's code) names none either.
        let own = runner.run(.mbpp(code: "def f(x):\n    return x\n", setup: "", tests: ["assert f(1) == 1 / 0"]))
        #expect(own.verdict == .failed)
        #expect(own.candidateLine == nil)
    }

    @Test func theJudgeIgnoresALineThatIsNotAPositiveInteger() {
        #expect(Judge.line(7) == 7)
        #expect(Judge.line(0) == nil)
        #expect(Judge.line(-3) == nil)
        #expect(Judge.line("7") == nil)
        #expect(Judge.line(nil) == nil)
    }
}
