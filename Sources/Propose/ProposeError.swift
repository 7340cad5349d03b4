import GitKit
import PythonSource

/// Why `propose` refused or stopped; each case names the thing at fault.
public enum ProposeError: Error, CustomStringConvertible, Sendable {
    case notARepository(path: String, reason: String)
    case unbornHead(repository: String)
    case pathOutsideRepository(path: String, repository: String)
    case fileNotFoundAtHead(path: String, head: String)
    /// The path at HEAD is a directory, symbolic link or submodule, not a regular file.
    case notARegularFile(path: String, kind: String)
    case binaryFile(path: String)
    case testsNotFoundAtHead(path: String, head: String)
    case python(PythonSourceError)
    case invalidBranchName(String)
    case branchExists(branch: String, commit: String)
    case branchCheckedOut(branch: String)
    case invalidAuthor(String)
    case invalidAttempts(Int)
    case git(GitError)
    case unexpected(String)

    /// Any error from the layers below, as a `ProposeError`.
    init(_ error: any Error) {
        switch error {
        case let error as ProposeError: self = error
        case let error as GitError: self = .git(error)
        case let error as PythonSourceError: self = .python(error)
        default: self = .unexpected("\(error)")
        }
    }

    public var description: String {
        switch self {
        case .notARepository(let path, let reason):
            return "\(path) is not inside a git repository (\(reason))"
        case .unbornHead(let repository):
            return "the repository at \(repository) has no commits yet (HEAD is unborn); commit the file first"
        case .pathOutsideRepository(let path, let repository):
            return "\(path) is outside the repository at \(repository)"
        case .fileNotFoundAtHead(let path, let head):
            return "\(path) does not exist in HEAD (\(head.prefix(12))); propose reads committed files only"
        case .notARegularFile(let path, let kind):
            return "\(path) is a \(kind) in HEAD, not a regular file"
        case .binaryFile(let path):
            return "\(path) is a binary file, not Python source"
        case .testsNotFoundAtHead(let path, let head):
            return "tests \(path) are not a file or folder in HEAD (\(head.prefix(12))); candidates are verified "
                + "against committed files, so commit the tests first"
        case .python(let error):
            return error.description
        case .invalidBranchName(let name):
            return "`\(name)` is not a valid branch name"
        case .branchExists(let branch, let commit):
            return "branch \(branch) already exists (at \(commit.prefix(12))); pass --force to move it"
        case .branchCheckedOut(let branch):
            return "branch \(branch) is checked out; propose never moves the current branch, choose another with --branch"
        case .invalidAuthor(let text):
            return "author `\(text)` is not of the form `Name <email>`"
        case .invalidAttempts(let count):
            return "--attempts must be at least 1 (got \(count))"
        case .git(let error):
            return "git: \(error)"
        case .unexpected(let text):
            return text
        }
    }
}
