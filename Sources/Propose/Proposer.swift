import Foundation
import GitKit
import PythonSource

/// What the read-only first phase found: everything a proposal needs, as values.
public struct PreparedProposal: Sendable {
    public var request: ProposeRequest
    public var gitDirectory: String
    public var workingDirectory: String?
    public var head: String
    /// The file's path inside the tree.
    public var path: String
    public var file: PythonFile
    public var prompt: FunctionPrompt
    public var doctestExamples: [DoctestExample]
    public var author: Identity
    /// True when neither `--author` nor the repository's git config named anyone, so `author`
    /// is `Identity.fallback`: the caller should say so, since the commit carries it.
    public var authorIsFallback = false
    /// `request.tests` as paths inside HEAD's tree.
    public var testPaths: [String] = []
}

/// `propose`: read the stub at HEAD, try candidates, commit the first that passes.  Only the
/// object database and `refs/heads/<branch>` are written; HEAD, the index and the working
/// tree are never touched.
public struct Proposer: Sendable {
    public var request: ProposeRequest

    public init(request: ProposeRequest) { self.request = request }

    /// Checks everything that can be refused before any generation: repository, HEAD, path,
    /// file, function, stub, branch, author.
    public func prepare() throws(ProposeError) -> PreparedProposal {
        guard request.attempts >= 1 else { throw .invalidAttempts(request.attempts) }
        let repository: Repository
        do {
            repository = try Repository(at: request.repository)
        } catch {
            throw .notARepository(path: request.repository, reason: error.message)
        }
        let root = repository.workingDirectory ?? repository.gitDirectory
        let headCommit: Commit
        do {
            if try repository.isHeadUnborn() { throw ProposeError.unbornHead(repository: root) }
            headCommit = try repository.headCommit()
        } catch {
            throw ProposeError(error)
        }
        let head = headCommit.id.hex
        let path = try RepositoryPath.resolve(
            request.file, base: request.repository, workingDirectory: repository.workingDirectory)
        let bytes = try readFile(path, in: repository, head: headCommit)

        let function: PythonFunction
        let prompt: FunctionPrompt
        let file: PythonFile
        do {
            file = try PythonFile(bytes: bytes, path: path)
            function = try file.function(named: request.function)
            prompt = try function.prompt(allowingRealBody: request.replaceExisting)
        } catch {
            if case .binary = error { throw .binaryFile(path: path) }
            throw .python(error)
        }

        var testPaths: [String] = []
        for test in request.tests {
            let resolved = try RepositoryPath.resolve(
                test, base: request.repository, workingDirectory: repository.workingDirectory)
            try requireEntry(resolved, in: repository, head: headCommit)
            testPaths.append(resolved)
        }

        let branch = request.branchName
        guard Repository.isValidBranchName(branch) else { throw .invalidBranchName(branch) }
        try checkBranch(branch, in: repository)
        var author = Identity.fallback
        var authorIsFallback = false
        if let given = request.author {
            author = given
        } else if let configured = try configuredIdentity(repository) {
            author = configured
        } else {
            authorIsFallback = true
        }
        return PreparedProposal(
            request: request, gitDirectory: repository.gitDirectory, workingDirectory: repository.workingDirectory,
            head: head, path: path, file: file, prompt: prompt, doctestExamples: function.doctestExamples,
            author: author, authorIsFallback: authorIsFallback,
            testPaths: testPaths)
    }

    /// Tries candidates in order; commits the first that passes, or reports the best failure.
    public func run(
        source: some CandidateSource, verifier: some CandidateVerifier, writePatch: Bool = false
    ) async throws -> ProposeOutcome {
        try await run(prepared: try prepare(), source: source, verifier: verifier, writePatch: writePatch)
    }

