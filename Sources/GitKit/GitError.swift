import CGit2

/// A libgit2 call that returned a negative code, with libgit2's own message.
public struct GitError: Error, CustomStringConvertible, Sendable, Equatable {
    /// libgit2's `git_error_code` (`GIT_ENOTFOUND`, `GIT_EEXISTS`, ...); always negative.
    public let code: Int32
    /// libgit2's error class (`GIT_ERROR_OS`, `GIT_ERROR_REFERENCE`, ...), 0 when none was set.
    public let errorClass: Int32
    /// `git_error_last()`'s message at the time of the failure.
    public let message: String
    /// The libgit2 function that failed, e.g. `git_repository_open_ext`.
    public let function: String

    public var description: String {
        message.isEmpty ? "\(function) failed (code \(code))" : "\(function): \(message)"
    }

    public var isNotFound: Bool { code == GIT_ENOTFOUND.rawValue }
    public var isExists: Bool { code == GIT_EEXISTS.rawValue }
    public var isUnbornBranch: Bool { code == GIT_EUNBORNBRANCH.rawValue }
    public var isInvalidSpec: Bool { code == GIT_EINVALIDSPEC.rawValue }
}

/// The one checked-call helper: every libgit2 call that returns an `int` status goes through
/// here, so a negative code always becomes a `GitError` carrying `git_error_last()`.
///
/// libgit2 keeps its last error per thread, so this must read it on the calling thread right
/// after the call; `check` is synchronous and takes the result directly for that reason.
@discardableResult
func check(_ result: Int32, _ function: StaticString) throws(GitError) -> Int32 {
    guard result < 0 else { return result }
    var message = ""
    var errorClass: Int32 = 0
    if let last = git_error_last() {
        errorClass = last.pointee.klass
        if let text = last.pointee.message { message = String(cString: text) }
    }
    throw GitError(code: result, errorClass: errorClass, message: message, function: "\(function)")
}

/// libgit2's global state, set up exactly once per process before the first handle is made.
///
/// A `static let` is initialised under `swift_once`, which makes this thread-safe; the library
/// is never shut down because handles may live until the process exits.
enum GitLibrary {
    static let initialized: Bool = git_libgit2_init() > 0

    static func ensure() { _ = initialized }
}
