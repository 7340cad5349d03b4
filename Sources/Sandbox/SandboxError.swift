/// Failures of the sandbox itself (never of the program under test).
public enum SandboxError: Error, CustomStringConvertible, Equatable {
    case sandboxesNotFound(tried: [String])
    case profileUnreadable(path: String, reason: String)
    case profileInvalid(path: String, reason: String)
    /// bubblewrap is missing or cannot create namespaces here; the message says how to proceed.
    case bubblewrapUnavailable(reason: String)
    case interpreterUnusable(path: String, reason: String)
    case spawnFailed(stage: String, errno: Int32)
    case harnessUnreadable(path: String, reason: String)
    /// The harness cache directory exists but another user could change what runs in the sandbox.
    case harnessCacheUnsafe(path: String, reason: String)

    public var description: String {
        switch self {
        case .sandboxesNotFound(let tried):
            return "cannot find the sandboxes/ directory (harness.py); tried: \(tried.joined(separator: ", ")). "
                + "Set \(SandboxDirectory.environmentVariable) or pass --sandboxes."
        case .profileUnreadable(let path, let reason): return "sandbox profile \(path): cannot read (\(reason))"
        case .profileInvalid(let path, let reason): return "sandbox profile \(path): \(reason)"
        case .bubblewrapUnavailable(let reason):
            return "bubblewrap cannot run here (\(reason)); refusing to execute untrusted code. "
                + "Install bubblewrap and allow user namespaces, or explicitly choose the weaker "
                + "`--profile rlimits-only` (no filesystem or network isolation)."
        case .interpreterUnusable(let path, let reason): return "interpreter \(path) is unusable in the sandbox: \(reason)"
        case .spawnFailed(let stage, let errno): return "could not start the sandbox (\(stage) failed, errno \(errno))"
        case .harnessUnreadable(let path, let reason): return "harness \(path): \(reason)"
        case .harnessCacheUnsafe(let path, let reason):
            return "harness cache \(path) \(reason); refusing to run a harness from it. Remove it (tolerator recreates it) "
                + "or set XDG_CACHE_HOME to a directory of your own"
        }
    }
}
