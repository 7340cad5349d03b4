import Foundation
import FixtureSupport
import Testing
import GitKit
import PythonSource
@testable import Propose

let mathy = #"""
import math


def add(a, b):
    """Return a + b.

    >>> add(2, 3)
    5
    """
    ...


def norm(x, y):
    return math.hypot(x, y)
"""#

let mathyProposed = #"""
import math


def add(a, b):
    """Return a + b.

    >>> add(2, 3)
    5
    """
    return a + b


def norm(x, y):
    return math.hypot(x, y)
"""#

func request(_ fixture: GitFixture, file: String = "pkg/mathy.py", function: String = "add") -> ProposeRequest {
    var request = ProposeRequest(repository: fixture.repo, file: file, function: function)
    request.attempts = 3
    return request
}

@Suite struct ProposeTests {
    /// A dirty tree: a staged change, an unstaged edit of the very file proposed, an
    /// untracked file.  All of it must survive byte for byte.
    func dirtyFixture() throws -> GitFixture {
        let fixture = try GitFixture(commit: ["pkg/mathy.py": mathy, "README.md": "hello\n", "pkg/__init__.py": ""])
        try fixture.write("README.md", "hello, staged\n")
        try fixture.git("add", "README.md")
        try fixture.write("pkg/mathy.py", mathy + "\n# local edit\n")
        try fixture.write("notes.txt", "untracked\n")
        return fixture
    }

    @Test func commitsFirstPassingCandidateWithoutTouchingTheUser() async throws {
        let fixture = try dirtyFixture()
        let before = try fixture.userState()
        let verifier = TextVerifier(required: ["return a + b"])
        let outcome = try await Proposer(request: request(fixture)).run(
            source: ListedCandidates(bodies: ["return a - b", "return a + b\n", "return b + a"]), verifier: verifier)

        #expect(outcome.verdict == .committed)
        #expect(outcome.chosenAttempt == 2)
        #expect(outcome.attempts.map(\.passed) == [false, true])
        #expect(outcome.branch == "refs/heads/tolerator/add")
        #expect(outcome.parent == before.head.trimmingCharacters(in: .newlines))
        let commit = try #require(outcome.commit)
        #expect(try fixture.git("rev-parse", "tolerator/add") == commit + "\n")
        #expect(try fixture.git("rev-parse", "tolerator/add^") == before.head)
        #expect(try fixture.git("show", "tolerator/add:pkg/mathy.py") == mathyProposed)
        #expect(try fixture.git("diff", "--name-only", "HEAD", "tolerator/add") == "pkg/mathy.py\n")
        #expect(try fixture.git("fsck", "--strict", "--no-dangling").isEmpty)
        #expect(try fixture.git("log", "-1", "--format=%an <%ae>|%cn <%ce>", "tolerator/add")
            == "Test User <test@example.com>|Test User <test@example.com>\n")
        #expect(try fixture.git("log", "-1", "--format=%B", "tolerator/add")
            == "Implement add in pkg/mathy.py\n\nDrafted by tolerator and verified (1/1 tests passed) on attempt 2 of 3.\n\n")
        #expect(outcome.diffStat == DiffStat(filesChanged: 1, insertions: 1, deletions: 1))
        #expect(try fixture.git("diff", "--shortstat", "HEAD", "tolerator/add")
            == " 1 file changed, 1 insertion(+), 1 deletion(-)\n")
        #expect(outcome.tests == [TestOutcome(name: "contains return a + b", status: "pass")])
        #expect(try fixture.userState() == before)

        // The verifier saw the file from HEAD (not the edited working copy) with the body in.
        let submissions = await verifier.log.submissions
        #expect(submissions.count == 2)
        #expect(String(decoding: submissions[1].content, as: UTF8.self) == mathyProposed)
        #expect(submissions[1].path == "pkg/mathy.py")
        #expect(submissions[1].doctestExamples.map(\.source) == ["add(2, 3)\n"])
    }

    @Test func patchAppliesWithGitAmOnAFreshClone() async throws {
        let fixture = try dirtyFixture()
        let outcome = try await Proposer(request: request(fixture)).run(
            source: ListedCandidates(bodies: ["return a + b"]), verifier: TextVerifier(required: ["return a + b"]),
            writePatch: true)
        let patch = try #require(outcome.patch)
        #expect(patch.hasPrefix("From \(outcome.commit!) Mon Sep 17 00:00:00 2001\nFrom: Test User <test@example.com>\n"))
        #expect(patch.contains("Subject: [PATCH] Implement add in pkg/mathy.py\n"))
        let patchFile = fixture.root + "/add.patch"
        try Data(patch.utf8).write(to: URL(fileURLWithPath: patchFile))

        try fixture.git("clone", "-q", fixture.repo, fixture.root + "/clone", in: fixture.root)
        let clone = fixture.root + "/clone"
        try fixture.git("config", "user.name", "Cloner", in: clone)
        try fixture.git("config", "user.email", "cloner@example.com", in: clone)
        try fixture.git("am", "-q", patchFile, in: clone)
        #expect(try fixture.git("show", "HEAD:pkg/mathy.py", in: clone) == mathyProposed)
        #expect(try fixture.git("rev-parse", "HEAD^{tree}", in: clone)
            == (try fixture.git("rev-parse", "tolerator/add^{tree}")))
        #expect(try fixture.git("log", "-1", "--format=%an|%s", in: clone) == "Test User|Implement add in pkg/mathy.py\n")
    }

    @Test func noPassingCandidateCommitsNothingAndReportsTheBest() async throws {
        let fixture = try dirtyFixture()
        let before = try fixture.userState()
        let objectsBefore = try fixture.git("count-objects")
        let outcome = try await Proposer(request: request(fixture)).run(
            source: ListedCandidates(bodies: ["return 0", "return a  # b", "x = a\nreturn x"]),
            verifier: TextVerifier(required: ["return a", "a * b"]))
        #expect(outcome.verdict == .failed)
        #expect(outcome.commit == nil && outcome.branch == nil && outcome.diffStat == nil)
        #expect(outcome.chosenAttempt == 2)
        #expect(outcome.message
            == "no candidate passed in 3 attempt(s); best was attempt 2 (1/2 tests): missing text")
        #expect(outcome.tests.map(\.status) == ["pass", "fail"])
        #expect(try fixture.git("branch", "--list", "tolerator/*").isEmpty)
        #expect(try fixture.git("count-objects") == objectsBefore)
        #expect(try fixture.userState() == before)
    }

    @Test func unusableCandidateIsAFailedAttempt() async throws {
        let fixture = try dirtyFixture()
        let outcome = try await Proposer(request: request(fixture)).run(
            source: ListedCandidates(bodies: ["\n\n", "return a + b"]), verifier: TextVerifier(required: ["a + b"]))
        #expect(outcome.attempts.map(\.message) == ["the generated body for `add` is empty", "all present"])
        #expect(outcome.verdict == .committed)
    }

    @Test func nestedExecutableFileKeepsItsMode() async throws {
        let fixture = try GitFixture(commit: ["a/b/tool.py": "def run():\n    pass\n", "a/other.py": "x = 1\n"])
        try fixture.git("update-index", "--chmod=+x", "a/b/tool.py")
        try fixture.git("commit", "-q", "-m", "exec")
        var request = ProposeRequest(repository: fixture.repo + "/a", file: "b/tool.py", function: "run")
        request.author = Identity(name: "Flag Author", email: "flag@example.com")
        request.branch = "feature/run"
        request.message = "Add run"
        let outcome = try await Proposer(request: request).run(
            source: ListedCandidates(bodies: ["return 42"]), verifier: TextVerifier(required: ["42"]))
        #expect(outcome.branch == "refs/heads/feature/run")
        #expect(outcome.path == "a/b/tool.py")
        let modes = try fixture.git("ls-tree", "-r", "feature/run").split(separator: "\n").map {
            "\($0.prefix(6)) \($0.split(separator: "\t").last!)"
        }
        #expect(modes == ["100755 a/b/tool.py", "100644 a/other.py"])
        #expect(try fixture.git("show", "feature/run:a/b/tool.py") == "def run():\n    return 42\n")
        #expect(try fixture.git("log", "-1", "--format=%an <%ae>|%B", "feature/run") == "Flag Author <flag@example.com>|Add run\n\n")
        #expect(try fixture.git("fsck", "--strict", "--no-dangling").isEmpty)
    }

    @Test func forceMovesAnExistingBranch() async throws {
        let fixture = try dirtyFixture()
        try fixture.git("branch", "tolerator/add")
        var forced = request(fixture)
        forced.force = true
        let outcome = try await Proposer(request: forced).run(
            source: ListedCandidates(bodies: ["return a + b"]), verifier: TextVerifier(required: ["a + b"]))
        #expect(try fixture.git("rev-parse", "tolerator/add") == outcome.commit! + "\n")
    }

    @Test func materializeWritesHeadWithTheCandidate() async throws {
        let fixture = try dirtyFixture()
        let prepared = try Proposer(request: request(fixture)).prepare()
        let submission = Submission(
            repositoryRoot: prepared.workingDirectory, gitDirectory: prepared.gitDirectory, head: prepared.head,
            path: prepared.path, content: Array(mathyProposed.utf8), function: "add", doctestExamples: [], attempt: 0)
        let target = fixture.root + "/export"
        try submission.materialize(into: target)
        #expect(FileManager.default.contents(atPath: target + "/pkg/mathy.py") == Data(mathyProposed.utf8))
        // HEAD's README, not the staged one; untracked files are not part of HEAD.
        #expect(FileManager.default.contents(atPath: target + "/README.md") == Data("hello\n".utf8))
        #expect(!FileManager.default.fileExists(atPath: target + "/notes.txt"))
    }

    @Test func promptComesFromHead() throws {
        let fixture = try dirtyFixture()
        let prepared = try Proposer(request: request(fixture)).prepare()
        #expect(prepared.prompt.text == "import math\n\ndef add(a, b):\n    \"\"\"Return a + b.\n\n    >>> add(2, 3)\n    5\n    \"\"\"\n")
        #expect(prepared.author == Identity(name: "Test User", email: "test@example.com"))
        #expect(!prepared.authorIsFallback)
    }

    @Test func aRepositoryWithoutIdentityIsSaidToUseTheFallback() throws {
        let fixture = try dirtyFixture()
        _ = try fixture.git("config", "--unset", "user.name")
        _ = try fixture.git("config", "--unset", "user.email")
        let prepared = try Proposer(request: request(fixture)).prepare()
        // A global ~/.gitconfig identity (some developer machines) still counts as configured.
        #expect(prepared.authorIsFallback == (prepared.author == Identity.fallback))
        var given = request(fixture)
        given.author = Identity(name: "Ada", email: "ada@example.com")
        let named = try Proposer(request: given).prepare()
        #expect(named.author == Identity(name: "Ada", email: "ada@example.com"))
        #expect(!named.authorIsFallback)
    }

    @Test func candidatesFileSplitsOnMarkerLines() {
        let listed = ListedCandidates(fileText: "return 1\n### candidate\nx = 2\nreturn x\n###  candidate\n\n### candidate\r\nreturn 3\n")
        #expect(listed.bodies == ["return 1", "x = 2\nreturn x\n###  candidate\n", "return 3\n"])
        #expect(ListedCandidates(fileText: "### candidate\nreturn 1\n").bodies == ["return 1\n"])
    }

    @Test func identityParsing() throws {
        #expect(try Identity(parsing: "Ada Lovelace <ada@example.com>") == Identity(name: "Ada Lovelace", email: "ada@example.com"))
        #expect(throws: ProposeError.self) { try Identity(parsing: "no email") }
        #expect(ProposeError.invalidAuthor("x").description == "author `x` is not of the form `Name <email>`")
    }

    @Test func outcomeIsJSONForScripts() async throws {
        let fixture = try dirtyFixture()
        let outcome = try await Proposer(request: request(fixture)).run(
            source: ListedCandidates(bodies: ["return a + b"]), verifier: TextVerifier(required: ["a + b"]))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(outcome)
        #expect(try JSONDecoder().decode(ProposeOutcome.self, from: data) == outcome)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["verdict"] as? String == "committed")
        #expect(object["branch"] as? String == "refs/heads/tolerator/add")
        #expect(object["commit"] as? String == outcome.commit)
        #expect((object["diffStat"] as? [String: Int]) == ["filesChanged": 1, "insertions": 1, "deletions": 1])
    }
}
