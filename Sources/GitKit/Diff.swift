import CGit2

/// Files changed, lines inserted and deleted, as `git diff --stat` counts them.
public struct DiffStat: Codable, Sendable, Equatable {
    public var filesChanged: Int
    public var insertions: Int
    public var deletions: Int

    public init(filesChanged: Int, insertions: Int, deletions: Int) {
        self.filesChanged = filesChanged
        self.insertions = insertions
        self.deletions = deletions
    }
}

/// Owns a `git_diff`.
public final class Diff {
    let pointer: OpaquePointer
    let repository: Repository

    init(_ pointer: OpaquePointer, repository: Repository) {
        self.pointer = pointer
        self.repository = repository
    }

    deinit { git_diff_free(pointer) }

    public func stat() throws(GitError) -> DiffStat {
        var handle: OpaquePointer?
        try check(git_diff_get_stats(&handle, pointer), "git_diff_get_stats")
        let stats = DiffStats(handle!)
        return DiffStat(
            filesChanged: git_diff_stats_files_changed(stats.pointer),
            insertions: git_diff_stats_insertions(stats.pointer),
            deletions: git_diff_stats_deletions(stats.pointer))
    }
}

/// Owns a `git_diff_stats`.
final class DiffStats {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) { self.pointer = pointer }

    deinit { git_diff_stats_free(pointer) }
}

/// Owns a `git_buf` that libgit2 filled.
final class Buffer {
    var value = git_buf()

    deinit { git_buf_dispose(&value) }

    var string: String {
        guard let pointer = value.ptr, value.size > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: value.size), as: UTF8.self)
    }
}

extension Commit {
    /// The commit as one `git format-patch`-style email (mbox "From <id>" line, headers,
    /// diffstat, unified diff), which `git am` applies.  The commit must have one parent.
    public func emailPatch() throws(GitError) -> String {
        var options = git_email_create_options()
        options.version = 1  // GIT_EMAIL_CREATE_OPTIONS_VERSION
        options.flags = 0  // GIT_EMAIL_CREATE_DEFAULT: "[PATCH]" subject, rename detection
        try check(git_diff_options_init(&options.diff_opts, 1), "git_diff_options_init")
        options.diff_opts.flags = GIT_DIFF_SHOW_BINARY.rawValue
        options.diff_opts.context_lines = 3
        try check(git_diff_find_options_init(&options.diff_find_opts, 1), "git_diff_find_options_init")
        let buffer = Buffer()
        try check(git_email_create_from_commit(&buffer.value, pointer, &options), "git_email_create_from_commit")
        return buffer.string
    }
}
