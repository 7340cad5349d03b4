import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where a run's process limit (the profile's `processes`) is enforced.
///
/// RLIMIT_NPROC is not a per-process or per-run count: at every fork the kernel compares the
/// number of *tasks* (threads and not-yet-reaped zombies included) of the forking task's real
/// uid with the forking task's limit.  Since Linux 5.14 the count is kept per user namespace
/// (ucounts) and checked at every level up to the initial namespace: the run's own namespace
/// against the forking task's limit, each level above against the limit its creator had when it
/// created the namespace below.
///
/// The old design set `processes + processes of the uid at start` on bwrap when not root.  That
/// one number then bounded every task of the user at once: all concurrent runs (outer bwrap,
/// its pid-1 reaper, tester, candidate), tolerator's own threads (8 here), the user's other
/// programs' threads (a desktop session has hundreds, counted as a few processes), and the
/// zombie reapers of finished runs.  Measured as non-root with 2 workers on HumanEval: the
/// user's tasks climbed to the limit (33), the tester's fork of the candidate failed with EAGAIN
/// (or bwrap's "Can't fork for pid 1"), and each such run was retried after 0.5 s and 2 s pauses.
///
/// Now:
/// - `.perUID` (root): every concurrent run has its own uid (`SlotPool`), so the limit set
///   before exec is that run's own count, and also its user namespace's.
/// - `.perNamespace` (not root, bubblewrap, Linux >= 5.14): bwrap keeps the user's own limit
///   (what bounds the user's total anyway), and the tester lowers RLIMIT_NPROC to `processes`
///   inside the run's fresh user namespace before it forks the candidate; there the kernel counts
///   only that namespace's tasks, so the limit is per run and no run, thread or other program of
///   the user can take another run's share.
/// - `.sharedUID` (not root without a user namespace: rlimits-only, or an older kernel that
///   counts per uid even inside one): nothing per run is possible, so each spawn gets the user's
///   current task count plus `processes`: a run may grow by `processes` over everyone's tasks at
///   its start.  Concurrent runs share this room; reports name such a profile as weaker.
enum ProcessBudget: Equatable, Sendable {
    case perUID(Int)
    case perNamespace(Int)
    case sharedUID(Int)

    static func choose(isRoot: Bool, userNamespace: Bool, perNamespaceCounts: Bool, processes: Int) -> ProcessBudget {
        if isRoot { return .perUID(processes) }
        if userNamespace && perNamespaceCounts { return .perNamespace(processes) }
        return .sharedUID(processes)
    }

    /// RLIMIT_NPROC to set before exec; -1 leaves the caller's limit.
    func spawnLimit(uid: uid_t) -> Int {
        switch self {
        case .perUID(let n): return n
        case .perNamespace: return -1
        case .sharedUID(let n): return SandboxRunner.taskCount(uid: uid) + n
        }
    }

    /// The limit the tester sets on itself inside the run's user namespace, if any.
    var insideLimit: Int? {
        switch self {
        case .perUID(let n), .perNamespace(let n): return n
        case .sharedUID: return nil
        }
    }

    /// Linux counts RLIMIT_NPROC per user namespace from 5.14 on (ucounts).
    static func kernelCountsPerUserNamespace(release: String? = nil) -> Bool {
        var text = release
        if text == nil {
            var name = utsname()
            uname(&name)
            text = withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        }
        let parts = (text ?? "").split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        guard parts.count == 2 else { return false }
        return (parts[0], parts[1]) >= (5, 14)
    }
}
