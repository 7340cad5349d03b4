import Foundation
import Sandbox

/// How later attempts are made after a failure.
public enum AttemptStrategy: String, Codable, Sendable, CaseIterable {
    /// A new candidate from a new seed; independent of the failure.
    case resample
    /// The failed canvas, re-masked where the failure points, then refined (TOLERATOR stage II).
    case repair
}

/// Attempts and their budget. The budget is counted in forwards across attempts, so that
/// strategies and plain decoding compare at equal compute.
public struct AttemptPolicy: Sendable, Equatable {
    public var attempts: Int
    /// Forwards of one fresh draft (T).
    public var nfePerAttempt: Int
    /// Forwards in all; nil: attempts × T.
    public var nfeTotal: Int?
    public var strategy: AttemptStrategy
    /// Seed of the first draft; resampling uses seed + k for attempt k.
    public var seed: UInt64

    public init(attempts: Int, nfePerAttempt: Int, nfeTotal: Int? = nil, strategy: AttemptStrategy = .resample,
                seed: UInt64 = 0) {
        self.attempts = attempts
        self.nfePerAttempt = nfePerAttempt
        self.nfeTotal = nfeTotal
        self.strategy = strategy
        self.seed = seed
    }

    public var budget: Int { nfeTotal ?? attempts * nfePerAttempt }
}

/// What one attempt wrote and what the visible tests said of it.
public struct AttemptRecord: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case draft, resample, repair }
    /// 1-based.
    public var attempt: Int
    public var kind: Kind
    public var seed: UInt64
    public var nfeUsed: Int
    public var completion: String
    public var verdict: Verdict
    /// The answer as the model wrote it, before extraction (equal to `completion` when untouched).
    public var text: String
    /// Visible tests that passed, of `total`.
    public var passed: Int
    public var total: Int
    /// The first failure's message ("" when every test passed).
    public var message: String
    /// Positions re-masked for a repair (0 for fresh drafts).
    public var remasked: Int
    /// TOLERATOR's fill-up draft of this attempt, when its method has one.
    public var fillUpDraft: FillUpDraft? = nil

    enum CodingKeys: String, CodingKey {
        case attempt, kind, seed, completion, verdict, text, passed, total, message, remasked
        case nfeUsed = "nfe_used"
        case fillUpDraft = "fill_up_draft"
    }
}

/// The loop's answer: every attempt, the one chosen, and whether it passed every visible test.
public struct VerifiedAnswer: Codable, Sendable, Equatable {
    public var attempts: [AttemptRecord]
    /// Index into `attempts` of the answer returned: the first that passed, else the one that
    /// passed most visible tests (earliest on a tie).
    public var chosen: Int
    public var verified: Bool
    /// Forwards of the attempts listed.
    public var nfeTotal: Int
    /// Forwards of a speculative draft decoded while the previous attempt was being verified
    /// and then not needed (resample overlaps verification with the next draft).
    public var nfeDiscarded: Int

    public var answer: AttemptRecord { attempts[chosen] }

    enum CodingKeys: String, CodingKey {
        case attempts, chosen, verified
        case nfeTotal = "nfe_total"
        case nfeDiscarded = "nfe_discarded"
    }
}

/// Draft → verify → resample or repair, until a candidate passes every visible test or the
/// attempts or forwards run out. `generate`, `eval` and `propose` all run this one loop.
///
/// With `resample`, attempt k + 1 decodes while attempt k runs in the sandbox (they are
/// independent), so verification costs little wall time; `repair` needs the verdict first.
public struct AttemptLoop: Sendable {
    public var policy: AttemptPolicy
    public var tests: VisibleTests
    /// The program text before the completion (the code prompt), "" when the answer is whole.
    public var codePrefix: String
    /// Runs one program in the sandbox; called from a second thread while drafting goes on.
    public var check: @Sendable (Program) -> ExecutionResult

    public init(policy: AttemptPolicy, tests: VisibleTests, codePrefix: String,
                check: @escaping @Sendable (Program) -> ExecutionResult) {
        self.policy = policy
        self.tests = tests
        self.codePrefix = codePrefix
        self.check = check
    }