    /// `run` on a proposal already prepared (and inspected) by the caller.
    public func run(
        prepared: PreparedProposal, source: some CandidateSource, verifier: some CandidateVerifier,
        writePatch: Bool = false
    ) async throws -> ProposeOutcome {
        let function = try prepared.file.function(named: request.function)
        var verdicts: [Verification] = []
        var records: [AttemptRecord] = []
        for attempt in 0..<request.attempts {
            guard let body = try await source.candidate(for: prepared.prompt, attempt: attempt, previous: verdicts)
            else { break }
            let content: [UInt8]
            do {
                content = try function.replacingBody(with: body)
            } catch {
                // An unusable body (empty, say) is a failed attempt, not a reason to stop.
                let verification = Verification(passed: false, message: error.description)
                verdicts.append(verification)
                records.append(record(attempt, verification))
                continue
            }
            // A body that decides its own comparisons or patches the interpreter or the tests
            // could pass without being right: refused before it runs (the harness also checks
            // at run time what this cannot see).
            let findings = CandidateGuard.findings(in: body)
            if !findings.isEmpty {
                let verification = Verification(passed: false, message: "refused: the body " + findings.joined(separator: "; "))
                verdicts.append(verification)
                records.append(record(attempt, verification))
                continue
            }
            let verification = try await verifier.verify(
                Submission(
                    repositoryRoot: prepared.workingDirectory, gitDirectory: prepared.gitDirectory,
                    head: prepared.head, path: prepared.path, content: content, function: request.function,
                    doctestExamples: prepared.doctestExamples, attempt: attempt))
            verdicts.append(verification)
            records.append(record(attempt, verification))
            if verification.passed {
                return try commit(
                    prepared, content: content, verification: verification, attempt: attempt, records: records,
                    writePatch: writePatch)
            }
        }
        return failure(prepared, verdicts: verdicts, records: records)
    }

    func record(_ attempt: Int, _ verification: Verification) -> AttemptRecord {
        AttemptRecord(
            attempt: attempt + 1, passed: verification.passed, message: verification.message,
            passedTests: verification.passedTests, totalTests: verification.tests.count)
    }

    func failure(_ prepared: PreparedProposal, verdicts: [Verification], records: [AttemptRecord]) -> ProposeOutcome {
        // The best failure: most tests passed, earliest on ties.
        let best = verdicts.indices.max { verdicts[$0].passedTests < verdicts[$1].passedTests || (
            verdicts[$0].passedTests == verdicts[$1].passedTests && $0 > $1) }
        let message: String
        if let best {
            message = "no candidate passed in \(verdicts.count) attempt(s); best was attempt \(best + 1) "
                + "(\(verdicts[best].passedTests)/\(verdicts[best].tests.count) tests): \(verdicts[best].message)"
        } else {
            message = "the candidate source produced no candidates; nothing was committed"
        }
        return ProposeOutcome(
            verdict: .failed, path: prepared.path, function: request.function, parent: prepared.head,
            branch: nil, commit: nil, diffStat: nil, chosenAttempt: best.map { $0 + 1 },
            tests: best.map { verdicts[$0].tests } ?? [], attempts: records, message: message, patch: nil, patchFile: nil)
    }

    // MARK: - Writing

    /// Writes blob, trees, commit (parent: the HEAD read in `prepare`) and the branch.
    public func commit(
        _ prepared: PreparedProposal, content: [UInt8], verification: Verification, attempt: Int,
        records: [AttemptRecord], writePatch: Bool
    ) throws(ProposeError) -> ProposeOutcome {
        do {
            let repository = try Repository(at: prepared.gitDirectory, searchParents: false)
            guard let parentID = ObjectID(hex: prepared.head) else { throw ProposeError.fileNotFoundAtHead(path: prepared.path, head: prepared.head) }
            let parent = try repository.lookupCommit(parentID)
            let baseTree = try parent.tree()
            let blob = try repository.createBlob(content)
            let components = prepared.path.split(separator: "/").map(String.init)
            let treeID = try replacing(components[...], with: blob, in: baseTree, repository: repository)
            let newTree = try repository.lookupTree(treeID)
            let signature = try Signature(name: prepared.author.name, email: prepared.author.email)
            let message = commitMessage(prepared, verification: verification, attempt: attempt)
            let commitID = try repository.createCommit(
                tree: newTree, parents: [parent], author: signature, committer: signature, message: message)
            let commit = try repository.lookupCommit(commitID)
            var branch: String?
            if request.createBranch {
                // Checked again: someone may have made the branch while candidates ran.
                try checkBranch(request.branchName, in: repository)
                branch = try repository.createBranch(named: request.branchName, at: commit, force: request.force).name
            }
            let stat = try repository.diff(from: baseTree, to: newTree).stat()
            let patch = writePatch ? try commit.emailPatch() : nil
            return ProposeOutcome(
                verdict: .committed, path: prepared.path, function: request.function, parent: prepared.head,
                branch: branch, commit: commitID.hex, diffStat: stat, chosenAttempt: attempt + 1,
                tests: verification.tests, attempts: records,
                message: "attempt \(attempt + 1) passed" + (verification.message.isEmpty ? "" : ": " + verification.message),
                patch: patch, patchFile: nil)
        } catch {
            throw ProposeError(error)
        }
    }

