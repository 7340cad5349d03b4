import ArgumentParser
import BLASKernel
import Decoding
import Foundation
import Inference
import ModelFiles
import Sandbox
import Tokenization
import Verified

/// Flags of the attempt loop (generate; eval and propose share the loop itself).
struct VerificationOptions: ParsableArguments {
    @Flag(inversion: .prefixedNo, help: ArgumentHelp(
        "Run each candidate against the visible tests in the sandbox (default: on when there are any).",
        discussion: "Visible tests: the docstring's >>> examples, --test and --tests."))
    var verify: Bool?

    @Option(name: .customLong("test"), help: ArgumentHelp("An assert statement to verify against (repeatable).", valueName: "assert"))
    var testAsserts: [String] = []

    @Option(name: .customLong("tests"), help: ArgumentHelp("A file of assert statements to verify against.", valueName: "file"))
    var testsFile: String?

    @Option(parsing: .unconditional, help: "Candidates to try at most (each gets --nfe forwards).")
    var attempts = 4

    @Option(help: "After a failure: resample (a new seed) or repair (re-mask where the failure points, then refine).")
    var strategy: AttemptStrategy = .resample

    @Option(parsing: .unconditional, help: "Forwards across all attempts (default: attempts × --nfe).")
    var nfeTotal: Int?

    func validate() throws {
        try OptionRange.check("--attempts", attempts, in: OptionRange.verifiedAttempts)
        try OptionRange.check("--nfe-total", nfeTotal, in: OptionRange.nfe)
    }

    /// The docstring's examples (completion mode) and the user's asserts.
    func visibleTests(prompt: String?) throws -> VisibleTests {
        var asserts = testAsserts
        if let testsFile {
            guard let data = FileManager.default.contents(atPath: testsFile) else {
                throw ValidationError("--tests \(testsFile): cannot read the file")
            }
            let found = VisibleTests.asserts(inFile: String(decoding: data, as: UTF8.self))
            guard !found.isEmpty else { throw ValidationError("--tests \(testsFile): no line starts with `assert`") }
            asserts += found
        }
        return prompt.map { VisibleTests(docstringOf: $0, asserts: asserts) } ?? VisibleTests(asserts: asserts)
    }

    func shouldVerify(_ tests: VisibleTests) -> Bool { verify ?? !tests.isEmpty }
}

extension AttemptStrategy: ExpressibleByArgument {}

extension Generate {
    func runVerified(text: String, prompt: BuiltPrompt, visible: VisibleTests, request: DecodingRequest,
                     model: TransformerModel, tokenizer: Tokenizer, family: ModelConfig.Family,
                     modelDefaults: [String: DecodingMethod], cache: CachePolicy) throws {
        guard !visible.isEmpty else {
            throw ValidationError("--verify: nothing to verify against (no >>> examples in the docstring, no --test or --tests)")
        }
        let runner = try sandbox.makeRunner()
        let policy = AttemptPolicy(attempts: verification.attempts, nfePerAttempt: decoding.nfe,
                                   nfeTotal: verification.nfeTotal, strategy: verification.strategy, seed: decoding.seed)
        let drafter = ModelDrafter(model: model, tokenizer: tokenizer, request: request,
                                   method: decoding.decodingMethod(family: family, modelDefaults: modelDefaults),
                                   repairOptions: decoding.toleratorOptions(family: family, modelDefaults: modelDefaults),
                                   cache: cache)
        let codePrefix = prompt.mode == .completion ? text : ""
        let loop = AttemptLoop(policy: policy, tests: visible, codePrefix: codePrefix) { runner.run($0) }
        let progress = ProgressLine(enabled: !json && isatty(STDERR_FILENO) == 1)
        let answer = try loop.run(drafter) { record in
            progress.update("attempt \(record.attempt)/\(policy.attempts) [\(record.kind.rawValue)]: "
                            + "\(record.passed)/\(record.total) passed, \(record.nfeUsed) NFE")
        }
        progress.finish()
        let chosen = answer.answer
        let code = codePrefix + chosen.completion
        if json {
            let output = VerifiedGenerateOutput(compute: model.compute.path.rawValue, cache: cache.mode == .none ? nil : cache,
                                                mode: prompt.mode.rawValue, prompt: prompt.rendered, completion: chosen.completion,
                                                code: code, tests: visible.descriptions, verification: answer)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(output), as: UTF8.self))
        } else {
            print(code)
            if showDraft { Self.printDraft(of: chosen) }
            FileHandle.standardError.write(Data((Self.summary(answer, policy: policy) + "\n").utf8))
        }
        if !answer.verified { throw ExitCode(1) }
    }

    /// `--show-draft` with verification: the chosen attempt's fill-up draft (the JSON output
    /// carries every attempt's as `fill_up_draft`).
    static func printDraft(of attempt: AttemptRecord) {
        guard let draft = attempt.fillUpDraft else {
            print("\n(no fill-up draft for attempt \(attempt.attempt) (\(attempt.kind.rawValue)): "
                  + "--show-draft applies to --method tolerator)")
            return
        }
        print("\n--- attempt \(attempt.attempt)'s fill-up draft (before refinement) ---")
        print(draft.text)
        print("--- refinement changed \(draft.changedTokens) of \(draft.canvasLength) canvas tokens ---")
    }

    /// `verified: 3/3 examples passed (attempt 2 of 4, 64 NFE in all)`, or the unverified line
    /// with the failing example.
    static func summary(_ answer: VerifiedAnswer, policy: AttemptPolicy) -> String {
        let chosen = answer.answer
        let tests = "\(chosen.passed)/\(chosen.total) \(chosen.total == 1 ? "test" : "tests") passed"
        let spent = "\(answer.nfeTotal) NFE in all" + (answer.nfeDiscarded > 0 ? ", \(answer.nfeDiscarded) more speculative" : "")
        if answer.verified {
            return "verified: \(tests) (attempt \(chosen.attempt) of \(policy.attempts), \(spent))"
        }
        return "unverified: best candidate \(tests) (attempt \(chosen.attempt) of \(answer.attempts.count) tried, \(spent)); "
            + "failing: \(chosen.message)"
    }
}

struct VerifiedGenerateOutput: Encodable {
    /// The OpenBLAS core that computed this answer (speed differs by core, results must not).
    var kernel = KernelInUse.current.name
    /// "f32" or "native-bf16" (`--compute`).
    var compute: String
    /// The KV-cache policy every attempt decoded with (absent: exact decoding), as in the
    /// unverified output's trace.
    var cache: CachePolicy?
    var mode: String
    var prompt: String
    var completion: String
    var code: String
    var tests: [String]
    var verification: VerifiedAnswer
}
