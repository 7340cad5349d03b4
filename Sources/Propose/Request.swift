/// A name and email for the commit's author and committer.
public struct Identity: Sendable, Codable, Equatable, CustomStringConvertible {
    public var name: String
    public var email: String

    public init(name: String, email: String) {
        self.name = name
        self.email = email
    }

    /// Used when neither `--author` nor the repository's config names anyone.
    public static let fallback = Identity(name: "tolerator", email: "tolerator@localhost")

    /// Parses `Name <email>`.
    public init(parsing text: String) throws(ProposeError) {
        guard let open = text.lastIndex(of: "<"), text.hasSuffix(">") else { throw .invalidAuthor(text) }
        let name = text[..<open].trimmingCharacters(in: .whitespaces)
        let email = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
        guard !name.isEmpty, !email.isEmpty, !email.contains("<"), !email.contains(">"),
            !name.contains("<"), !name.contains(">"), !text.contains("\n")
        else { throw .invalidAuthor(text) }
        self.init(name: name, email: email)
    }

    public var description: String { "\(name) <\(email)>" }
}

/// Everything `propose` is asked to do.
public struct ProposeRequest: Sendable {
    /// A directory inside the repository (`--repo`).
    public var repository: String
    /// The Python file: relative to `repository`, or absolute inside it.
    public var file: String
    /// `name` or `Class.method`.
    public var function: String
    /// `refs/heads/<branch>`; nil means `tolerator/<function>`.
    public var branch: String?
    /// The commit message; nil means a generated one naming the function and the verdict.
    public var message: String?
    /// Move an existing branch (never the checked-out one).
    public var force = false
    public var attempts = 1
    /// Overrides the repository's `user.name`/`user.email`.
    public var author: Identity?
    /// Replace a real body too, not only a stub.
    public var replaceExisting = false
    /// Write the branch; false still writes the commit object (for `--patch`) but no reference.
    public var createBranch = true
    /// Test files or folders of the repository (`--tests`), resolved like `file`; they must be
    /// committed at HEAD, since candidates are verified against HEAD's tree.
    public var tests: [String] = []

    public init(repository: String, file: String, function: String) {
        self.repository = repository
        self.file = file
        self.function = function
    }

    /// The short branch name: `--branch refs/heads/x` means branch `x` (never refs/heads/refs/heads/x).
    public var branchName: String {
        guard let branch else { return "tolerator/" + function }
        return branch.hasPrefix("refs/heads/") ? String(branch.dropFirst("refs/heads/".count)) : branch
    }
}

import Foundation
