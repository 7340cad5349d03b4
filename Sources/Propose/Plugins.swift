import Foundation
import PythonSource

/// Drafts function bodies.  The generation side (model + decoder) implements this.
public protocol CandidateSource: Sendable {
    /// The body for attempt `attempt` (0-based), or nil when the source has nothing more.
    /// `previous` holds the verdicts of earlier attempts, for sources that adapt (e.g. reseed).
    /// The body may be indented any way and may restate the `def` line; see
    /// `PythonFunction.replacingBody(with:)`.
    func candidate(for prompt: FunctionPrompt, attempt: Int, previous: [Verification]) async throws -> String?
}

/// Decides whether a rewritten file passes.  The sandbox side implements this.
public protocol CandidateVerifier: Sendable {
    func verify(_ submission: Submission) async throws -> Verification
}

/// One candidate, as the verifier sees it: the repository at HEAD with one file replaced.
public struct Submission: Sendable {
    /// The repository's working directory (nil for a bare repository); read-only to verifiers.
    public var repositoryRoot: String?
    /// The `.git` directory, for verifiers that export HEAD's tree (see `HeadSnapshot`).
    public var gitDirectory: String
    /// The commit the candidate builds on.
    public var head: String
    /// The rewritten file's path inside the repository ('/'-separated).
    public var path: String
    /// The whole new file.
    public var content: [UInt8]
    /// `name` or `Class.method`.
    public var function: String
    /// The function's docstring examples (empty when it has none).
    public var doctestExamples: [DoctestExample]
    public var attempt: Int
}

/// One test's outcome.
public struct TestOutcome: Sendable, Codable, Equatable {
    public var name: String
    /// `pass`, `fail`, `error`, `timeout`, ... (the verifier's vocabulary; `pass` means passed).
    public var status: String
    public var message: String

    public init(name: String, status: String, message: String = "") {
        self.name = name
        self.status = status
        self.message = message
    }

    public var passed: Bool { status == "pass" }
}

/// A verifier's verdict on one candidate.
public struct Verification: Sendable, Codable, Equatable {
    public var passed: Bool
    /// Why it failed (or a one-line summary when it passed).
    public var message: String
    public var tests: [TestOutcome]

    public init(passed: Bool, message: String, tests: [TestOutcome] = []) {
        self.passed = passed
        self.message = message
        self.tests = tests
    }

    public var passedTests: Int { tests.filter(\.passed).count }
}

/// A fixed list of candidates, in order (for `--candidates FILE` and tests).
public struct ListedCandidates: CandidateSource {
    public var bodies: [String]

    public init(bodies: [String]) { self.bodies = bodies }

    /// Splits a file of bodies separated by lines that read `### candidate`.
    public init(fileText: String) {
        var bodies: [String] = []
        var current: [Substring] = []
        var started = false
        // "\r\n" is one Character in Swift, so it is a separator of its own.
        for line in fileText.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            if line.trimmingCharacters(in: .whitespaces) == "### candidate" {
                if started || !current.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                    bodies.append(current.joined(separator: "\n"))
                }
                current = []
                started = true
            } else {
                current.append(line)
            }
        }
        if !current.allSatisfy({ $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) {
            bodies.append(current.joined(separator: "\n"))
        }
        self.bodies = bodies
    }

    public func candidate(for prompt: FunctionPrompt, attempt: Int, previous: [Verification]) async throws -> String? {
        attempt < bodies.count ? bodies[attempt] : nil
    }
}
