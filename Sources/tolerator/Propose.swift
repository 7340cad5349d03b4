import ArgumentParser
import BLASKernel
import Foundation
import Propose
import PythonSource
import Sandbox
import Suites
import Verified

struct ProposeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "propose",
        abstract: "Draft a stub function's body, verify it in the sandbox, and commit it on a new branch.",
        discussion: """
            Reads FILE as committed at HEAD (never the working tree), fills the body of FUNCTION \
            (a stub: `...`, `pass`, `raise NotImplementedError`, a docstring or TODO comments), \
            and commits the first candidate that passes as a child of HEAD on refs/heads/BRANCH. \
            Only git's object database and that branch are written: HEAD, the index and the \
            working tree are left exactly as they were, dirty or not. When no candidate passes, \
            nothing is committed and the best failure is reported (exit status 1).

            --patch-only writes the patch without creating a branch; its commit object stays \
            unreferenced in the object database until `git gc` prunes it.
            """)

    @Option(help: "A directory inside the repository.")
    var repo = "."

    @Option(help: "The Python file: relative to --repo, or an absolute path inside the repository.")
    var file: String

    @Option(help: "The function: `name`, or `Class.method`.")
    var function: String

    @Option(help: ArgumentHelp(
        "A test file or folder committed in the repository, run in the sandbox against each candidate "
            + "(unittest classes; test_* functions, with pytest when the sandbox's python has it; plain-assert scripts). "
            + "A folder contributes its test*.py and *_test.py files. Repeatable.",
        valueName: "path"))
    var tests: [String] = []

    @Flag(help: "Verify with the examples of the function's docstring.")
    var doctest = false

    @Option(parsing: .unconditional, help: "Candidates to try before giving up.")
    var attempts = 4

    @Option(help: "After a failure: resample (a new seed) or repair (re-mask the failed body and refine it).")
    var strategy: AttemptStrategy = .resample

    @Option(help: "Branch to create (default: tolerator/<function>).")
    var branch: String?

    @Option(help: "Commit message (default: names the function, file and verdict).")
    var message: String?

    @Option(help: "Author and committer as `Name <email>` (default: the repository's user.name/user.email).")
    var author: String?

    @Option(help: "Also write the commit as an email patch (`git am` applies it) to this file.")
    var patch: String?

    @Flag(help: "With --patch: write the patch only, create no branch.")
    var patchOnly = false

    @Flag(help: "Move BRANCH if it exists (never the checked-out branch).")
    var force = false

    @Flag(help: "Replace a function that already has a body.")
    var replace = false

    @Option(help: ArgumentHelp(
        "Candidate bodies from a file, separated by lines reading `### candidate`, instead of the model.",
        valueName: "file"))
    var candidates: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Option(help: "Model folder. Default: the embedded minicode model.")
    var model: String?

    @Option(parsing: .unconditional, help: "Compute threads for the model.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @OptionGroup var sandbox: SandboxOptions

    @OptionGroup(title: "Decoding") var decoding: DecodingFlags

    @OptionGroup var special: SpecialTokenOptions

    func validate() throws {
        try OptionRange.check("--attempts", attempts, in: OptionRange.attempts)
        try OptionRange.check("--threads", threads, in: OptionRange.threads)
        if patchOnly && patch == nil { throw ValidationError("--patch-only needs --patch FILE") }
        // Checked before the branch or the commit is made, so a bad path leaves nothing behind.
        if let patch { try OutputFile.check(patch, flag: "--patch", inputs: candidates.map { [("--candidates", $0)] } ?? []) }
        if tests.isEmpty && !doctest {
            throw ValidationError("give --tests PATH or --doctest: propose commits only verified code")
        }
        try sandbox.validateSandbox()
    }

    func run() async throws {
        var request = ProposeRequest(repository: repo, file: file, function: function)
        request.attempts = attempts
        request.branch = branch
        request.message = message
        request.force = force
        request.replaceExisting = replace
        request.createBranch = !patchOnly
        request.tests = tests
        if let author { request.author = try Identity(parsing: author) }
        let proposer = Proposer(request: request)
        let prepared = try proposer.prepare()
        if prepared.authorIsFallback && request.createBranch {
            FileHandle.standardError.write(Data(("note: no user.name / user.email in \(repo)'s git config and no --author: "
                + "the commit's author will be \(Identity.fallback)\n").utf8))
        }

        let verifier = try makeVerifier(prepared)
        let source = try makeSource()
        var outcome = try await proposer.run(
            prepared: prepared, source: source, verifier: verifier, writePatch: patch != nil)
        if let patch, let text = outcome.patch {
            try Data(text.utf8).write(to: URL(fileURLWithPath: patch))
            outcome.patchFile = patch
        }
        outcome.patch = nil
        print(json ? Self.json(outcome) : Self.text(outcome))
        if outcome.verdict == .failed { throw ExitCode.failure }
    }

    /// Generation plugs in here: the model's `CandidateSource` when no --candidates file is given.
    func makeSource() throws -> any CandidateSource {
        guard let candidates else {
            return try ModelCandidateSource(modelPath: model, special: special, decoding: decoding, threads: threads,
                                            strategy: strategy)
        }
        guard let data = FileManager.default.contents(atPath: candidates) else {
            throw ValidationError("--candidates \(candidates): \(FileProblem.reason(reading: candidates))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("--candidates \(candidates): not UTF-8 text")
        }
        let listed = ListedCandidates(fileText: text)
        if listed.bodies.isEmpty { throw ValidationError("\(candidates) holds no candidate bodies") }
        return listed
    }

    /// --tests and --doctest together: a candidate must pass both.
    func makeVerifier(_ prepared: PreparedProposal) throws -> any CandidateVerifier {
        let runner = try sandbox.makeRunner()
        var verifiers: [any CandidateVerifier] = []
        if !prepared.testPaths.isEmpty {
            // Repository suites import modules and start unittest/pytest: more than one function's budget.
            verifiers.append(
                SandboxRepositoryTestVerifier(
                    runner: runner, timeout: sandbox.timeout ?? 30, tests: prepared.testPaths))
        }
        if doctest {
            guard !prepared.doctestExamples.isEmpty else {
                throw ValidationError("`\(function)` has no `>>>` examples in its docstring to verify with --doctest")
            }
            verifiers.append(SandboxDoctestVerifier(runner: runner, timeout: sandbox.timeout))
        }
        return verifiers.count == 1 ? verifiers[0] : AllOfVerifiers(verifiers: verifiers)
    }

    static func text(_ outcome: ProposeOutcome) -> String {
        var lines: [String] = []
        switch outcome.verdict {
        case .committed:
            lines.append("committed \(outcome.commit ?? "") on \(outcome.branch ?? "no branch") (parent \(outcome.parent.prefix(12)))")
            if let stat = outcome.diffStat {
                lines.append("\(stat.filesChanged) file(s) changed, \(stat.insertions) insertion(s)(+), \(stat.deletions) deletion(s)(-)")
            }
        case .failed:
            lines.append("nothing committed: \(outcome.message)")
        }
        for attempt in outcome.attempts {
            let tally = attempt.totalTests > 0 ? " \(attempt.passedTests)/\(attempt.totalTests)" : ""
            lines.append("  attempt \(attempt.attempt): \(attempt.passed ? "passed" : "failed")\(tally) \(attempt.message)")
        }
        for test in outcome.tests {
            lines.append("    [\(test.status)] \(test.name)" + (test.message.isEmpty ? "" : ": \(test.message)"))
        }
        if let file = outcome.patchFile { lines.append("patch written to \(file)") }
        return lines.joined(separator: "\n")
    }

    static func json(_ outcome: ProposeOutcome) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(WithKernel(outcome: outcome))).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// The outcome's own keys plus `kernel` (the OpenBLAS core that generated the body), so
    /// the Propose module stays free of BLAS.
    private struct WithKernel: Encodable {
        var outcome: ProposeOutcome
        var kernel = KernelInUse.current.name
        enum Key: String, CodingKey { case kernel }

        func encode(to encoder: Encoder) throws {
            try outcome.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(kernel, forKey: .kernel)
        }
    }
}

