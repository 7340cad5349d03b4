import Sandbox
import Suites
import Verified

/// `eval --attempts N --strategy S`: each sample becomes the attempt loop's answer.
public struct AttemptSettings: Codable, Sendable, Equatable {
    public var attempts: Int
    public var strategy: AttemptStrategy

    public init(attempts: Int, strategy: AttemptStrategy) {
        self.attempts = attempts
        self.strategy = strategy
    }

    public var label: String { "\(attempts) attempts, \(strategy.rawValue)" }
}

/// What the attempt loop did for one sample, and how the hidden tests judged its answer.
public struct RowVerification: Codable, Sendable, Equatable {
    public var attempts: [AttemptRecord]
    /// Index into `attempts` of the answer the visible tests chose.
    public var chosen: Int
    /// The chosen answer passed every visible test.
    public var verified: Bool
    /// Forwards of all attempts (the compute verified pass@1 costs).
    public var nfeTotal: Int
    /// Speculative forwards decoded and then not needed.
    public var nfeDiscarded: Int
    /// The hidden tests' verdict on the chosen answer: verified pass@1 counts these.
    public var chosenPassed: Bool
    public var chosenVerdict: Verdict

    enum CodingKeys: String, CodingKey {
        case attempts, chosen, verified
        case nfeTotal = "nfe_total"
        case nfeDiscarded = "nfe_discarded"
        case chosenPassed = "chosen_passed"
        case chosenVerdict = "chosen_verdict"
    }
}

extension SuiteTask {
    /// The tests an answer may be selected by: the docstring's `>>>` examples (HumanEval shape),
    /// the suite's `visible_tests`, and MBPP's prompt asserts. Never `test`/`tests` themselves
    /// (for original MBPP the prompt shows its asserts, so there they coincide).
    public var visible: VisibleTests {
        VisibleTests(docstringOf: shape == .humanEval ? prompt : "", entryPoint: entryPoint,
                     asserts: visibleTests + (shape == .mbpp ? promptTests : []))
    }
}