    public func run(_ drafter: any Drafter, onAttempt: ((AttemptRecord) -> Void)? = nil) throws -> VerifiedAnswer {
        precondition(policy.attempts >= 1 && policy.nfePerAttempt >= 1, "AttemptPolicy: attempts and T must be ≥ 1")
        var records: [AttemptRecord] = []
        var used = 0
        var discarded = 0
        var pending: (draft: Draft, kind: AttemptRecord.Kind, seed: UInt64, remasked: Int, verdict: PendingCheck)?
        var last: (draft: Draft, result: ExecutionResult)?

        func finish(_ p: (draft: Draft, kind: AttemptRecord.Kind, seed: UInt64, remasked: Int, verdict: PendingCheck)) -> Bool {
            let result = p.verdict.wait()
            let record = Self.record(attempt: records.count + 1, p.kind, p.seed, p.draft, result, p.remasked, tests)
            records.append(record)
            onAttempt?(record)
            last = (p.draft, result)
            return record.verdict == .passed
        }

        for k in 0..<policy.attempts {
            let nfe = min(policy.nfePerAttempt, policy.budget - used)
            if nfe < 1 { break }
            let seed = policy.seed &+ UInt64(k)
            let kind: AttemptRecord.Kind
            let draft: Draft
            var remasked = 0
            if k == 0 || policy.strategy == .resample {
                kind = k == 0 ? .draft : .resample
                draft = try drafter.draft(seed: seed, nfe: nfe)
            } else {
                if let p = pending, finish(p) { pending = nil; break }
                pending = nil
                guard let (failed, result) = last else { break }
                let location = FailureLocation.locate(failed, result, promptLines: promptLines)
                kind = .repair
                remasked = location.remask.count
                draft = try drafter.repair(failed, remask: location.remask, wholeBody: location.wholeBody,
                                           seed: seed, nfe: nfe)
            }
            used += draft.nfeUsed
            // The previous attempt's verdict arrives while this draft was decoding.
            if let p = pending {
                pending = nil
                if finish(p) {
                    used -= draft.nfeUsed
                    discarded += draft.nfeUsed
                    break
                }
            }
            let code = codePrefix + draft.completion
            let program = tests.program(code: code)
            pending = (draft, kind, seed, remasked, PendingCheck(program: program, check: check))
        }
        if let p = pending { _ = finish(p) }
        let chosen = records.firstIndex { $0.verdict == .passed }
            ?? records.indices.max { (records[$0].passed, -$0) < (records[$1].passed, -$1) } ?? 0
        return VerifiedAnswer(attempts: records, chosen: chosen, verified: records[chosen].verdict == .passed,
                              nfeTotal: used, nfeDiscarded: discarded)
    }

    var promptLines: Int { codePrefix.reduce(0) { $0 + ($1 == "\n" ? 1 : 0) } }

    static func record(attempt: Int, _ kind: AttemptRecord.Kind, _ seed: UInt64, _ draft: Draft,
                       _ result: ExecutionResult, _ remasked: Int, _ tests: VisibleTests) -> AttemptRecord {
        let total = tests.count
        let passed = result.verdict == .passed ? total : result.tests.filter { $0.kind == "test" && $0.status == "pass" }.count
        return AttemptRecord(attempt: attempt, kind: kind, seed: seed, nfeUsed: draft.nfeUsed,
                             completion: draft.completion, verdict: result.verdict, text: draft.text, passed: passed, total: total,
                             message: tests.failureMessage(result), remasked: remasked, fillUpDraft: draft.fillUpDraft)
    }
}

/// A sandbox run started on another thread; `wait` returns its result.
final class PendingCheck: @unchecked Sendable {
    // @unchecked: `result` is written once on the worker before `done` is signalled and read
    // only after `wait` returns.
    private var result: ExecutionResult?
    private let done = DispatchSemaphore(value: 0)

    init(program: Program, check: @escaping @Sendable (Program) -> ExecutionResult) {
        DispatchQueue.global().async { [self] in
            self.result = check(program)
            self.done.signal()
        }
    }

    func wait() -> ExecutionResult {
        done.wait()
        done.signal()
        return result!
    }
}