/// Runs the docstring's examples against the rewritten file, one sandbox test per example.
///
/// The file runs as one module in the sandbox, so only self-contained files (standard-library
/// imports) can pass; output printed inside the function is not seen by the examples.
struct SandboxDoctestVerifier: CandidateVerifier {
    let runner: SandboxRunner
    let timeout: Double?

    func verify(_ submission: Submission) async throws -> Verification {
        let program = DoctestProgram(examples: submission.doctestExamples)
        let result = runner.run(
            .mbpp(
                code: String(decoding: submission.content, as: UTF8.self), setup: DoctestProgram.helperSource,
                tests: program.statements(globals: "globals()")),
            timeout: timeout)
        let tests = result.tests.map { record in
            let example = record.index < program.examples.count ? program.examples[record.index] : nil
            let name = example.map { "line \($0.line): >>> " + $0.source.trimmingCharacters(in: .newlines) } ?? record.source
            return TestOutcome(name: name, status: record.status, message: record.message)
        }
        let message: String
        if result.passed {
            message = "\(tests.count) example(s) passed"
        } else if let index = result.failingTest, index < tests.count {
            message = "\(result.verdictText) at \(tests[index].name): \(tests[index].message)"
        } else {
            message = result.verdictText + (result.message.isEmpty ? "" : ": \(result.message)")
        }
        return Verification(passed: result.passed, message: message, tests: tests)
    }
}

