import CGit2
import Foundation

/// Owns a `git_repository`.  Every object handle keeps its repository alive, because libgit2
/// requires the repository to outlive the objects read from it.
///
/// Not `Sendable`: a libgit2 repository must not be used from two threads at once.
public final class Repository {
    let pointer: OpaquePointer

    /// Opens the repository containing `path`, searching parent directories like `git` does
    /// unless `searchParents` is false.
    public init(at path: String, searchParents: Bool = true) throws(GitError) {
        GitLibrary.ensure()
        var handle: OpaquePointer?
        let flags = searchParents ? 0 : GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue
        try check(git_repository_open_ext(&handle, path, flags, nil), "git_repository_open_ext")
        pointer = handle!
    }

    deinit { git_repository_free(pointer) }

    /// The working directory (absolute, with a trailing slash), nil for a bare repository.
    public var workingDirectory: String? {
        git_repository_workdir(pointer).map { String(cString: $0) }
    }

    /// The `.git` directory (absolute, with a trailing slash).
    public var gitDirectory: String { String(cString: git_repository_path(pointer)) }

    public var isBare: Bool { git_repository_is_bare(pointer) == 1 }

    /// True when HEAD names a branch that has no commit yet (a fresh `git init`).
    public func isHeadUnborn() throws(GitError) -> Bool {
        try check(git_repository_head_unborn(pointer), "git_repository_head_unborn") == 1
    }

    /// The commit HEAD resolves to.
    public func headCommit() throws(GitError) -> Commit {
        var reference: OpaquePointer?
        try check(git_repository_head(&reference, pointer), "git_repository_head")
        let head = Reference(reference!, repository: self)
        return try lookupCommit(head.target())
    }

    /// A snapshot of the repository's configuration (repository, global, system levels).
    public func configuration() throws(GitError) -> Config {
        var handle: OpaquePointer?
        try check(git_repository_config_snapshot(&handle, pointer), "git_repository_config_snapshot")
        return Config(handle!)
    }

    public func lookupCommit(_ id: ObjectID) throws(GitError) -> Commit {
        var oid = id.oid
        var handle: OpaquePointer?
        try check(git_commit_lookup(&handle, pointer, &oid), "git_commit_lookup")
        return Commit(handle!, repository: self)
    }

    public func lookupTree(_ id: ObjectID) throws(GitError) -> Tree {
        var oid = id.oid
        var handle: OpaquePointer?
        try check(git_tree_lookup(&handle, pointer, &oid), "git_tree_lookup")
        return Tree(handle!, repository: self)
    }

    public func lookupBlob(_ id: ObjectID) throws(GitError) -> Blob {
        var oid = id.oid
        var handle: OpaquePointer?
        try check(git_blob_lookup(&handle, pointer, &oid), "git_blob_lookup")
        return Blob(handle!, repository: self)
    }

    /// Writes `bytes` to the object database as a blob; the working tree is not involved.
    public func createBlob(_ bytes: [UInt8]) throws(GitError) -> ObjectID {
        var oid = git_oid()
        let result = bytes.withUnsafeBytes { git_blob_create_from_buffer(&oid, pointer, $0.baseAddress, $0.count) }
        try check(result, "git_blob_create_from_buffer")
        return ObjectID(oid)
    }

    /// A tree builder seeded with `tree`'s entries, or empty.
    public func makeTreeBuilder(from tree: Tree? = nil) throws(GitError) -> TreeBuilder {
        var handle: OpaquePointer?
        try check(git_treebuilder_new(&handle, pointer, tree?.pointer), "git_treebuilder_new")
        return TreeBuilder(handle!, repository: self)
    }

    /// Writes a commit object without updating any reference (HEAD stays where it is).  The
    /// message is stored as UTF-8 without an `encoding` header, as git itself does.
    public func createCommit(
        tree: Tree, parents: [Commit], author: Signature, committer: Signature, message: String
    ) throws(GitError) -> ObjectID {
        var oid = git_oid()
        var parentPointers: [OpaquePointer?] = parents.map { $0.pointer }
        let result = parentPointers.withUnsafeMutableBufferPointer { buffer in
            git_commit_create(
                &oid, pointer, nil, author.pointer, committer.pointer, nil, message, tree.pointer,
                buffer.count, buffer.baseAddress)
        }
        try check(result, "git_commit_create")
        return ObjectID(oid)
    }

    /// The local branch `name` (without `refs/heads/`), or nil when there is none.
    public func branch(named name: String) throws(GitError) -> Reference? {
        var handle: OpaquePointer?
        let result = git_branch_lookup(&handle, pointer, name, GIT_BRANCH_LOCAL)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check(result, "git_branch_lookup")
        return Reference(handle!, repository: self)
    }

    /// Creates (or with `force`, moves) `refs/heads/<name>` to `commit`.  libgit2 refuses to
    /// move the branch HEAD points at, so the user's current branch can never be rewritten.
    @discardableResult
    public func createBranch(named name: String, at commit: Commit, force: Bool) throws(GitError) -> Reference {
        var handle: OpaquePointer?
        try check(git_branch_create(&handle, pointer, name, commit.pointer, force ? 1 : 0), "git_branch_create")
        return Reference(handle!, repository: self)
    }

    /// Whether `name` is acceptable as a branch name (`git check-ref-format --branch`).
    public static func isValidBranchName(_ name: String) -> Bool {
        GitLibrary.ensure()
        var valid: Int32 = 0
        return git_branch_name_is_valid(&valid, name) == 0 && valid == 1
    }

    /// The difference between two trees (nil means the empty tree).
    public func diff(from old: Tree?, to new: Tree?) throws(GitError) -> Diff {
        var handle: OpaquePointer?
        try check(git_diff_tree_to_tree(&handle, pointer, old?.pointer, new?.pointer, nil), "git_diff_tree_to_tree")
        return Diff(handle!, repository: self)
    }
}
