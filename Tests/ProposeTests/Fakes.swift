import Foundation
import PythonSource
@testable import Propose

/// Passes a candidate when the new file contains every `required` string; one test per string.
struct TextVerifier: CandidateVerifier {
    var required: [String]
    let log = SubmissionLog()

    func verify(_ submission: Submission) async throws -> Verification {
        await log.append(submission)
        let text = String(decoding: submission.content, as: UTF8.self)
        let tests = required.map { TestOutcome(name: "contains \($0)", status: text.contains($0) ? "pass" : "fail") }
        let passed = tests.allSatisfy(\.passed)
        return Verification(passed: passed, message: passed ? "all present" : "missing text", tests: tests)
    }
}

actor SubmissionLog {
    var submissions: [Submission] = []
    func append(_ submission: Submission) { submissions.append(submission) }
}
