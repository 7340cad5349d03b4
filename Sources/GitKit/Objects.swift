import CGit2

/// Owns a `git_commit`.
public final class Commit {
    let pointer: OpaquePointer
    let repository: Repository

    init(_ pointer: OpaquePointer, repository: Repository) {
        self.pointer = pointer
        self.repository = repository
    }

    deinit { git_commit_free(pointer) }

    public var id: ObjectID { ObjectID(git_commit_id(pointer)) }

    /// The full message, as stored.
    public var message: String { git_commit_message(pointer).map { String(cString: $0) } ?? "" }

    public var parentCount: Int { Int(git_commit_parentcount(pointer)) }

    public func tree() throws(GitError) -> Tree {
        var handle: OpaquePointer?
        try check(git_commit_tree(&handle, pointer), "git_commit_tree")
        return Tree(handle!, repository: repository)
    }
}

/// One entry of a tree, copied out of libgit2 (a value: no pointer outlives its tree).
public struct TreeEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case blob, tree, commit, other
    }

    public let name: String
    public let id: ObjectID
    public let kind: Kind
    /// The git file mode: 0o100644, 0o100755, 0o120000 (symlink), 0o040000 (tree), 0o160000.
    public let fileMode: UInt32

    public var isSymbolicLink: Bool { fileMode == 0o120000 }
    public var isSubmodule: Bool { fileMode == 0o160000 }
}

/// Owns a `git_tree`.
public final class Tree {
    let pointer: OpaquePointer
    let repository: Repository

    init(_ pointer: OpaquePointer, repository: Repository) {
        self.pointer = pointer
        self.repository = repository
    }

    deinit { git_tree_free(pointer) }

    public var id: ObjectID { ObjectID(git_tree_id(pointer)) }

    /// The direct children, in git's order.
    public var entries: [TreeEntry] {
        (0..<git_tree_entrycount(pointer)).compactMap { git_tree_entry_byindex(pointer, $0).map(Self.copy) }
    }

    /// The direct child called `name`, or nil.
    public func entry(named name: String) -> TreeEntry? {
        // byname returns a pointer owned by the tree: copy it out while the tree is alive.
        git_tree_entry_byname(pointer, name).map(Self.copy)
    }

    private static func copy(_ entry: OpaquePointer) -> TreeEntry {
        let kind: TreeEntry.Kind
        switch git_tree_entry_type(entry) {
        case GIT_OBJECT_BLOB: kind = .blob
        case GIT_OBJECT_TREE: kind = .tree
        case GIT_OBJECT_COMMIT: kind = .commit
        default: kind = .other
        }
        return TreeEntry(
            name: String(cString: git_tree_entry_name(entry)), id: ObjectID(git_tree_entry_id(entry)),
            kind: kind, fileMode: UInt32(git_tree_entry_filemode_raw(entry).rawValue))
    }
}

/// Owns a `git_blob`.
public final class Blob {
    let pointer: OpaquePointer
    let repository: Repository

    init(_ pointer: OpaquePointer, repository: Repository) {
        self.pointer = pointer
        self.repository = repository
    }

    deinit { git_blob_free(pointer) }

    public var id: ObjectID { ObjectID(git_blob_id(pointer)) }

    public var bytes: [UInt8] {
        let size = Int(git_blob_rawsize(pointer))
        guard size > 0, let raw = git_blob_rawcontent(pointer) else { return [] }
        return Array(UnsafeRawBufferPointer(start: raw, count: size))
    }

    /// libgit2's heuristic (a NUL byte or too many non-printables in the first 8000 bytes).
    public var isBinary: Bool { git_blob_is_binary(pointer) == 1 }
}

/// Owns a `git_treebuilder`: edits one tree level in memory, then writes it to the object database.
public final class TreeBuilder {
    let pointer: OpaquePointer
    let repository: Repository

    init(_ pointer: OpaquePointer, repository: Repository) {
        self.pointer = pointer
        self.repository = repository
    }

    deinit { git_treebuilder_free(pointer) }

    /// Adds or replaces the entry `name`.
    public func insert(name: String, id: ObjectID, fileMode: UInt32) throws(GitError) {
        var oid = id.oid
        try check(
            git_treebuilder_insert(nil, pointer, name, &oid, git_filemode_t(rawValue: fileMode)),
            "git_treebuilder_insert")
    }

    public func remove(name: String) throws(GitError) {
        try check(git_treebuilder_remove(pointer, name), "git_treebuilder_remove")
    }

    public func write() throws(GitError) -> ObjectID {
        var oid = git_oid()
        try check(git_treebuilder_write(&oid, pointer), "git_treebuilder_write")
        return ObjectID(oid)
    }
}

/// Owns a `git_signature` (name, email and a timestamp).
public final class Signature {
    let pointer: UnsafeMutablePointer<git_signature>

    /// A signature stamped with the current time.
    public init(name: String, email: String) throws(GitError) {
        GitLibrary.ensure()
        var handle: UnsafeMutablePointer<git_signature>?
        try check(git_signature_now(&handle, name, email), "git_signature_now")
        pointer = handle!
    }

    /// A signature with a fixed time (seconds since the epoch, offset in minutes).
    public init(name: String, email: String, time: Int64, offsetMinutes: Int32) throws(GitError) {
        GitLibrary.ensure()
        var handle: UnsafeMutablePointer<git_signature>?
        try check(git_signature_new(&handle, name, email, time, offsetMinutes), "git_signature_new")
        pointer = handle!
    }

    deinit { git_signature_free(pointer) }

    public var name: String { String(cString: pointer.pointee.name) }
    public var email: String { String(cString: pointer.pointee.email) }
}

/// Owns a `git_reference`.
public final class Reference {
    let pointer: OpaquePointer
    let repository: Repository

    init(_ pointer: OpaquePointer, repository: Repository) {
        self.pointer = pointer
        self.repository = repository
    }

    deinit { git_reference_free(pointer) }

    /// The full name, e.g. `refs/heads/main`.
    public var name: String { String(cString: git_reference_name(pointer)) }

    /// Whether this branch is checked out in the repository or any linked worktree.
    public func isCheckedOut() throws(GitError) -> Bool {
        try check(git_branch_is_checked_out(pointer), "git_branch_is_checked_out") == 1
    }

    /// The commit the reference finally points at (symbolic references are followed).
    public func target() throws(GitError) -> ObjectID {
        var resolved: OpaquePointer?
        try check(git_reference_resolve(&resolved, pointer), "git_reference_resolve")
        defer { git_reference_free(resolved) }
        guard let oid = git_reference_target(resolved) else {
            throw GitError(code: -1, errorClass: 0, message: "\(name) has no target", function: "git_reference_target")
        }
        return ObjectID(oid)
    }
}

/// Owns a `git_config` snapshot.
public final class Config {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) { self.pointer = pointer }

    deinit { git_config_free(pointer) }

    /// The value of `key` (e.g. `user.name`), or nil when no level sets it.
    public func string(_ key: String) throws(GitError) -> String? {
        var value: UnsafePointer<CChar>?
        // get_string is allowed on snapshots only; the value lives as long as the snapshot.
        let result = git_config_get_string(&value, pointer, key)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check(result, "git_config_get_string")
        return value.map { String(cString: $0) }
    }
}