    /// The tree `tree` with the blob at `path` replaced, keeping the file's mode (an
    /// executable stays executable); returns the new root tree's id.
    func replacing(
        _ path: ArraySlice<String>, with blob: ObjectID, in tree: Tree, repository: Repository
    ) throws(GitError) -> ObjectID {
        let name = path.first!
        let builder = try repository.makeTreeBuilder(from: tree)
        let entry = tree.entry(named: name)
        if path.count == 1 {
            try builder.insert(name: name, id: blob, fileMode: entry?.fileMode ?? 0o100644)
        } else {
            let subtree = try repository.lookupTree(entry!.id)
            let updated = try replacing(path.dropFirst(), with: blob, in: subtree, repository: repository)
            try builder.insert(name: name, id: updated, fileMode: 0o040000)
        }
        return try builder.write()
    }

    func commitMessage(_ prepared: PreparedProposal, verification: Verification, attempt: Int) -> String {
        if let message = request.message {
            return message.hasSuffix("\n") ? message : message + "\n"
        }
        let tests = verification.tests.isEmpty ? "" : " (\(verification.passedTests)/\(verification.tests.count) tests passed)"
        return "Implement \(request.function) in \(prepared.path)\n\n"
            + "Drafted by tolerator and verified\(tests) on attempt \(attempt + 1) of \(request.attempts).\n"
    }

    // MARK: - Reading

    /// The file's bytes from HEAD's tree; refuses directories, links, submodules and binaries.
    func readFile(_ path: String, in repository: Repository, head: Commit) throws(ProposeError) -> [UInt8] {
        do {
            switch try lookup(path, in: repository, head: head) {
            case .missing:
                throw ProposeError.fileNotFoundAtHead(path: path, head: head.id.hex)
            case .link(let walked, let kind):
                throw ProposeError.notARegularFile(path: walked, kind: kind)
            case .found(let entry):
                guard entry.kind == .blob else { throw ProposeError.notARegularFile(path: path, kind: "directory") }
                let blob = try repository.lookupBlob(entry.id)
                if blob.isBinary { throw ProposeError.binaryFile(path: path) }
                return blob.bytes
            }
        } catch {
            throw ProposeError(error)
        }
    }

    /// A test path must name a file or folder committed at HEAD (no links on the way).
    func requireEntry(_ path: String, in repository: Repository, head: Commit) throws(ProposeError) {
        let result: PathLookup
        do {
            result = try lookup(path, in: repository, head: head)
        } catch {
            throw ProposeError(error)
        }
        guard case .found = result else { throw .testsNotFoundAtHead(path: path, head: head.id.hex) }
    }

    /// Where walking `path` down HEAD's tree ends.
    enum PathLookup {
        /// The last component's entry, of any kind.
        case found(TreeEntry)
        /// A component is absent, or one before the last is not a folder.
        case missing
        /// A symbolic link or submodule at `walked` (the path up to it), which is never followed.
        case link(walked: String, kind: String)
    }

    func lookup(_ path: String, in repository: Repository, head: Commit) throws -> PathLookup {
        var tree = try head.tree()
        let components = path.split(separator: "/").map(String.init)
        for (index, component) in components.enumerated() {
            guard let entry = tree.entry(named: component) else { return .missing }
            let walked = components[...index].joined(separator: "/")
            if entry.isSymbolicLink { return .link(walked: walked, kind: "symbolic link") }
            if entry.isSubmodule { return .link(walked: walked, kind: "submodule") }
            if index == components.count - 1 { return .found(entry) }
            guard entry.kind == .tree else { return .missing }
            tree = try repository.lookupTree(entry.id)
        }
        return .missing
    }

    func checkBranch(_ name: String, in repository: Repository) throws(ProposeError) {
        do {
            guard let existing = try repository.branch(named: name) else { return }
            if try existing.isCheckedOut() { throw ProposeError.branchCheckedOut(branch: name) }
            if !request.force { throw ProposeError.branchExists(branch: name, commit: try existing.target().hex) }
        } catch {
            throw ProposeError(error)
        }
    }

    /// `user.name` and `user.email` from the repository's config (all levels), when both are set.
    func configuredIdentity(_ repository: Repository) throws(ProposeError) -> Identity? {
        do {
            let config = try repository.configuration()
            guard let name = try config.string("user.name"), let email = try config.string("user.email"),
                !name.isEmpty, !email.isEmpty
            else { return nil }
            return Identity(name: name, email: email)
        } catch {
            throw .git(error)
        }
    }
}
