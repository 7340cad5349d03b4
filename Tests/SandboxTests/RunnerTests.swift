import Foundation
import Testing
@testable import Sandbox

@Suite("Runner basics")
struct RunnerTests {
    @Test func correctProgramPasses() throws {
        let runner = try #require(Shared.runner)
        let result = runner.run(addTask("    return a + b\n"))
        #expect(result.verdict == .passed, "\(result.message)")
        #expect(result.tests.count == 3)
        #expect(result.tests.allSatisfy { $0.status == "pass" })
        #expect(result.isolation == .bubblewrap)
    }

    @Test func wrongProgramFailsOnFirstFailingTest() throws {
        let runner = try #require(Shared.runner)
        let result = runner.run(addTask("    return a - b\n"))
        #expect(result.verdict == .failed)
        #expect(result.failingTest == 0)
        #expect(result.message.contains("assert candidate(1, 2) == 3"))
        #expect(result.tests.map(\.status) == ["fail", "fail", "fail"])
    }

    @Test func syntaxErrorIsItsOwnVerdict() throws {
        let runner = try #require(Shared.runner)
        let result = runner.run(addTask("    return a +\n"))
        #expect(result.verdict == .syntaxError)
        #expect(result.tests.allSatisfy { $0.status == "skipped" })
    }

    @Test func exceptionBeforeTestsIsError() throws {
        let runner = try #require(Shared.runner)
        let result = runner.run(addTask("    return a + b\nraise ValueError('boom')\n"))
        #expect(result.verdict == .error)
        #expect(result.message == "ValueError: boom")
    }

    @Test func mbppProgramsRunEachAssert() throws {
        let runner = try #require(Shared.runner)
        let program = Program.mbpp(
            code: "import math\ndef area(r):\n    return math.pi * r * r\n",
            setup: "",
            tests: ["assert math.isclose(area(1), 3.14159, rel_tol=1e-4)",
                    "assert area(0) == 0",
                    "assert area(2) == 5"])
        let result = runner.run(program)
        #expect(result.verdict == .failed)
        #expect(result.failingTest == 2)
        #expect(result.tests.map(\.status) == ["pass", "pass", "fail"])
    }
}
