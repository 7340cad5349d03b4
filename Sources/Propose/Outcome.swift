import GitKit

/// One attempt's verdict, for the report.
public struct AttemptRecord: Sendable, Codable, Equatable {
    /// 1-based.
    public var attempt: Int
    public var passed: Bool
    public var message: String
    public var passedTests: Int
    public var totalTests: Int
}

/// What `propose` did.
public struct ProposeOutcome: Sendable, Codable, Equatable {
    public enum Verdict: String, Sendable, Codable {
        /// A candidate passed; the commit (and the branch, unless asked not to) was written.
        case committed
        /// No candidate passed; nothing was written.
        case failed
    }

    public var verdict: Verdict
    public var path: String
    public var function: String
    /// The commit the proposal builds on.
    public var parent: String
    /// Full ref name; nil when nothing was committed or no branch was requested.
    public var branch: String?
    public var commit: String?
    public var diffStat: DiffStat?
    /// The passing attempt (1-based), or the best failed one.
    public var chosenAttempt: Int?
    /// That attempt's per-test results.
    public var tests: [TestOutcome]
    public var attempts: [AttemptRecord]
    public var message: String
    /// The `git am` patch, when one was requested.
    public var patch: String?
    /// Where the CLI wrote the patch.
    public var patchFile: String?
}