/// Runs the repository's own tests (`--tests`) on HEAD's tree with the candidate file in place.
struct SandboxRepositoryTestVerifier: CandidateVerifier {
    let runner: SandboxRunner
    let timeout: Double
    let tests: [String]

    func verify(_ submission: Submission) async throws -> Verification {
        let snapshot = try submission.snapshotFiles()
        let files = snapshot.files.map { RepositoryFile(path: $0.path, bytes: $0.bytes) }
        let result = runner.run(
            .repository(files: files, tests: tests, guarded: GuardedFunction(path: submission.path, name: submission.function)),
            timeout: timeout)
        let outcomes = result.tests.map { TestOutcome(name: $0.source, status: $0.status, message: $0.message) }
        var message: String
        if result.passed {
            message = "\(outcomes.count) repository test(s) passed"
        } else if let index = result.failingTest, index < outcomes.count {
            message = "\(result.verdictText) at \(outcomes[index].name): \(outcomes[index].message)"
        } else {
            message = result.verdictText + (result.message.isEmpty ? "" : ": \(result.message)")
        }
        if !snapshot.skipped.isEmpty, !result.passed {
            message += " (left out of the sandbox as too large: \(snapshot.skipped.prefix(3).joined(separator: ", "))"
                + (snapshot.skipped.count > 3 ? ", ..." : "") + ")"
        }
        return Verification(passed: result.passed, message: message, tests: outcomes)
    }
}

/// Passes only when every verifier passes; stops at the first failure.
struct AllOfVerifiers: CandidateVerifier {
    let verifiers: [any CandidateVerifier]

    func verify(_ submission: Submission) async throws -> Verification {
        var tests: [TestOutcome] = []
        var messages: [String] = []
        for verifier in verifiers {
            let verification = try await verifier.verify(submission)
            tests += verification.tests
            messages.append(verification.message)
            if !verification.passed { return Verification(passed: false, message: verification.message, tests: tests) }
        }
        return Verification(passed: true, message: messages.joined(separator: "; "), tests: tests)
    }
}
